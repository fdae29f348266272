package cli

import (
	"io"
	"strings"
	"testing"
)

// A wrong number of arguments is exit 2, one line on stderr saying what
// the command takes, nothing on stdout, and no request to the server.
func TestWrongArgumentCountIsOneUsageLine(t *testing.T) {
	s, _ := setup(t)
	csv := "new-boxes.csv"
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"data"}, "data takes one device ID: sqc data DEVICEID [--json] [--limit N]"},
		{[]string{"data", "ABCDEFGH1", "ABCDEFGH2", "--json"}, "data takes one device ID: sqc data DEVICEID [--json] [--limit N]"},
		{[]string{"config", "get"}, "config get takes one device ID: sqc config get DEVICEID [--json]"},
		{[]string{"config", "set", "ABCDEFGH1"}, "config set takes device IDs and settings: sqc config set IDS KEY=VALUE... (IDS: ID,ID,... or - for stdin)"},
		{[]string{"mqtt", "set", "--server", "mq.example.com:8883", "--client-id", "p3"}, "mqtt set takes one device ID: sqc mqtt set DEVICEID --server HOST:PORT --client-id X [--ca internal|file]"},
		{[]string{"files", "load", "ABCDEFGH1"}, "files load takes a device ID and its files: sqc files load DEVICEID FILE... [--as NAME]"},
		{[]string{"device", "add"}, "device add takes one device ID: sqc device add DEVICEID [--group NAME | --group-id ID] [--setup-password-stdin], or --from FILE.csv"},
		{[]string{"device", "add", "ABCDEFGH1", "ABCDEFGH2", "--yes"}, "device add takes one device ID: sqc device add DEVICEID [--group NAME | --group-id ID] [--setup-password-stdin], or --from FILE.csv"},
		{[]string{"device", "add", "ABCDEFGH1", "--from", csv}, "device add takes a device ID or --from FILE.csv, not both"},
		{[]string{"device", "add", "ABCDEFGH1", "ABCDEFGH2", "--from", csv}, "device add takes a device ID or --from FILE.csv, not both"},
		{[]string{"routes", "import"}, "usage: sqc routes import FILE (the collection exported from Postman as v2.1)"},
		{[]string{"routes", "import", "a.json", "b.json"}, "usage: sqc routes import FILE (the collection exported from Postman as v2.1)"},
		{[]string{"routes", "frob"}, `unknown routes command "frob": use sqc routes, sqc routes import FILE or sqc routes reset`},
		{[]string{"routes", "reset", "now"}, `routes reset takes no arguments, got "now"`},
		{[]string{"devices", "ABCDEFGH1"}, `devices takes no arguments, got "ABCDEFGH1"`},
		{[]string{"sim", "--seed", "3", "fast"}, `sim takes no arguments, got "fast"`},
		{[]string{"auth", "status", "--no-verify", "acme"}, `auth status takes no arguments, got "acme"`},
		{[]string{"auth", "login", "key"}, `auth login takes no arguments, got "key"`},
		{[]string{"profiles", "acme"}, `profiles takes no arguments, got "acme"`},
	} {
		before := len(s.Requests())
		code, out, errs := sqc(t, tc.args...)
		if want := "sqc: " + tc.say + "\n"; code != 2 || errs != want || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out, errs, want)
		}
		if n := len(s.Requests()) - before; n != 0 {
			t.Errorf("%v: %d requests reached the server", tc.args, n)
		}
	}
}

// Each row's count agrees with the arguments its help shows: none when
// it shows none, at most as many words as it shows, no bound after a
// "...", and a wrong count answered with the usage line help shows.
func TestArgumentCountsMatchTheUsage(t *testing.T) {
	c := newCLI(strings.NewReader(""), io.Discard, io.Discard)
	for _, row := range commands {
		if row.run == nil || row.path == "" {
			continue // a group answers with its subcommands, the console with rootArgs
		}
		a, words := row.argc, strings.Fields(row.args)
		if a.instead != "" {
			if cc, _, err := c.root.Find(strings.Fields(row.path)); err != nil || cc.Flags().Lookup(a.instead) == nil {
				t.Errorf("%s: --%s stands for its arguments but is not one of its flags", row.path, a.instead)
			}
		}
		if len(words) == 0 {
			if a != (argCount{}) {
				t.Errorf("%s shows no arguments but takes %d to %d", row.path, a.min, a.max)
			}
			continue
		}
		variadic := strings.HasSuffix(row.args, "...")
		switch {
		case variadic && a.max >= 0:
			t.Errorf("%s shows %q but takes at most %d", row.path, row.args, a.max)
		case !variadic && a.max != len(words):
			t.Errorf("%s shows %q but takes at most %d", row.path, row.args, a.max)
		case a.min > len(words):
			t.Errorf("%s shows %q but wants at least %d", row.path, row.args, a.min)
		case !strings.Contains(a.usage, "sqc "+row.path+" "+row.args):
			t.Errorf("%s: a wrong count is told %q, which does not show sqc %s %s", row.path, a.usage, row.path, row.args)
		}
	}
}
