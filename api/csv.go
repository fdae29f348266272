package api

import (
	"encoding/csv"
	"io"
)

// CSVWriter writes CSV in which every cell has passed CSVCell: whatever a
// cell holds (a name, a group, and a device ID too, which the server
// sends and nothing checks on the way out), a spreadsheet opening the
// file shows it as text and never runs it as a formula. Every CSV sqc
// writes goes through here, so no column can be left out.
type CSVWriter struct {
	w   *csv.Writer
	rec []string
}

// NewCSVWriter writes to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write writes one row, each cell cleaned and defused.
func (c *CSVWriter) Write(cells ...string) error {
	c.rec = c.rec[:0]
	for _, s := range cells {
		c.rec = append(c.rec, CSVCell(s))
	}
	return c.w.Write(c.rec)
}

// Flush writes what is buffered and says whether any write failed.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}
