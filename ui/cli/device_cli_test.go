package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sqc/api"
	"sqc/api/sim"
)

// claimable is a device not in the account yet, with or without a
// setup password.
func claimable(t *testing.T, s *sim.Server, withPassword bool) (string, string) {
	t.Helper()
	for id, pw := range s.Claimable() {
		if (pw != "") == withPassword {
			return id, pw
		}
	}
	t.Fatalf("no claimable device (password %v)", withPassword)
	return "", ""
}

func inAccount(s *sim.Server, id string) (api.Device, bool) {
	for _, d := range s.Devices() {
		if d.DeviceID == id {
			return d, true
		}
	}
	return api.Device{}, false
}

func addBodies(s *sim.Server) []map[string]string {
	var out []map[string]string
	for _, r := range writes(s) {
		if r.Op == api.OpAddUser {
			var m map[string]string
			json.Unmarshal(r.Body, &m)
			out = append(out, m)
		}
	}
	return out
}

func TestDeviceAddWithoutPassword(t *testing.T) {
	s := writeSetup(t)
	id, _ := claimable(t, s, false)
	code, out, errs := sqc(t, "device", "add", strings.ToLower(id), "--group", "Depot Gensets", "--yes")
	if code != 0 || !strings.Contains(out, id+"  added to the account") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	if b := addBodies(s); len(b) != 1 || b[0]["groupName"] != "Depot Gensets" || b[0]["setupPassword"] != "" {
		t.Fatalf("sent %v", b)
	}
	if d, ok := inAccount(s, id); !ok || d.GroupName != "Depot Gensets" {
		t.Fatalf("not in the account, or in the wrong group: %+v", d)
	}
	if a := auditLog(t); !strings.Contains(a, "device="+id) || !strings.Contains(a, "status=200") {
		t.Errorf("audit log:\n%s", a)
	}
}

// Password Required: without the flag, exit 1 naming it; with it, the
// password comes from stdin and the add is sent once more with it. The
// password is never shown or logged.
func TestDeviceAddWithSetupPassword(t *testing.T) {
	s := writeSetup(t)
	id, pw := claimable(t, s, true)
	code, _, errs := sqc(t, "device", "add", id, "--group-id", "G200", "--yes")
	if code != 1 || !strings.Contains(errs, "--setup-password-stdin") {
		t.Fatalf("without the flag: exit %d, stderr %q", code, errs)
	}
	if b := addBodies(s); len(b) != 1 {
		t.Fatalf("without the flag: %d adds sent, want 1", len(b))
	}
	code, out, errs := sqcIn(t, pw+"\n", "device", "add", id, "--group-id", "G200", "--setup-password-stdin", "--yes")
	if code != 0 || !strings.Contains(out, "added to the account") || !strings.Contains(out, "Password Required: sending once more") {
		t.Fatalf("with the password: exit %d:\n%s%s", code, out, errs)
	}
	b := addBodies(s)
	if len(b) != 3 || b[1]["setupPassword"] != "" || b[2]["setupPassword"] != pw || b[2]["groupid"] != "G200" {
		t.Fatalf("sent %v: want the add, then once more with the password", b)
	}
	if d, ok := inAccount(s, id); !ok || d.GroupID != "G200" {
		t.Fatalf("not added to G200: %+v", d)
	}
	if strings.Contains(out+errs+auditLog(t), pw) {
		t.Fatal("the setup password was shown or logged")
	}
}

func TestDeviceAddWrongPassword(t *testing.T) {
	s := writeSetup(t)
	id, _ := claimable(t, s, true)
	code, out, errs := sqcIn(t, "WRONGPASS\n", "device", "add", id, "--setup-password-stdin", "--yes")
	if code != 1 || !strings.Contains(errs, "setup password was refused") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	if len(addBodies(s)) != 2 {
		t.Fatalf("%d adds, want the add and one more with the password", len(addBodies(s)))
	}
	if _, ok := inAccount(s, id); ok {
		t.Fatal("added with a wrong password")
	}
	code, _, errs = sqcIn(t, "", "device", "add", id, "--setup-password-stdin", "--yes")
	if code != 1 || !strings.Contains(errs, "none came on stdin") || len(addBodies(s)) != 3 {
		t.Fatalf("no password on stdin: exit %d, stderr %q, %d adds", code, errs, len(addBodies(s)))
	}
}

// A device file: each good row is added, a bad row is reported by its
// line and the rest go on; exit 1 when any row failed.
func TestDeviceAddFromCSV(t *testing.T) {
	s := writeSetup(t)
	var free []string
	var locked, pw string
	for id, p := range s.Claimable() {
		if p == "" {
			free = append(free, id)
		} else {
			locked, pw = id, p
		}
	}
	csv := "DeviceID, Group, setup_password\n" +
		free[0] + ",Marine,\n" + // 2: added
		"JDA54!19F,Marine,\n" + // 3: bad ID
		locked + ",," + pw + "\n" + // 4: added with its password
		free[1] + ",Marine\n" + // 5: a column missing
		strings.ToLower(free[0]) + ",,\n" + // 6: line 2 again
		"AB\"CDEFGH,Marine,\n" // 7: not CSV
	path := filepath.Join(t.TempDir(), "boxes.csv")
	os.WriteFile(path, []byte(csv), 0o600)
	code, out, errs := sqc(t, "device", "add", "--from", path, "--group", "Irrigation", "--yes")
	if code != 1 || !strings.Contains(errs, "4 of 6 rows failed") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"line 2  " + free[0] + "  added",
		"line 3  not sent: device ID",
		"line 4  " + locked + "  added",
		"line 5  not sent: 2 fields, the header names 3",
		"line 6  not sent: " + free[0] + " is on line 2 already",
		`line 7  not sent: bare " in non-quoted-field`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b := addBodies(s)
	if len(b) != 2 || b[0]["groupName"] != "Marine" || b[1]["groupName"] != "Irrigation" || b[1]["setupPassword"] != pw {
		t.Fatalf("sent %v", b)
	}
	if _, ok := inAccount(s, free[1]); ok {
		t.Fatal("the row with a missing column was sent")
	}

	os.WriteFile(path, []byte("deviceid,group\n"+free[1]+",Marine\n"), 0o600)
	code, _, errs = sqc(t, "device", "add", "--from", path, "--yes")
	if code != 1 || !strings.Contains(errs, "line 1: no setup_password column") || len(addBodies(s)) != 2 {
		t.Fatalf("header without a column: exit %d, stderr %q", code, errs)
	}
}

func TestDeviceAddUsage(t *testing.T) {
	s := writeSetup(t)
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"device", "add"}, "one device ID"},
		{[]string{"device", "add", "SHORT"}, "9 letters"},
		{[]string{"device", "add", "ABCDEFGH1", "--group", "a", "--group-id", "G1"}, "not both"},
		{[]string{"device", "add", "ABCDEFGH1", "--group-id", "G 1"}, "--group-id"},
		{[]string{"device", "add", "ABCDEFGH1", "--from", "x.csv"}, "not both"},
		{[]string{"device"}, "add"},
	} {
		code, _, errs := sqc(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.say) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errs)
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("usage errors sent %d requests", n)
	}
}
