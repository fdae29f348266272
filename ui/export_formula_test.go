package ui

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"sqc/api/sim"
)

// A server whose device IDs, names and groups are spreadsheet formulas:
// the console's export holds every cell as text, the IDs too.
func TestExportDefusesFormulaIDs(t *testing.T) {
	t.Chdir(t.TempDir())
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	tm, scr := hostileConsole(t, sim.HostileFormulas)
	scr.waitText(t, "Devices 10")
	tm.Send(tea.KeyPressMsg{Code: 'e', Text: "e"})
	scr.waitText(t, "export to ›")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	scr.waitText(t, "exported 10 devices to ")
	files, _ := filepath.Glob(filepath.Join(data, "sqc", "exports", "sqc-devices-*.csv"))
	if len(files) != 1 {
		t.Fatalf("export files %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(rows) != 11 {
		t.Fatalf("%d rows (%v):\n%s", len(rows), err, b)
	}
	ids := map[string]bool{}
	for _, r := range rows[1:] {
		ids[r[0]] = true
		for i, c := range r {
			if liveFormula(c) {
				t.Errorf("column %s holds the formula %q", rows[0][i], c)
			}
		}
	}
	for _, want := range []string{"'=-2+3", "'==1+2", "'=@SUM(1)", sim.HostileHosted} {
		if !ids[want] {
			t.Errorf("ID %q not exported as text; IDs %v", want, ids)
		}
	}
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

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
