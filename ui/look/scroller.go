package look

import tea "charm.land/bubbletea/v2"

// Scroller is the scroll state of a pane of lines: its offset and the
// movement keys over it.
type Scroller struct {
	Offset, Height, Total int
}

// Move handles a movement key; false when the key is not one.
func (s *Scroller) Move(sh *Common, msg tea.KeyPressMsg) bool {
	k := sh.Keys
	switch {
	case Matches(msg, k.Up):
		s.Offset--
	case Matches(msg, k.Down):
		s.Offset++
	case Matches(msg, k.PageUp):
		s.Offset -= max(1, s.Height-1)
	case Matches(msg, k.PageDown):
		s.Offset += max(1, s.Height-1)
	case Matches(msg, k.Top):
		s.Offset = 0
	case Matches(msg, k.Bottom):
		s.Offset = s.Total
	default:
		return false
	}
	s.Clamp()
	return true
}

func (s *Scroller) Clamp() {
	s.Offset = max(0, min(s.Offset, s.Total-s.Height))
}

// Window cuts the visible lines out of all of them.
func (s *Scroller) Window(lines []string) []string {
	s.Total = len(lines)
	s.Clamp()
	return lines[s.Offset:min(len(lines), s.Offset+s.Height)]
}
