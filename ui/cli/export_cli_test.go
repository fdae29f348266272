package cli

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"sqc/api/sim"
)

// formulaCell reports a cell a spreadsheet would run as a formula.
func formulaCell(c string) bool {
	c = strings.TrimLeft(c, " \t\r\n")
	for _, p := range []string{"=", "+", "-", "@", "＝", "＋", "－", "＠"} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}

// A server whose device IDs (and names and groups) are formulas: sqc
// devices --csv, redirected to a file a spreadsheet opens, holds every
// cell as text, the IDs too.
func TestDevicesCSVDefusesFormulaIDs(t *testing.T) {
	hostileServer(t, sim.HostileFormulas)
	code, out, errs := sqcCtx(t, 30*time.Second, "devices", "--csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV (%v):\n%s", err, out)
	}
	if len(rows) != 1+1+len(sim.FormulaIDs) {
		t.Fatalf("%d rows, want a header and %d devices:\n%s", len(rows), 1+len(sim.FormulaIDs), out)
	}
	ids := map[string]bool{}
	for _, r := range rows[1:] {
		ids[r[0]] = true
		for i, c := range r {
			if formulaCell(c) {
				t.Errorf("column %s holds the formula %q", rows[0][i], c)
			}
		}
	}
	for _, want := range []string{"'=-2+3", "'==1+2", "'=@SUM(1)", sim.HostileHosted} {
		if !ids[want] {
			t.Errorf("ID %q not exported as text; IDs %v", want, ids)
		}
	}
	if code, _, errs := sqcCtx(t, 0, "devices", "--csv", "--json"); code != 2 || !strings.Contains(errs, "not both") {
		t.Errorf("--csv --json: exit %d %s", code, errs)
	}
}
