package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/importer"
)

// newUserImportCmd: tollgate user import --csv FILE | --from-db DSN --query SQL.
// Both stream to the server's import action as CSV, so the server applies
// one set of rules; a database is read here, next to the admin, and never
// by the server (which would let an admin API call reach any host the
// server can).
func newUserImportCmd(f *adminFlags) *cobra.Command {
	var csvPath, dsn, query string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "import (--csv FILE | --from-db DSN --query SQL)",
		Short: "Import users from a CSV file or a SQL query (columns: username,email,display_name,password,password_hash,roles)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			progress := newProgress(cmd.ErrOrStderr(), quiet)
			var rep *adminclient.ImportReport
			var rows *rowMap
			switch {
			case csvPath != "" && dsn == "":
				rep, err = importCSVFile(cmd.Context(), c, csvPath, progress)
			case dsn != "" && csvPath == "":
				rep, rows, err = importFromDB(cmd.Context(), c, dsn, query, progress)
			default:
				return errors.New("give either --csv FILE or --from-db DSN --query SQL")
			}
			progress.done()
			if err != nil {
				return err
			}
			return printReport(cmd, f, rep, rows)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&csvPath, "csv", "", "CSV file with a header row (- for standard input)")
	fs.StringVar(&dsn, "from-db", "", "source database: postgres://… or a SQLite file path")
	fs.StringVar(&query, "query", "", "SQL query on the source database; columns map by name (use AS)")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}

func importCSVFile(ctx context.Context, c *adminclient.Client, path string, p *progress) (*adminclient.ImportReport, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			p.total = fi.Size()
		}
		r = f
	}
	return c.ImportUsers(ctx, &countingReader{r: r, n: &p.bytes}, domain.SourceCSV)
}

// importFromDB streams the query's rows to the server as CSV. Rows the
// source cannot deliver are reported here; rowMap turns the server's CSV
// line numbers back into source row numbers.
func importFromDB(ctx context.Context, c *adminclient.Client, dsn, query string, p *progress) (*adminclient.ImportReport, *rowMap, error) {
	src, err := importer.OpenSQL(ctx, dsn, query)
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	pr, pw := io.Pipe()
	rows := &rowMap{}
	written := make(chan struct{})
	go func() {
		defer close(written)
		pw.CloseWithError(writeCSV(pw, src, rows, &p.rows))
	}()
	rep, err := c.ImportUsers(ctx, pr, domain.SourceDatabase)
	pr.CloseWithError(errors.New("import ended")) // unblocks the writer if the server stopped reading
	<-written
	if err != nil {
		return nil, nil, err
	}
	if rows.srcErr != nil && rep.Aborted == "" {
		rep.Aborted = rows.srcErr.Error()
	}
	rep.Failed += len(rows.local)
	rep.Errors = append(rows.local, rep.Errors...)
	return rep, rows, nil
}

// rowMap remembers which source rows were not sent, so the server's CSV
// line L maps back to source row L-1 plus the rows skipped before it.
type rowMap struct {
	skipped []int // source rows not sent, ascending
	local   []adminclient.ImportRowError
	srcErr  error
}

func (m *rowMap) row(line int) int {
	r := line - 1
	for _, s := range m.skipped {
		if s <= r {
			r++
		}
	}
	return r
}

func writeCSV(w io.Writer, src *importer.SQLSource, m *rowMap, count *atomic.Int64) error {
	cw := csv.NewWriter(w)
	cols := src.Columns()
	if err := cw.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for {
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *importer.RowError
		if errors.As(err, &re) {
			m.skip(re.Line, "", re.Reason)
			continue
		}
		if err != nil {
			m.srcErr = err
			break
		}
		count.Add(1)
		for i, c := range cols {
			rec[i] = row.Get(c)
		}
		// One record per line keeps the server's line numbers mappable.
		if v := strings.Join(rec, ""); strings.ContainsAny(v, "\r\n") {
			m.skip(row.Line, row.Get(importer.ColUsername), "a value contains a line break")
			continue
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (m *rowMap) skip(row int, username, reason string) {
	m.skipped = append(m.skipped, row)
	if len(m.local) < importer.MaxReportedErrors {
		m.local = append(m.local, adminclient.ImportRowError{Line: -row, Username: username, Reason: reason})
	}
}

// printReport prints the counts and each bad row. Rows from a database
// are numbered by source row, not CSV line.
func printReport(cmd *cobra.Command, f *adminFlags, rep *adminclient.ImportReport, rows *rowMap) error {
	for i := range rep.Errors {
		switch e := &rep.Errors[i]; {
		case e.Line < 0:
			e.Line = -e.Line // already a source row
		case rows != nil:
			e.Line = rows.row(e.Line)
		}
	}
	if f.output == adminclient.FormatJSON {
		if err := adminclient.PrintJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
		return importOutcome(rep)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "created %d, updated %d, skipped %d (unchanged), failed %d\n", rep.Created, rep.Updated, rep.Skipped, rep.Failed)
	unit := "line"
	if rows != nil {
		unit = "row"
	}
	for _, e := range rep.Errors {
		who := ""
		if e.Username != "" {
			who = " (" + e.Username + ")"
		}
		fmt.Fprintf(w, "  %s %d%s: %s\n", unit, e.Line, who, e.Reason)
	}
	if n := rep.Failed - len(rep.Errors); n > 0 {
		fmt.Fprintf(w, "  … and %d more bad rows\n", n)
	}
	return importOutcome(rep)
}

// importOutcome makes the command exit non-zero unless every row was
// imported, so a script notices bad rows without parsing the report.
func importOutcome(rep *adminclient.ImportReport) error {
	if rep.Aborted != "" {
		return errors.New(rep.Aborted)
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d rows failed; the others were imported", rep.Failed)
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress draws a one-line progress bar on stderr: by bytes when the
// size is known, else by rows sent.
type progress struct {
	w           io.Writer
	total       int64
	bytes, rows atomic.Int64
	stop        chan struct{}
	wg          sync.WaitGroup
}

func newProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w, stop: make(chan struct{})}
	if quiet {
		return p
	}
	p.wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				p.draw()
				fmt.Fprintln(p.w)
				return
			case <-t.C:
				p.draw()
			}
		}
	})
	return p
}

func (p *progress) draw() {
	if p.total > 0 {
		frac := min(float64(p.bytes.Load())/float64(p.total), 1)
		const width = 30
		bar := strings.Repeat("#", int(frac*width)) + strings.Repeat(".", width-int(frac*width))
		fmt.Fprintf(p.w, "\rimporting [%s] %3.0f%%  %.1f/%.1f MB", bar, frac*100,
			float64(p.bytes.Load())/1e6, float64(p.total)/1e6)
		return
	}
	if n := p.rows.Load(); n > 0 {
		fmt.Fprintf(p.w, "\rimporting: %d rows sent", n)
	} else {
		fmt.Fprintf(p.w, "\rimporting: %.1f MB sent", float64(p.bytes.Load())/1e6)
	}
}

func (p *progress) done() {
	close(p.stop)
	p.wg.Wait()
}
