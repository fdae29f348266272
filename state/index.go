package state

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Index is the device list as the list pane shows it: every device in the
// sort order, and the ones that pass the filter. Changing the sort or the
// filter is a user's action and costs O(N log N) or O(N); an answer moves
// one device (Update) and a clock tick the few whose health just changed
// (Tick), each in O(log N). Ties go by ID, so the order is total and the
// same device keeps its place between refreshes.
//
// The Index belongs to the UI goroutine, like the Fleet it reads.
type Index struct {
	col    Column
	desc   bool
	filter *Filter
	byID   map[string]*indexed
	all    orderList // every device
	shown  orderList // those that pass the filter
	clock  clockHeap
	inBuf  []*indexed // scratch of a refilter, kept for the next keystroke
}

// indexed is one device in the index, with the sort key it was placed by:
// the key must not change while the entry sits in a list.
type indexed struct {
	d    *Device
	id   string
	num  int64
	text string
	// search is the device's search text, from one block of all of them
	// laid out in the list's order at the last sort
	search string
	due    int64 // Unix ns when its health next changes by the clock; 0 never
	slot   int   // in the clock heap; -1 when not there
	in     bool  // passes the filter
}

// NewIndex makes an empty index sorted by col.
func NewIndex(col Column, desc bool) *Index {
	x := &Index{col: col, desc: desc, byID: map[string]*indexed{}}
	x.all.cmp, x.shown.cmp = x.compare, x.compare
	return x
}

func (x *Index) compare(a, b *indexed) int {
	c := cmp.Compare(a.num, b.num)
	if c == 0 && a.text != b.text {
		c = natural(a.text, b.text)
	}
	if c == 0 {
		c = strings.Compare(a.id, b.id)
	}
	if x.desc {
		return -c
	}
	return c
}

// place computes e's sort key and next health change at now.
func (x *Index) place(e *indexed, now time.Time) {
	e.num, e.text = sortKey(e.d, x.col, now)
	e.due = 0
	if t := e.d.nextChange(now); !t.IsZero() {
		e.due = t.UnixNano()
	}
}

// Reset indexes a new device list (after Fleet.SetDevices), keeping the
// sort and the filter: O(N log N).
func (x *Index) Reset(devices []*Device, now time.Time) {
	x.byID = make(map[string]*indexed, len(devices))
	for _, d := range devices {
		if x.byID[d.DeviceID] == nil {
			x.byID[d.DeviceID] = &indexed{d: d, id: d.DeviceID, slot: -1}
		}
	}
	x.resort(now)
}

// SetSort orders by another column or direction: O(N log N).
func (x *Index) SetSort(col Column, desc bool, now time.Time) {
	x.col, x.desc = col, desc
	x.resort(now)
}

func (x *Index) resort(now time.Time) {
	es := make([]*indexed, 0, len(x.byID))
	for _, e := range x.byID {
		x.place(e, now)
		es = append(es, e)
	}
	slices.SortFunc(es, x.compare)
	x.layOut(es)
	x.clock = x.clock[:0]
	for _, e := range es {
		e.slot = -1
		if e.due != 0 {
			x.clock = append(x.clock, e)
		}
	}
	x.clock.init()
	x.all.build(es)
	x.refilter(now)
}

// layOut moves the entries, and a copy of the devices' search texts, into
// one block each, in the list's order: a filter reads them one after the
// other instead of from a hundred thousand places on the heap (at 50,000
// devices a keystroke that widened the filter took 15 ms, most of it
// waiting on memory). Answers move a few entries out of order; the next
// sort lays them out again.
func (x *Index) layOut(es []*indexed) {
	n := 0
	for _, e := range es {
		n += len(e.d.search)
	}
	var b strings.Builder
	b.Grow(n)
	for _, e := range es {
		b.WriteString(e.d.search)
	}
	text, at := b.String(), 0
	block := make([]indexed, len(es))
	for i, e := range es {
		block[i] = *e
		e = &block[i]
		e.search = text[at : at+len(e.d.search)]
		at += len(e.search)
		es[i], x.byID[e.id] = e, e
	}
}

