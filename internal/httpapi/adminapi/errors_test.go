package adminapi

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

func TestWriteError(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"not found", fmt.Errorf("user %q: %w", "x", domain.ErrNotFound), 404},
		{"conflict", domain.ErrConflict, 409},
		{"invalid", domain.Invalid("email", "bad"), 400},
		{"malformed Authorization header", fmt.Errorf("%w: too large", authheader.ErrMalformed), 400},
		{"unauthenticated", admin.ErrUnauthenticated, 401},
		{"forbidden", admin.ErrForbidden, 403},
		{"password hashing overloaded", secret.ErrOverloaded, 503},
		{"unsupported key algorithm", token.ErrUnsupportedAlgorithm, 400},
		{"protocol", jsonapi.TooLarge(1), 413},
		{"unknown", errors.New("disk on fire"), 500},
		{"database unavailable", fmt.Errorf("user: %w: dial tcp 10.1.2.3:5432: refused", domain.ErrUnavailable), 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			writeError(w, httptest.NewRequest("GET", "/", nil), log, tc.err)
			res := w.Result()
			if res.StatusCode != tc.status || res.Header.Get("Content-Type") != jsonapi.MediaType {
				t.Fatalf("status %d, Content-Type %q; want %d", res.StatusCode, res.Header.Get("Content-Type"), tc.status)
			}
			// The body's encoding is jsonapi's (TestWriteErrorObject).
			obj := errorObject(tc.err)
			if obj.Status != fmt.Sprint(tc.status) || obj.Code == "" || obj.Title == "" {
				t.Errorf("error object = %+v", obj)
			}
			switch tc.status {
			case 401:
				if got := res.Header.Get("WWW-Authenticate"); got != `Bearer realm="tollgate"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			case 400:
				if tc.name == "invalid" && (obj.Source == nil || obj.Source.Pointer != "/data/attributes/email") {
					t.Errorf("source = %+v", obj.Source)
				}
			case 503:
				if res.Header.Get("Retry-After") == "" || strings.Contains(obj.Detail, "10.1.2.3") {
					t.Errorf("503: Retry-After %q, object %+v", res.Header.Get("Retry-After"), obj)
				}
				if errors.Is(tc.err, domain.ErrUnavailable) && !strings.Contains(logs.String(), "10.1.2.3") {
					t.Errorf("cause not logged: %s", logs.String())
				}
			case 500:
				id := res.Header.Get("X-Request-Id")
				if obj.Detail != "internal error" || id == "" {
					t.Errorf("500 object = %+v, request id %q", obj, id)
				}
				if !strings.Contains(logs.String(), "disk on fire") || !strings.Contains(logs.String(), id) ||
					!strings.Contains(w.Body.String(), `"id":"`+id+`"`) || strings.Contains(w.Body.String(), "disk") {
					t.Errorf("cause not logged with request id, or leaked: %s / %s", w.Body, logs.String())
				}
			}
		})
	}
}
