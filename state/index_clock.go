package state

// clockHeap orders the devices by when their health next changes with
// the clock alone (stale after 30 min, offline after 24 h), so a tick
// re-places only the devices whose time came instead of re-sorting all.
type clockHeap []*indexed

func (h clockHeap) less(i, j int) bool { return h[i].due < h[j].due }

func (h clockHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].slot, h[j].slot = i, j
}

func (h clockHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h clockHeap) down(i int) bool {
	start := i
	for {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if r := c + 1; r < len(h) && h.less(r, c) {
			c = r
		}
		if !h.less(c, i) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}

// set puts e in the heap at its due time, moves it, or takes it out when
// it has none (due 0).
func (h *clockHeap) set(e *indexed) {
	switch {
	case e.slot < 0 && e.due == 0:
	case e.slot < 0:
		e.slot = len(*h)
		*h = append(*h, e)
		h.up(e.slot)
	case e.due == 0:
		h.remove(e)
	default:
		if !h.down(e.slot) {
			h.up(e.slot)
		}
	}
}

func (h *clockHeap) remove(e *indexed) {
	i, last := e.slot, len(*h)-1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = nil
	*h = (*h)[:last]
	if i != last {
		if !h.down(i) {
			h.up(i)
		}
	}
	e.slot = -1
}

// init orders the whole heap at once, O(N).
func (h clockHeap) init() {
	for i, e := range h {
		e.slot = i
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}
