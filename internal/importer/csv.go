package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// CSVSource reads users from CSV (RFC 4180) with a header row. It keeps
// one record in memory at a time, so files of any length stream.
type CSVSource struct {
	r    *csv.Reader
	cols []string
}

// NewCSVSource reads the header and returns a source of the rows after
// it. A missing or bad header is an error: without it no column can be
// trusted.
func NewCSVSource(r io.Reader) (*CSVSource, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // counted per row, so a short row is one bad row, not the end
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("csv: empty input; the first line must be a header naming the columns (username required)")
	}
	if err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	cols, err := mapColumns(header)
	if err != nil {
		return nil, fmt.Errorf("csv header (the first line must name the columns): %w", err)
	}
	return &CSVSource{r: cr, cols: cols}, nil
}

// Next returns the next row; see Source.
func (s *CSVSource) Next() (*Row, error) {
	rec, err := s.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		// encoding/csv resumes at the next line after a quoting error.
		return nil, &RowError{Line: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	line, _ := s.r.FieldPos(0)
	return parseRecord(line, s.cols, rec)
}

// parseRecord maps one record to a Row; the fuzz target drives it.
func parseRecord(line int, cols, rec []string) (*Row, error) {
	if len(rec) != len(cols) {
		return nil, &RowError{Line: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), len(cols))}
	}
	row := &Row{Line: line, Fields: make(map[string]string, len(cols))}
	for i, c := range cols {
		row.Fields[c] = rec[i]
	}
	return row, nil
}

// Close does nothing; the caller owns the reader.
func (s *CSVSource) Close() error { return nil }
