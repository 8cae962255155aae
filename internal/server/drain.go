package server

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// drain is how a node leaves its keep-alive clients on SIGTERM without
// resetting any of them.
//
// http.Server.Shutdown (and SetKeepAlivesEnabled(false)) closes every
// idle keep-alive connection at once. A client may have just written its
// next request on one: the server has not read it yet, so the connection
// still counts as idle, and the client gets EOF or a reset for a request
// no handler saw. Under load that was most clients of a node.
//
// An HTTP/1.1 server can only leave a connection safely by saying so in
// a response: "Connection: close", after which the client opens a new
// connection for its next request. So on SIGTERM the node first closes
// its listeners: a new connection is refused, which a client or load
// balancer retries on another node (closing them later, once clients
// reconnect, would reset the connections waiting in the accept queue).
// Then, for the drain time, it keeps serving the open connections, marks
// every response "Connection: close" and answers /readyz 503. Only then
// does Shutdown close the connections still idle: those no client used
// during the drain.
type drain struct {
	wait    time.Duration
	started chan struct{} // closed when draining starts
	once    sync.Once
}

func newDrain(wait time.Duration) *drain {
	return &drain{wait: wait, started: make(chan struct{})}
}

// Handler marks every response of a draining node "Connection: close":
// net/http then closes the connection after the response, and the client,
// told so, does not reuse it.
func (d *drain) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.draining() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// draining reports whether the drain has started.
func (d *drain) draining() bool {
	select {
	case <-d.started:
		return true
	default:
		return false
	}
}

// run starts draining: it closes lns, then returns after the drain time,
// or when ctx (the shutdown grace) ends first. The listeners close before
// the first "Connection: close": a client told to leave reconnects at
// once, and a connection still in the accept queue when its listener
// closes is reset, not refused.
func (d *drain) run(ctx context.Context, lns ...net.Listener) {
	for _, ln := range lns {
		_ = ln.Close()
	}
	d.once.Do(func() { close(d.started) })
	t := time.NewTimer(d.wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// onceCloseListener lets drain close a listener before Shutdown closes
// it again, without Shutdown reporting the second close as an error.
type onceCloseListener struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *onceCloseListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
