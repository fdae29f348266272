package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// helpPane lists every key of the console, generated from the keymap as
// the panes group it; it scrolls, and / narrows it to what matches.
type helpPane struct {
	sh        *shared
	w, h      int
	scroll    scroller
	filter    string
	filtering bool
	groups    func() []helpGroup // every pane's groups and the console's, at the time
}

func (p *helpPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *helpPane) typing() bool     { return p.filtering }

func (p *helpPane) open() { p.filter, p.filtering, p.scroll.offset = "", false, 0 }

func (p *helpPane) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	s := msg.String()
	if p.filtering {
		switch s {
		case "esc":
			p.filtering, p.filter = false, ""
		case "enter":
			p.filtering = false
		case "backspace":
			if r := []rune(p.filter); len(r) > 0 {
				p.filter = string(r[:len(r)-1])
			}
		default:
			p.filter += msg.Text
		}
		p.scroll.offset = 0
		return true, nil
	}
	if s == "/" {
		p.filtering = true
		return true, nil
	}
	return p.scroll.move(&p.sh.common, msg), nil
}

func (p *helpPane) hints() []hint {
	if p.filtering {
		return []hint{{b: key.NewBinding(key.WithHelp("type", "search")), prio: 5},
			{b: key.NewBinding(key.WithHelp("enter", "keep")), prio: 9}, {b: key.NewBinding(key.WithHelp("esc", "clear")), prio: 9}}
	}
	out := []hint{{b: key.NewBinding(key.WithHelp("/", "search keys")), prio: 9}}
	switch sc := p.scroll; {
	case sc.total <= sc.height: // it all fits: nothing to scroll
	case sc.offset >= sc.total-sc.height: // the last page: only up is anywhere
		out = append(out, h(p.sh.keys.Up, 7), h(p.sh.keys.PageUp, 6))
	default:
		out = append(out, h(p.sh.keys.Down, 7), h(p.sh.keys.PageDown, 6))
	}
	return out
}

func (p *helpPane) helpGroups() []helpGroup { return nil }
func (p *helpPane) update(tea.Msg) tea.Cmd  { return nil }

// lines is the help's content, narrowed by the search.
func (p *helpPane) lines(w int) []string {
	st := p.sh.st
	f := strings.ToLower(p.filter)
	var out []string
	if p.filtering || p.filter != "" {
		line := "/" + p.filter
		if p.filtering {
			line += "▏"
		}
		out = append(out, line)
	}
	shown := 0
	seen := map[string]bool{}
	groups := p.groups()
	keyW := 8 // the widest key shown ("pgup/ctrl+u"), so that every description starts in one column
	for _, g := range groups {
		for _, k := range g.keys {
			if hl := k.Help(); p.matches(g.title, hl.Key, hl.Desc) {
				keyW = max(keyW, min(14, cellWidth(hl.Key)))
			}
		}
	}
	for _, g := range groups {
		var lines []string
		for _, k := range g.keys {
			hl := k.Help()
			if seen[g.title+hl.Key] || !p.matches(g.title, hl.Key, hl.Desc) {
				continue
			}
			seen[g.title+hl.Key] = true
			lines = append(lines, fit("  "+st.key.Render(pad(hl.Key, keyW))+" "+hl.Desc, w))
		}
		if len(lines) == 0 {
			continue
		}
		shown += len(lines)
		out = append(out, "", st.header.Render(g.title))
		out = append(out, lines...)
	}
	if shown == 0 {
		out = append(out, "", "no key matches "+clean(p.filter))
	}
	if f == "" {
		for _, l := range []string{"",
			st.header.Render("filter language"),
			"  words are AND-ed over ID, name, group, model;",
			"  field:value for id name group model plan state fw;",
			"  !word negates:  pump group:north !state:ok",
			"",
			st.header.Render("in tmux"),
			"  set -sg escape-time 10     esc is slow otherwise;",
			"                             q, h or ← go back too",
			"  set -g set-clipboard on    so y reaches the clipboard",
		} {
			out = append(out, fit(l, w))
		}
	}
	return out
}

// matches reports a key the search leaves in.
func (p *helpPane) matches(group, key, desc string) bool {
	f := strings.ToLower(p.filter)
	return f == "" || strings.Contains(strings.ToLower(key+" "+desc+" "+group), f)
}

func (p *helpPane) view() string {
	inner := max(20, min(p.w-6, 72))
	p.scroll.height = max(1, p.h-3) // border and title
	lines := p.scroll.window(p.lines(inner))
	title := p.sh.st.title.Render("Keys")
	if p.scroll.total > p.scroll.height {
		title += p.sh.st.dim.Render(" · lines " + scrollPos(p.scroll))
	}
	body := title + "\n" + strings.Join(lines, "\n")
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.sh.st.borderColor).Padding(0, 2).Width(inner + 6)
	return lipgloss.Place(p.w, p.h, lipgloss.Center, lipgloss.Top, box.Render(body))
}

// scrollPos says where a scrolled view is: "12-30 of 64".
func scrollPos(s scroller) string {
	return itoa(s.offset+1) + "-" + itoa(min(s.total, s.offset+s.height)) + " of " + itoa(s.total)
}
