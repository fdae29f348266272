package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"sqc/api"
	"sqc/state"
)

// The columns of sqc device add --from, named by a header row.
var csvColumns = []string{"deviceid", "group", "setup_password"}

// maxCSVBytes bounds the file: 100,000 rows of ID, group and password.
const maxCSVBytes = 32 << 20

// csvRow is one device of the file, or why its row is refused.
type csvRow struct {
	line int
	w    state.Write
	bad  error
}

// readDeviceCSV reads the rows of a device file. A file that cannot be
// read or whose header lacks a column is an error: nothing is sent. A
// bad row is kept with its reason, and the rest go on.
func readDeviceCSV(path string, group api.AddUserRequest) ([]csvRow, error) {
	f, err := api.OpenUserFile(path, maxCSVBytes)
	if tb := (*api.FileTooBigError)(nil); errors.As(err, &tb) {
		return nil, fmt.Errorf("%s is longer than %d devices or %d MB: split it", path, maxIDs, maxCSVBytes>>20)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s is empty: the first line names the columns %s", path, strings.Join(csvColumns, ","))
		}
		return nil, fmt.Errorf("%s line 1: %v", path, csvErr(err))
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !isColumn(h) {
			return nil, fmt.Errorf("%s line 1: unknown column %q: the columns are %s", path, cell(h, 32, "…"), strings.Join(csvColumns, ","))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("%s line 1: column %s is named twice", path, h)
		}
		col[h] = i
	}
	for _, c := range csvColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s line 1: no %s column: the first line names the columns %s", path, c, strings.Join(csvColumns, ","))
		}
	}
	var rows []csvRow
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rows = append(rows, csvRow{line: pe.StartLine, bad: csvErr(err)})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		if off := r.InputOffset(); off > maxCSVBytes || len(rows) >= maxIDs {
			return nil, fmt.Errorf("%s is longer than %d devices or %d MB: split it", path, maxIDs, maxCSVBytes>>20)
		}
		line, _ := r.FieldPos(0)
		row := csvRow{line: line}
		row.w, row.bad = deviceRow(rec, col, len(header), group)
		if row.bad == nil {
			id := row.w.Device.DeviceID
			if first, dup := seen[id]; dup {
				row.bad = fmt.Errorf("%s is on line %d already", id, first)
			} else {
				seen[id] = line
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s has a header and no devices", path)
	}
	return rows, nil
}

func isColumn(h string) bool {
	for _, c := range csvColumns {
		if h == c {
			return true
		}
	}
	return false
}

// csvErr is a parse error without the line the caller already names.
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// deviceRow turns a row into the add it asks for; an empty group takes
// the one of --group or --group-id.
func deviceRow(rec []string, col map[string]int, width int, group api.AddUserRequest) (state.Write, error) {
	if len(rec) != width {
		return state.Write{}, fmt.Errorf("%s, the header names %d", api.Plural(len(rec), "field"), width)
	}
	id, err := api.NormaliseDeviceID(rec[col["deviceid"]])
	if err != nil {
		return state.Write{}, err
	}
	req := group
	if g := strings.TrimSpace(rec[col["group"]]); g != "" {
		name, err := checkGroupName(g)
		if err != nil {
			return state.Write{}, err
		}
		req = api.AddUserRequest{GroupName: name}
	}
	req.SetupPassword = strings.TrimSpace(rec[col["setup_password"]])
	return state.Write{Op: api.OpAddUser, Device: api.Device{DeviceID: id}, User: req}, nil
}

// addFromCSV adds each good row's device, one request each, after one
// confirm (yes answers it); a bad row is reported by its line and the
// rest go on.
func addFromCSV(ctx context.Context, e *env, path string, yes bool, group api.AddUserRequest) error {
	s, err := openWriteSession(e, yes, api.OpAddUser)
	if err != nil {
		return err
	}
	defer s.close()
	rows, err := readDeviceCSV(path, group)
	if err != nil {
		return err
	}
	n := 0
	for i := range rows {
		row := &rows[i]
		if row.bad != nil {
			fmt.Fprintf(e.stdout, "line %d  bad row: %s\n", row.line, api.Clean(row.bad.Error()))
			continue
		}
		lines, err := s.confirmation(row.w)
		if err != nil {
			row.bad = err
			fmt.Fprintf(e.stdout, "line %d  %s  skipped: %s\n", row.line, row.w.Device.DeviceID, api.Clean(err.Error()))
			continue
		}
		n++
		fmt.Fprintf(e.stdout, "line %d  add %s\n", row.line, row.w.Device.DeviceID)
		showLines(e, lines)
	}
	if n == 0 {
		return fmt.Errorf("no row of %s can be sent: nothing was sent", path)
	}
	if err := s.confirm(ctx, fmt.Sprintf("Add %s to the account?", api.Plural(n, "device"))); err != nil {
		return err
	}
	failed := 0
	for i := range rows {
		row := &rows[i]
		id := row.w.Device.DeviceID
		switch {
		case row.bad != nil:
			failed++
			fmt.Fprintf(e.stdout, "line %d  not sent: %s\n", row.line, api.Clean(row.bad.Error()))
			continue
		case ctx.Err() != nil:
			failed++
			fmt.Fprintf(e.stdout, "line %d  %s  not sent: stopped\n", row.line, id)
			continue
		}
		res, err := s.send(ctx, row.w)
		outcome := state.Outcome(res, err)
		switch {
		case err == nil:
			outcome = "added (" + outcome + ")"
		case api.IsPasswordRequired(err) && row.w.User.SetupPassword == "":
			outcome = "failed: Password Required: it is registered elsewhere; put its setup password in the setup_password column"
		case api.IsPasswordRequired(err) || api.StatusOf(err) == 403 && row.w.User.SetupPassword != "":
			outcome = "failed: the setup password was refused (" + err.Error() + ")"
		}
		if err != nil {
			failed++
		}
		fmt.Fprintf(e.stdout, "line %d  %s  %s\n", row.line, id, api.Clean(outcome))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s failed", failed, api.Plural(len(rows), "row"))
	}
	return nil
}
