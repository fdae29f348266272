package ui

import tea "charm.land/bubbletea/v2"

// scroller is the scroll state of a pane of lines: its offset and the
// movement keys over it.
type scroller struct {
	offset, height, total int
}

// move handles a movement key; false when the key is not one.
func (s *scroller) move(sh *common, msg tea.KeyPressMsg) bool {
	k := sh.keys
	switch {
	case matches(msg, k.Up):
		s.offset--
	case matches(msg, k.Down):
		s.offset++
	case matches(msg, k.PageUp):
		s.offset -= max(1, s.height-1)
	case matches(msg, k.PageDown):
		s.offset += max(1, s.height-1)
	case matches(msg, k.Top):
		s.offset = 0
	case matches(msg, k.Bottom):
		s.offset = s.total
	default:
		return false
	}
	s.clamp()
	return true
}

func (s *scroller) clamp() {
	s.offset = max(0, min(s.offset, s.total-s.height))
}

// window cuts the visible lines out of all of them.
func (s *scroller) window(lines []string) []string {
	s.total = len(lines)
	s.clamp()
	return lines[s.offset:min(len(lines), s.offset+s.height)]
}