// SetFilter shows only the devices that pass f (nil for all): O(N), or
// O(shown) when f only narrows the filter in use, as a filter does while
// it is typed.
func (x *Index) SetFilter(f *Filter, now time.Time) {
	old := x.filter
	x.filter = f
	if f.Narrows(old) {
		x.narrow(now)
		return
	}
	x.refilter(now)
}

func (x *Index) refilter(now time.Time) { x.keep(&x.all, now) }

// narrow drops from the shown devices those the filter no longer passes:
// a device it did not show before it cannot show now.
func (x *Index) narrow(now time.Time) { x.keep(&x.shown, now) }

// keep shows the devices of from that the filter passes, in from's order.
func (x *Index) keep(from *orderList, now time.Time) {
	in := x.inBuf[:0]
	for _, c := range from.chunks {
		for _, e := range c {
			e.in = x.filter.match(e.d, e.search, now)
			if e.in {
				in = append(in, e)
			}
		}
	}
	x.shown.build(in)
	x.inBuf = clearTail(in)
}

// clearTail empties a scratch list, keeping its room but no device.
func clearTail(s []*indexed) []*indexed {
	clear(s)
	return s[:0]
}

// Update moves one device to its place after its data changed (an
// answer, an error, an entry from the cache): O(log N). A device the
// index does not hold (listed after the last Reset) is ignored.
func (x *Index) Update(d *Device, now time.Time) {
	e := x.byID[d.DeviceID]
	if e == nil || e.d != d {
		return
	}
	x.replace(e, now)
}

// Tick re-places the devices whose health changed with the clock since
// the last tick (turned stale or offline); call it once a second. It
// returns how many moved: the view need not be redrawn when none did.
func (x *Index) Tick(now time.Time) int {
	n, ns := 0, now.UnixNano()
	for len(x.clock) > 0 && x.clock[0].due < ns {
		x.replace(x.clock[0], now)
		n++
	}
	return n
}

func (x *Index) replace(e *indexed, now time.Time) {
	if e.search != e.d.search {
		e.search = e.d.search // renamed since the last sort
	}
	num, text := e.num, e.text
	x.place(e, now)
	nextNum, nextText := e.num, e.text
	in := x.filter.match(e.d, e.search, now)
	if nextNum != num || nextText != text {
		// Take it out by the key it was placed with, put it back by the new.
		e.num, e.text = num, text
		x.all.remove(e)
		if e.in {
			x.shown.remove(e)
		}
		e.num, e.text, e.in = nextNum, nextText, false
		x.all.insert(e)
	}
	switch {
	case in && !e.in:
		x.shown.insert(e)
	case !in && e.in:
		x.shown.remove(e)
	}
	e.in = in
	x.clock.set(e)
}

// Sort is the column and direction in use.
func (x *Index) Sort() (Column, bool) { return x.col, x.desc }

// Filter is the filter in use (nil for none).
func (x *Index) Filter() *Filter { return x.filter }

// Len is how many devices pass the filter.
func (x *Index) Len() int { return x.shown.Len() }

// Total is how many devices the index holds.
func (x *Index) Total() int { return x.all.Len() }

// At is the i-th device shown, nil out of range.
func (x *Index) At(i int) *Device {
	if i < 0 || i >= x.shown.Len() {
		return nil
	}
	return x.shown.at(i).d
}

// Pos is a device's row among those shown, -1 when it is filtered out or
// unknown.
func (x *Index) Pos(id string) int {
	e := x.byID[id]
	if e == nil || !e.in {
		return -1
	}
	return x.shown.pos(e)
}

// Within reports whether a device is shown in rows i to j (exclusive):
// what Pos says, by two comparisons with the rows' ends instead of a
// search of the list. The screen asks it for every answer, to learn
// whether the answer changed anything it shows.
func (x *Index) Within(id string, i, j int) bool {
	e := x.byID[id]
	i, j = max(0, i), min(j, x.shown.Len())
	if e == nil || !e.in || i >= j {
		return false
	}
	return x.compare(x.shown.at(i), e) <= 0 && x.compare(e, x.shown.at(j-1)) <= 0
}

// Rows appends the devices shown in rows i to j (exclusive) to dst: the
// visible part of the list, O(log N + j - i).
func (x *Index) Rows(i, j int, dst []*Device) []*Device {
	return x.shown.appendRange(dst, i, j)
}
