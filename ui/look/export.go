package look

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
)

var ErrEmptyExport = errors.New("give a file name ending in .csv or .json")

type ExportedMsg struct {
	Typed string // the name as the user typed it, to ask again after a failure
	Path  string
	N     int
	Note  string // where the file went and why, when it is not plain
	Err   error
	// Again asks for a name again, the typed one kept, with why it failed
	Again func(typed, why string) tea.Cmd
}

// ExportFile writes what encode makes for the file a typed name means, as
// a new file, in a command: files can be slow.
func ExportFile(typed string, n int, encode func(path string) ([]byte, error), again func(typed, why string) tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		path, note := exportTarget(typed)
		b, err := encode(path)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(path), 0o700)
		}
		if err == nil {
			err = writeNew(path, b)
		}
		return ExportedMsg{Typed: typed, Path: path, N: n, Note: note, Err: err, Again: again}
	}
}

// exportRow is one device as exported: what the list shows, the time last
// seen, and why its state is what it is (the latest worst event).
type exportRow struct {
	DeviceID  string `json:"deviceid"`
	Name      string `json:"name"`
	GroupName string `json:"groupName"`
	Model     string `json:"model"`
	Plan      string `json:"plan"`
	Firmware  string `json:"firmware"`
	LastSeen  string `json:"lastSeen"`
	State     string `json:"state"`
	Reason    string `json:"reason"`
}

// DefaultExportPath names an export file in the exports folder, written
// the short way (~/...) so it fits the prompt.
func DefaultExportPath(now time.Time) string {
	return TildePath(filepath.Join(ExportDir(), "sqc-devices-"+now.Format("20060102-150405")+".csv"))
}

// ExportDir is where exports go by default: $XDG_DATA_HOME/sqc/exports,
// or ~/.local/share/sqc/exports.
func ExportDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "sqc", "exports")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "sqc", "exports")
	}
	return "."
}

func TildePath(p string) string {
	if home, err := os.UserHomeDir(); err == nil && home != "" && strings.HasPrefix(p, home+string(filepath.Separator)) {
		return "~" + p[len(home):]
	}
	return p
}

// exportTarget decides where a typed name goes: ~ is the home folder; a
// relative name goes to the current folder when it can be written there,
// else to the exports folder. The note says which, for the toast.
func exportTarget(typed string) (path, note string) {
	p := ExpandHome(strings.TrimSpace(typed))
	if filepath.IsAbs(p) {
		return p, ""
	}
	if cwd, err := os.Getwd(); err == nil && writableDir(cwd) {
		return filepath.Join(cwd, p), "in the current folder"
	}
	return filepath.Join(ExportDir(), p), "in the exports folder (the current one cannot be written)"
}

func writableDir(dir string) bool {
	f, err := os.CreateTemp(dir, ".sqc-probe-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// reason is the latest message's worst event, as the export says why a
// device is in alarm or warning.
func reason(d *state.Device) string {
	lv, ok := d.WorstLevel()
	if !ok {
		return ""
	}
	return fmt.Sprintf("lv%d %s %s", lv, api.LevelClass(lv), api.Clean(d.Reason()))
}

// ExportDevices writes devices to a file: JSON when the name ends in
// .json, CSV otherwise; again asks for a name again after a failure.
func ExportDevices(typed string, devices []*state.Device, now time.Time, again func(typed, why string) tea.Cmd) tea.Cmd {
	rows := make([]exportRow, len(devices))
	for i, d := range devices {
		seen := ""
		if t := d.LastSeen(); !t.IsZero() {
			seen = t.UTC().Format(time.RFC3339)
		}
		rows[i] = exportRow{d.DeviceID, d.Name, d.GroupName, d.Model, d.Plan, d.Firmware, seen, d.Health(now).String(), reason(d)}
	}
	encode := func(path string) ([]byte, error) { return encodeRows(path, rows) }
	return ExportFile(typed, len(rows), encode, again)
}

// writeNew writes a file that must not exist yet, private to the user.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: choose another name", path)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// encodeRows is the export of rows: JSON when the path ends in .json,
// CSV otherwise.
func encodeRows(path string, rows []exportRow) ([]byte, error) {
	var b bytes.Buffer
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		for i := range rows {
			r := &rows[i]
			for _, s := range []*string{&r.DeviceID, &r.Name, &r.GroupName, &r.Model, &r.Plan, &r.Firmware} {
				*s = api.Clean(*s)
			}
		}
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		err := enc.Encode(rows)
		return b.Bytes(), err
	}
	// Every cell, the ID and the times too, goes through the one writer
	// that defuses formulas: an ID is the server's string like any other.
	w := api.NewCSVWriter(&b)
	_ = w.Write("deviceid", "name", "groupName", "model", "plan", "firmware", "lastSeen", "state", "reason")
	for _, r := range rows {
		_ = w.Write(r.DeviceID, r.Name, r.GroupName, r.Model, r.Plan, r.Firmware, r.LastSeen, r.State, r.Reason)
	}
	err := w.Flush()
	return b.Bytes(), err
}

func Plural(n int, one string) string { return api.Plural(n, one) }

// ExpandHome reads ~/ as the home directory, as a shell would.
func ExpandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	return p
}
