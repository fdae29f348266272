package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The device CSV and the route collection are files a user names too: a
// FIFO under their name is refused at once (not waited on for ever) and a
// link is refused with its target, and nothing is sent or imported.
func TestUserNamedFilesRefuseFIFOsAndLinks(t *testing.T) {
	s := writeSetup(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "boxes.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "real.csv")
	os.WriteFile(real, []byte("deviceid,group,setup_password\nABCDEFGH1,Marine,\n"), 0o600)
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	colFIFO := filepath.Join(dir, "collection.json")
	if err := syscall.Mkfifo(colFIFO, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"device", "add", "--from", fifo, "--yes"}, "named pipe (FIFO)"},
		{[]string{"device", "add", "--from", link, "--yes"}, "symbolic link to " + real},
		{[]string{"routes", "import", colFIFO}, "named pipe (FIFO)"},
	} {
		code, out, errs := sqc(t, tc.args...)
		if code != 1 || !strings.Contains(errs, tc.say) {
			t.Errorf("%v: exit %d, want %q:\n%s%s", tc.args, code, tc.say, out, errs)
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests for refused files", n)
	}
}
