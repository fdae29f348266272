package cli

import (
	"strings"
	"testing"
)

// Help that is piped is laid out for 80 columns: no line is longer, none
// ends in spaces, and no word or flag is split across two lines.
func TestHelpPipedFits80Columns(t *testing.T) {
	setup(t)
	t.Setenv("COLUMNS", "")
	for _, args := range [][]string{{"--help"}, {"config", "set", "--help"}, {"help", "device", "add"}, {"completion", "--help"}} {
		code, out, errs := sqc(t, args...)
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errs)
		}
		for i, l := range strings.Split(out, "\n") {
			if w := len([]rune(l)); w > 80 {
				t.Errorf("%v: line %d is %d columns: %q", args, i+1, w, l)
			}
			if strings.TrimRight(l, " ") != l {
				t.Errorf("%v: line %d ends in spaces: %q", args, i+1, l)
			}
			if f := strings.Fields(l); len(f) > 0 && len(f[len(f)-1]) > 1 && strings.HasSuffix(f[len(f)-1], "-") {
				t.Errorf("%v: line %d splits a flag: %q", args, i+1, l)
			}
		}
		flat := strings.Join(strings.Fields(strings.ReplaceAll(out, " \\\n", " ")), " ") // an example goes on after \
		for _, word := range []string{"completion", "autocompletion"} {
			if args[0] == "--help" && !strings.Contains(out, word) {
				t.Errorf("%v: %q is not whole on a line:\n%s", args, word, out)
			}
		}
		if args[0] == "config" {
			for _, want := range []string{"--yes", "serial1.baud=19200", "from a script it sends only with --yes"} {
				if !strings.Contains(flat, want) {
					t.Errorf("%v: help lacks %q whole:\n%s", args, want, out)
				}
			}
		}
	}
}

// COLUMNS, when set, is the width help is laid out for.
func TestHelpFollowsCOLUMNS(t *testing.T) {
	setup(t)
	t.Setenv("COLUMNS", "60")
	_, out, _ := sqc(t, "config", "set", "--help")
	for i, l := range strings.Split(out, "\n") {
		if w := len([]rune(l)); w > 60 {
			t.Errorf("line %d is %d columns at COLUMNS=60: %q", i+1, w, l)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(out, " \\\n", " ")), " "), "serial1.mode=MODBUS serial1.baud=19200") {
		t.Errorf("the example is not whole:\n%s", out)
	}
}
