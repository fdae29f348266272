package state

import "container/heap"

// clockHeap orders the devices by when their health next changes with
// the clock alone (stale after 30 min, offline after 24 h), so a tick
// re-places only the devices whose time came instead of re-sorting all.
// It is a container/heap; each device knows its slot (-1 when out).
type clockHeap []*indexed

func (h clockHeap) Len() int           { return len(h) }
func (h clockHeap) Less(i, j int) bool { return h[i].due < h[j].due }
func (h clockHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].slot, h[j].slot = i, j
}
func (h *clockHeap) Push(x any) {
	e := x.(*indexed)
	e.slot = len(*h)
	*h = append(*h, e)
}
func (h *clockHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.slot = -1
	return e
}

// set puts e in the heap at its due time, moves it, or takes it out when
// it has none (due 0).
func (h *clockHeap) set(e *indexed) {
	switch {
	case e.slot < 0 && e.due == 0:
	case e.slot < 0:
		heap.Push(h, e)
	case e.due == 0:
		heap.Remove(h, e.slot)
	default:
		heap.Fix(h, e.slot)
	}
}

// init orders the whole heap at once, O(N).
func (h *clockHeap) init() {
	for i, e := range *h {
		e.slot = i
	}
	heap.Init(h)
}
