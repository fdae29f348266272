package state

import "sqc/api"

// CallLogSize is how many calls the log keeps.
const CallLogSize = 500

// CallLog keeps the latest API calls for the log pane.
type CallLog struct {
	calls []api.Call
	start int
}

// Add appends a call, dropping the oldest beyond CallLogSize.
func (l *CallLog) Add(c api.Call) {
	if len(l.calls) < CallLogSize {
		l.calls = append(l.calls, c)
		return
	}
	l.calls[l.start] = c
	l.start = (l.start + 1) % CallLogSize
}

// Len is the number of calls held.
func (l *CallLog) Len() int { return len(l.calls) }

// At returns the i-th newest call (0 is the newest).
func (l *CallLog) At(i int) api.Call {
	n := len(l.calls)
	return l.calls[(l.start+n-1-i+n)%n]
}
