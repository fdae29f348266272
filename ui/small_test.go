package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// lastLine is the footer of a screen.
func lastLine(v string) string {
	lines := strings.Split(strings.TrimRight(v, "\n"), "\n")
	return strings.TrimRight(lines[len(lines)-1], " ")
}

func TestFooterAt80x24EndsWithHelpAndQuit(t *testing.T) {
	t.Parallel()
	h := start(t, setup{w: 80, h: 24})
	h.scr.waitText(t, "Devices 30")
	h.scr.waitFor(t, "a footer ending with help and quit", func(v string) bool {
		f := lastLine(v)
		return strings.HasSuffix(f, "? help  q quit") && strings.HasPrefix(f, "/ filter")
	})
	h.key("enter")
	h.scr.waitFor(t, "the readings' footer", func(v string) bool { return strings.HasSuffix(lastLine(v), "? help  q back") })
	h.quit(t)
}

func TestHelpScrollsToItsLastLineAt80x24(t *testing.T) {
	t.Parallel()
	h := start(t, setup{w: 80, h: 24})
	h.scr.waitText(t, "Devices 30")
	h.key("?")
	h.scr.waitText(t, "Keys · lines 1-")
	if strings.Contains(h.scr.String(), "so y reaches the clipboard") {
		t.Fatal("the whole help fits in 24 lines: this test proves nothing")
	}
	h.scr.waitFor(t, "the first page offering down", func(v string) bool {
		l := lastLine(v)
		return strings.Contains(l, "↓/j down") && !strings.Contains(l, "↑/k up")
	})
	h.key("G")
	h.scr.waitText(t, "so y reaches the clipboard")
	h.scr.waitFor(t, "the last page offering up, not down", func(v string) bool {
		l := lastLine(v)
		return strings.Contains(l, "↑/k up") && !strings.Contains(l, "↓/j down")
	})
	h.key("g")
	h.scr.waitText(t, "Keys · lines 1-")
	h.key("/")
	h.key("quota")
	h.scr.waitFor(t, "the search", func(v string) bool { return strings.Contains(v, "/quota") && !strings.Contains(v, "reverse sort") })
	h.quit(t)
}

func TestQFromTheReadingsGoesBack(t *testing.T) {
	t.Parallel()
	h := start(t, setup{w: 80, h: 24})
	h.scr.waitText(t, "Devices 30")
	h.key("enter")
	h.scr.waitText(t, "updated")
	h.key("q")
	h.scr.waitText(t, "Devices 30")
	h.key("s") // by ID: rows stay where they are as answers arrive
	h.key("g")
	h.key("j") // still running: keys still move the cursor
	h.scr.waitFor(t, "the cursor on the second row", func(v string) bool {
		return strings.HasPrefix(strings.Split(v, "\n")[4], "▶")
	})
	h.key("h") // back from the list does nothing, and quits nothing
	h.key("u")
	h.scr.waitText(t, "used today")
	h.key("esc")
	h.scr.waitText(t, "Devices 30")
	h.key("u") // one press, not two
	h.scr.waitText(t, "used today")
	h.key("q")
	h.scr.waitText(t, "Devices 30")
	final := h.quit(t)
	if final.Cursor() != 1 {
		t.Fatalf("cursor %d", final.Cursor())
	}
}

// In tmux a key typed soon after esc comes as alt+key: it is esc, then the key.
func TestAltKeyIsEscThenTheKey(t *testing.T) {
	t.Parallel()
	h := start(t, setup{w: 80, h: 24})
	h.scr.waitText(t, "Devices 30")
	h.key("u")
	h.scr.waitText(t, "used today")
	h.tm.Send(tea.KeyPressMsg{Code: '/', Mod: tea.ModAlt}) // as the decoder gives it: no text
	h.key("group:marine")
	h.scr.waitFor(t, "the filter typed, not a run of commands", func(v string) bool {
		return strings.Contains(v, "filter › group:marine") && !strings.Contains(v, "used today")
	})
	h.quit(t)
}

func TestASCIIWithoutAUTF8Locale(t *testing.T) {
	t.Parallel()
	if UTF8Locale(func(string) string { return "" }) || !UTF8Locale(env{"LANG": "en_AU.UTF-8"}.get) ||
		UTF8Locale(env{"LC_ALL": "C", "LANG": "en_AU.UTF-8"}.get) || !UTF8Locale(env{"LC_CTYPE": "C.utf8"}.get) {
		t.Fatal("locale detection is wrong")
	}
	h := start(t, setup{cfg: func(c *Config) { c.ASCII = true }})
	h.scr.waitText(t, "Devices 30")
	h.key("enter")
	h.scr.waitText(t, "updated")
	v := h.scr.String()
	for _, r := range v {
		if r > 0x7e && r != '\u00a0' {
			if strings.ContainsRune("·●▶▲│…", r) {
				t.Fatalf("%q on an ASCII screen:\n%s", r, v)
			}
		}
	}
	if !strings.Contains(v, "* online") || !strings.Contains(v, "|") || !strings.Contains(v, ">") {
		t.Fatalf("the ASCII symbols are missing:\n%s", v)
	}
	h.quit(t)
}

type env map[string]string

func (e env) get(k string) string { return e[k] }

// While a filter is typed its line says how many devices it shows, key by
// key, not only once it is kept with enter.
func TestFilterCountShowsWhileTyping(t *testing.T) {
	t.Parallel()
	h := start(t, setup{w: 80, h: 24})
	h.scr.waitText(t, "Devices 30")
	h.key("/")
	h.scr.waitFor(t, "the empty filter with every device", func(v string) bool {
		return strings.Contains(v, "filter ›") && strings.Contains(v, "30 of 30")
	})
	h.key("zzz")
	h.scr.waitFor(t, "no match, counted on the filter's line", func(v string) bool {
		for _, l := range strings.Split(v, "\n") {
			if strings.Contains(l, "filter › zzz") && strings.Contains(l, "0 of 30") {
				return true
			}
		}
		return false
	})
	h.quit(t)
}
