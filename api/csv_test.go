package api_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"sqc/api"
)

// liveFormula reports a cell a spreadsheet would run.
func liveFormula(c string) bool {
	c = strings.TrimLeft(c, " \t\r\n")
	for _, p := range []string{"=", "+", "-", "@", "＝", "＋", "－", "＠"} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}

// Every cell written, whatever its column, comes out as text.
func TestCSVWriterDefusesEveryCell(t *testing.T) {
	row := []string{"=-2+3", "==1+2", "=@SUM(1)", "+1", "-1+1", "@SUM(1)", "\t=1", "\r=1", "  =1", "＝1+1", "\x1b[2J=1", "plain"}
	var b bytes.Buffer
	w := api.NewCSVWriter(&b)
	if err := w.Write(row...); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&b).Read()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range got {
		if liveFormula(c) || strings.ContainsRune(c, '\x1b') {
			t.Errorf("cell %d %q written as %q: a spreadsheet runs it", i, row[i], c)
		}
	}
	if got[0] != "'=-2+3" || got[len(got)-1] != "plain" {
		t.Errorf("cells %q", got)
	}
}
