package pane

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sqc/ui/look"
)

// HelpPane lists every key of the console, generated from the keymap as
// the panes group it; it scrolls, and / narrows it to what matches.
type HelpPane struct {
	sh        *Shared
	w, h      int
	scroll    look.Scroller
	filter    string
	filtering bool
	Groups    func() []look.HelpGroup // every pane's groups and the console's, at the time
}

func NewHelpPane(sh *Shared) *HelpPane { return &HelpPane{sh: sh} }

func (p *HelpPane) SetSize(w, h int) { p.w, p.h = w, h }
func (p *HelpPane) Typing() bool     { return p.filtering }

func (p *HelpPane) Open() { p.filter, p.filtering, p.scroll.Offset = "", false, 0 }

func (p *HelpPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
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
		p.scroll.Offset = 0
		return true, nil
	}
	if s == "/" {
		p.filtering = true
		return true, nil
	}
	return p.scroll.Move(&p.sh.Common, msg), nil
}

func (p *HelpPane) Hints() []look.Hint {
	if p.filtering {
		return []look.Hint{{B: key.NewBinding(key.WithHelp("type", "search")), Prio: 5},
			{B: key.NewBinding(key.WithHelp("enter", "keep")), Prio: 9}, {B: key.NewBinding(key.WithHelp("esc", "clear")), Prio: 9}}
	}
	out := []look.Hint{{B: key.NewBinding(key.WithHelp("/", "search keys")), Prio: 9}}
	switch sc := p.scroll; {
	case sc.Total <= sc.Height: // it all fits: nothing to scroll
	case sc.Offset >= sc.Total-sc.Height: // the last page: only up is anywhere
		out = append(out, look.KeyHint(p.sh.Keys.Up, 7), look.KeyHint(p.sh.Keys.PageUp, 6))
	default:
		out = append(out, look.KeyHint(p.sh.Keys.Down, 7), look.KeyHint(p.sh.Keys.PageDown, 6))
	}
	return out
}

func (p *HelpPane) HelpGroups() []look.HelpGroup { return nil }
func (p *HelpPane) Update(tea.Msg) tea.Cmd       { return nil }

// lines is the help's content, narrowed by the search.
func (p *HelpPane) lines(w int) []string {
	st := p.sh.St
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
	groups := p.Groups()
	keyW := 8 // the widest key shown ("pgup/ctrl+u"), so that every description starts in one column
	for _, g := range groups {
		for _, k := range g.Keys {
			if hl := k.Help(); p.matches(g.Title, hl.Key, hl.Desc) {
				keyW = max(keyW, min(14, look.CellWidth(hl.Key)))
			}
		}
	}
	for _, g := range groups {
		var lines []string
		for _, k := range g.Keys {
			hl := k.Help()
			if seen[g.Title+hl.Key] || !p.matches(g.Title, hl.Key, hl.Desc) {
				continue
			}
			seen[g.Title+hl.Key] = true
			lines = append(lines, look.Fit("  "+st.Key.Render(look.Pad(hl.Key, keyW))+" "+hl.Desc, w))
		}
		if len(lines) == 0 {
			continue
		}
		shown += len(lines)
		out = append(out, "", st.Header.Render(g.Title))
		out = append(out, lines...)
	}
	if shown == 0 {
		out = append(out, "", "no key matches "+look.Clean(p.filter))
	}
	if f == "" {
		for _, l := range []string{"",
			st.Header.Render("filter language"),
			"  words are AND-ed over ID, name, group, model;",
			"  field:value for id name group model plan state fw;",
			"  !word negates:  pump group:north !state:ok",
			"",
			st.Header.Render("in tmux"),
			"  set -sg escape-time 10     esc is slow otherwise;",
			"                             q, h or ← go back too",
			"  set -g set-clipboard on    so y reaches the clipboard",
		} {
			out = append(out, look.Fit(l, w))
		}
	}
	return out
}

// matches reports a key the search leaves in.
func (p *HelpPane) matches(group, key, desc string) bool {
	f := strings.ToLower(p.filter)
	return f == "" || strings.Contains(strings.ToLower(key+" "+desc+" "+group), f)
}

func (p *HelpPane) View() string {
	inner := max(20, min(p.w-6, 72))
	p.scroll.Height = max(1, p.h-3) // border and title
	lines := p.scroll.Window(p.lines(inner))
	title := p.sh.St.Title.Render("Keys")
	if p.scroll.Total > p.scroll.Height {
		title += p.sh.St.Dim.Render(" · lines " + scrollPos(p.scroll))
	}
	body := title + "\n" + strings.Join(lines, "\n")
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.sh.St.BorderColor).Padding(0, 2).Width(inner + 6)
	return lipgloss.Place(p.w, p.h, lipgloss.Center, lipgloss.Top, box.Render(body))
}

// scrollPos says where a scrolled view is: "12-30 of 64".
func scrollPos(s look.Scroller) string {
	return look.Itoa(s.Offset+1) + "-" + look.Itoa(min(s.Total, s.Offset+s.Height)) + " of " + look.Itoa(s.Total)
}
