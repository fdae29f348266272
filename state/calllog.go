package state

import (
	"sync"

	"sqc/api"
)

// CallLogSize is how many calls the log keeps.
const CallLogSize = 500

// CallLog keeps the latest API calls for the log pane. One made by
// NewCallLog is safe for concurrent use: the API client adds calls from
// its own goroutines while the UI reads them to draw. Copies share the
// calls, so a Bubble Tea model may hold it by value. The zero value makes
// its store at the first Add, and until then belongs to one goroutine.
type CallLog struct{ r *callRing }

type callRing struct {
	mu    sync.Mutex
	calls []api.Call
	start int
}

// NewCallLog makes an empty log ready for concurrent use.
func NewCallLog() *CallLog { return &CallLog{r: &callRing{}} }

// Add appends a call, dropping the oldest beyond CallLogSize.
func (l *CallLog) Add(c api.Call) {
	if l.r == nil {
		l.r = &callRing{}
	}
	r := l.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) < CallLogSize {
		r.calls = append(r.calls, c)
		return
	}
	r.calls[r.start] = c
	r.start = (r.start + 1) % CallLogSize
}

// Len is the number of calls held.
func (l *CallLog) Len() int {
	if l.r == nil {
		return 0
	}
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	return len(l.r.calls)
}

// At returns the i-th newest call (0 is the newest), i < Len. Calls added
// between Len and At shift what i names; Latest reads a consistent page.
func (l *CallLog) At(i int) api.Call {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	return l.r.at(i)
}

func (r *callRing) at(i int) api.Call {
	n := len(r.calls)
	return r.calls[(r.start+n-1-i+n)%n]
}

// Latest appends to dst at most n calls, newest first, starting with the
// skip-th newest: one screen of the log pane, read at one moment.
func (l *CallLog) Latest(skip, n int, dst []api.Call) []api.Call {
	if l.r == nil {
		return dst
	}
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	for i := max(0, skip); i < len(l.r.calls) && n > 0; i, n = i+1, n-1 {
		dst = append(dst, l.r.at(i))
	}
	return dst
}
