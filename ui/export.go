package ui

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/state"
)

var errEmptyExport = errors.New("give a file name ending in .csv or .json")

type exportedMsg struct {
	path string
	n    int
	err  error
}

// exportRow is one device as exported: what the list shows, plus the
// state and the time last seen.
type exportRow struct {
	DeviceID  string `json:"deviceid"`
	Name      string `json:"name"`
	GroupName string `json:"groupName"`
	Model     string `json:"model"`
	Plan      string `json:"plan"`
	Firmware  string `json:"firmware"`
	LastSeen  string `json:"lastSeen"`
	State     string `json:"state"`
}

// defaultExportPath names an export file in the working directory.
func defaultExportPath(now time.Time) string {
	return "sqc-devices-" + now.Format("20060102-150405") + ".csv"
}

// exportDevices writes the filtered list to a file: JSON when the name
// ends in .json, CSV otherwise. It runs as a command: files can be slow.
func exportDevices(path string, devices []*state.Device, now time.Time) tea.Cmd {
	rows := make([]exportRow, len(devices))
	for i, d := range devices {
		seen := ""
		if t := d.LastSeen(); !t.IsZero() {
			seen = t.UTC().Format(time.RFC3339)
		}
		rows[i] = exportRow{d.DeviceID, d.Name, d.GroupName, d.Model, d.Plan, d.Firmware, seen, d.Health(now).String()}
	}
	return func() tea.Msg {
		abs, err := filepath.Abs(path)
		if err == nil {
			err = writeExport(abs, rows)
		}
		return exportedMsg{path: abs, n: len(rows), err: err}
	}
}

func writeExport(path string, rows []exportRow) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists: choose another name", path)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		err = enc.Encode(rows)
	} else {
		w := csv.NewWriter(f)
		_ = w.Write([]string{"deviceid", "name", "groupName", "model", "plan", "firmware", "lastSeen", "state"})
		for _, r := range rows {
			_ = w.Write([]string{r.DeviceID, r.Name, r.GroupName, r.Model, r.Plan, r.Firmware, r.LastSeen, r.State})
		}
		w.Flush()
		err = w.Error()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + one + "s"
}

// exportDir is where exports go by default: $XDG_DATA_HOME/sqc/exports,
// or ~/.local/share/sqc/exports.
func exportDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "sqc", "exports")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "sqc", "exports")
	}
	return "."
}
