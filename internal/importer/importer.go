package importer

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// BatchSize is how many rows one transaction writes: large enough that
// commits do not dominate, small enough that a failed batch retried row
// by row stays cheap.
const BatchSize = 512

// MaxReportedErrors bounds the bad rows a report lists (all are counted),
// so a hopeless file cannot make the report itself huge.
const MaxReportedErrors = 1000

// Report is the outcome of an import.
type Report struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	// Skipped rows matched the stored user already.
	Skipped int `json:"skipped"`
	// Failed rows were bad; Errors lists the first MaxReportedErrors.
	Failed int        `json:"failed"`
	Errors []RowError `json:"errors"`
}

// Rows is how many rows the report accounts for.
func (r *Report) Rows() int { return r.Created + r.Updated + r.Skipped + r.Failed }

func (r *Report) fail(e *RowError) {
	r.Failed++
	if len(r.Errors) < MaxReportedErrors {
		e.Username, e.Reason = clip(e.Username, maxEchoBytes), clip(e.Reason, maxReasonBytes)
		r.Errors = append(r.Errors, *e)
	}
}

// SourceError is a failure of the source (unreadable input, a source
// database gone), as opposed to one of the store; its message is meant for
// the person importing.
type SourceError struct{ Err error }

func (e *SourceError) Error() string { return e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

// Importer writes rows into one tenant.
type Importer struct {
	Store  store.Store
	Hasher *secret.Hasher
	// Source is recorded on the users an import creates (domain.SourceCSV
	// or domain.SourceDatabase); existing users keep theirs.
	Source string
	// Progress, when set, is called after each batch with the rows done.
	Progress func(rows int)
}

// Import reads src to the end and applies its rows to tenant. It returns
// the report so far together with an error when the source or the store
// failed for good; the batches written before stay written.
func (im *Importer) Import(ctx context.Context, tenant string, src Source) (*Report, error) {
	roles, err := im.roles(ctx, tenant)
	if err != nil {
		return nil, err
	}
	rep := &Report{Errors: []RowError{}}
	// Usernames seen so far, as 64-bit keyed hashes: 100,000 rows cost
	// about 3 MiB instead of keeping every name. A false duplicate needs a
	// 64-bit collision under a random key (odds ~1e-9 at a million rows).
	seed := maphash.MakeSeed()
	seen := map[uint64]int{}
	batch := make([]*pending, 0, BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := im.write(ctx, tenant, batch, rep)
		batch = batch[:0]
		if im.Progress != nil {
			im.Progress(rep.Rows())
		}
		return err
	}
	for {
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			rep.fail(re)
			continue
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return rep, ferr
			}
			return rep, &SourceError{err}
		}
		p, re := im.prepare(row, roles)
		if re == nil {
			key := maphash.String(seed, p.user.ID)
			if first, dup := seen[key]; dup {
				re = &RowError{Line: row.Line, Username: p.user.ID,
					Reason: fmt.Sprintf("duplicate username; line %d has it already", first)}
			} else {
				seen[key] = row.Line
			}
		}
		if re != nil {
			rep.fail(re)
			continue
		}
		batch = append(batch, p)
		if len(batch) == BatchSize {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	return rep, flush()
}

// roles returns the tenant's role names; rows may only name these.
func (im *Importer) roles(ctx context.Context, tenant string) (map[string]bool, error) {
	if _, err := im.Store.GetTenant(ctx, tenant); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	after := ""
	for {
		page, err := im.Store.ListRoles(ctx, tenant, domain.Page{After: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			out[r.ID] = true
		}
		if len(page) < 500 {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// pending is a validated row waiting for its batch.
type pending struct {
	line     int
	row      *Row
	user     domain.User // the row's attributes, as a new user would have them
	password string      // plaintext to hash, when the row has one
}

// prepare validates a row on its own, before any database access.
func (im *Importer) prepare(row *Row, roles map[string]bool) (*pending, *RowError) {
	username := strings.TrimSpace(row.Get(ColUsername))
	bad := func(format string, args ...any) (*pending, *RowError) {
		return nil, &RowError{Line: row.Line, Username: username, Reason: echo(format, args...)}
	}
	if username == "" {
		return bad("username is empty")
	}
	id, err := domain.NormalizeUsername(username)
	if err != nil {
		return bad("username: %s", err.(*domain.InvalidError).Reason)
	}
	p := &pending{line: row.Line, row: row, password: row.Get(ColPassword), user: domain.User{
		ID:           id,
		Email:        strings.TrimSpace(row.Get(ColEmail)),
		DisplayName:  strings.TrimSpace(row.Get(ColDisplayName)),
		PasswordHash: strings.TrimSpace(row.Get(ColPasswordHash)),
		Roles:        splitRoles(row.Get(ColRoles)),
		Source:       im.Source,
	}}
	if e := p.user.Email; e != "" {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || a.Name != "" {
			return bad("invalid email %q", e)
		}
	}
	for _, r := range p.user.Roles {
		if !roles[r] {
			return bad("unknown role %q", r)
		}
	}
	if p.password != "" && p.user.PasswordHash != "" {
		return bad("give password or password_hash, not both")
	}
	if len(p.password) > 1024 {
		return bad("password longer than 1024 bytes")
	}
	if h := p.user.PasswordHash; h != "" {
		if err := secret.CheckHash(h); err != nil {
			return bad("password_hash: %v", strings.TrimPrefix(err.Error(), secret.ErrMalformedHash.Error()+": "))
		}
		p.user.ImportedHash = domain.ImportedHashKey(h)
	}
	if err := domain.ValidateUser(&p.user); err != nil {
		return bad("%v", err)
	}
	return p, nil
}

// splitRoles splits "a; b;;c" into [a b c], sorted so that the order in
// the file does not count as a change.
func splitRoles(s string) []string {
	out := []string{}
	for _, r := range strings.Split(s, ";") {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// hashWait bounds how long an import waits for a hashing slot that
// logins keep busy, before it reports the row instead.
const hashWait = 30 * time.Second
