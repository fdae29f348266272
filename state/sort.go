package state

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Column is a sortable column of the device list.
type Column int

const (
	ColID Column = iota
	ColName
	ColGroup
	ColModel
	ColPlan
	ColSeen
	ColState
	numColumns
)

var columnNames = [...]string{"ID", "Name", "Group", "Model", "Plan", "Seen", "State"}

func (c Column) String() string { return columnNames[c] }

// Next is the column after c, wrapping around.
func (c Column) Next() Column { return (c + 1) % numColumns }

// Sort orders devices by a column at now; ties keep ID order so the list
// does not shuffle between refreshes. Each device's key is computed once,
// not once per comparison: a state takes the clock and the events to know.
// The list pane should hold an Index instead, which does not re-sort the
// fleet after every answer.
func Sort(devices []*Device, col Column, desc bool, now time.Time) {
	type keyed struct {
		d    *Device
		text string
		num  int64
	}
	ks := make([]keyed, len(devices))
	for i, d := range devices {
		k := keyed{d: d}
		k.num, k.text = sortKey(d, col, now)
		ks[i] = k
	}
	// IDs are unique, so the order is total and an unstable sort will do.
	slices.SortFunc(ks, func(a, b keyed) int {
		c := cmp.Compare(a.num, b.num)
		if c == 0 {
			c = natural(a.text, b.text)
		}
		if c == 0 {
			c = cmp.Compare(a.d.DeviceID, b.d.DeviceID)
		}
		if desc {
			return -c
		}
		return c
	})
	for i := range ks {
		devices[i] = ks[i].d
	}
}

// sortKey is what a device is ordered by in a column: a number, then a
// text in natural order.
func sortKey(d *Device, col Column, now time.Time) (num int64, text string) {
	switch col {
	case ColName:
		text = strings.ToLower(d.Name)
	case ColGroup:
		text = strings.ToLower(d.GroupName)
	case ColModel:
		text = d.Model
	case ColPlan:
		text = d.Plan
	case ColSeen: // most recently seen first when ascending
		if t := d.LastSeen(); !t.IsZero() {
			num = -t.UnixNano()
		}
	case ColState: // worst first when ascending
		num = -int64(rank(d, now))
	}
	return num, text
}

// rank is a device's place in the state order. A device whose plan allows
// no data reads will never be read, so not knowing its events puts it
// with the devices that are fine rather than at the top for ever.
func rank(d *Device, now time.Time) int {
	h := d.Health(now)
	if h == HealthUnknown && !d.CanReadData() {
		return severity(HealthOK)
	}
	return severity(h)
}

// severity ranks states for triage: alarms first, then warnings, then
// the devices not read yet (they may be either, and on screen they are
// read sooner), then offline and stale ones, then those that are fine.
func severity(h Health) int {
	switch h {
	case HealthAlarm:
		return 5
	case HealthWarning:
		return 4
	case HealthUnknown:
		return 3
	case HealthOffline:
		return 2
	case HealthStale:
		return 1
	}
	return 0
}

// natural compares strings with their runs of digits as numbers, so that
// "Genset 9" comes before "Genset 10".
func natural(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
