package importer

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// FuzzCSVRows drives the CSV source and the row validation with arbitrary
// input: neither may panic, every bad row carries a line after the
// header, and every accepted row is a valid user.
func FuzzCSVRows(f *testing.F) {
	f.Add("username,email,roles\nann,ann@example.com,reader\n")
	f.Add("username,password_hash\nbob,$2b$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234\n")
	f.Add("username,email\n\"unterminated,x\nok,ok@example.com\n")
	f.Add("\ufeffUSERNAME , display_name\ncarl,\"Carl \"\"C\"\"\"\n")
	f.Add("username\n\n\n")
	f.Fuzz(func(t *testing.T, data string) {
		src, err := NewCSVSource(strings.NewReader(data))
		if err != nil {
			return
		}
		im := &Importer{Source: domain.SourceCSV}
		roles := map[string]bool{"reader": true}
		for range 10_000 {
			row, err := src.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var re *RowError
			if errors.As(err, &re) {
				if re.Line < 2 {
					t.Fatalf("bad row at line %d", re.Line)
				}
				continue
			}
			if err != nil {
				return
			}
			p, re := im.prepare(row, roles)
			if re != nil {
				if re.Line < 2 || re.Reason == "" {
					t.Fatalf("row error without line or reason: %+v", re)
				}
				continue
			}
			if err := domain.ValidateUser(&p.user); err != nil || p.user.ID == "" {
				t.Fatalf("accepted an invalid user %+v: %v", p.user, err)
			}
		}
	})
}
