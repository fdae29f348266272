package state

import (
	"container/heap"
	"time"
)

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
	holdN   int // its failures in a row, for the growing interval
	// holdServer: held for a 5xx, which may yet prove the whole server's.
	holdServer bool
	monthly    bool // held by its monthly limit: not even the user can read it

	seen     time.Time // its lastSeen in the latest list
	sentSeen time.Time // its lastSeen when its read out was sent
	covered  time.Time // the latest lastSeen its reads have covered
	newest   time.Time // its newest message read this session
	chase    bool      // the read out was sent because its lastSeen moved
	empty    uint8     // of the latest such reads, a bit set for each that brought nothing
	gaps     [3]time.Duration
	spacing  time.Duration // of its messages, as an answer showed them
	shown    time.Time     // when it came on screen; zero until stamped
	screen   int           // the screen gathering it was last in
	behindOf time.Time     // its message last found newer than its lastSeen
}

func (e *entry) held(now time.Time) bool { return now.Before(e.hold) }

// dueHeap orders the readable devices by when their background read is
// due, so the next one is found in O(1) and an answer moves its device in
// O(log N), whatever the fleet's size. It is a container/heap; each entry
// knows its place (idx, -1 when out) so it can be moved or taken out.
type dueHeap []*entry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *dueHeap) Push(x any) {
	e := x.(*entry)
	e.idx = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.idx = -1
	return e
}

func (h *dueHeap) push(e *entry) { heap.Push(h, e) }

func (h *dueHeap) remove(e *entry) {
	if e.idx >= 0 {
		heap.Remove(h, e.idx)
	}
}

// reschedule moves a device to its new due time.
func (h *dueHeap) reschedule(e *entry, due time.Time) {
	e.due = due
	if e.idx >= 0 {
		heap.Fix(h, e.idx)
	}
}

func (h dueHeap) top() *entry {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}
