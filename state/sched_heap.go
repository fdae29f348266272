package state

import "time"

// entry is what the scheduler knows of one readable device.
type entry struct {
	id       string
	due      time.Time // its next background read
	idx      int       // its place in the heap
	last     time.Time // its last answer, success or its own failure
	answered bool      // answered at least once this session (the first pass)
	quiet    bool      // not heard from lately: nothing new to read
	inflight bool
	gen      int // the device list it was last in

	hold    time.Time // its own failure holds it until then
	holdWhy string
	holdN   int  // its failures in a row, for the growing interval
	monthly bool // held by its monthly limit: not even the user can read it
}

func (e *entry) held(now time.Time) bool { return now.Before(e.hold) }

// dueHeap orders the readable devices by when their background read is
// due, so the next one is found in O(1) and an answer moves its device in
// O(log N), whatever the fleet's size.
type dueHeap []*entry

func (h dueHeap) less(i, j int) bool { return h[i].due.Before(h[j].due) }

func (h dueHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}

func (h dueHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h dueHeap) down(i int) bool {
	start := i
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		c := l
		if r := l + 1; r < len(h) && h.less(r, l) {
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

func (h *dueHeap) push(e *entry) {
	e.idx = len(*h)
	*h = append(*h, e)
	h.up(e.idx)
}

func (h *dueHeap) remove(e *entry) {
	i, n := e.idx, len(*h)-1
	if i != n {
		h.swap(i, n)
	}
	(*h)[n] = nil
	*h = (*h)[:n]
	e.idx = -1
	if i != n && !h.down(i) {
		h.up(i)
	}
}

// reschedule moves a device to its new due time.
func (h dueHeap) reschedule(e *entry, due time.Time) {
	e.due = due
	if e.idx < 0 {
		return
	}
	if !h.down(e.idx) {
		h.up(e.idx)
	}
}

func (h dueHeap) top() *entry {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}
