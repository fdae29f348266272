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
// does not shuffle between refreshes.
func Sort(devices []*Device, col Column, desc bool, now time.Time) {
	key := func(d *Device) string {
		switch col {
		case ColName:
			return strings.ToLower(d.Name)
		case ColGroup:
			return strings.ToLower(d.GroupName)
		case ColModel:
			return d.Model
		case ColPlan:
			return d.Plan
		}
		return ""
	}
	slices.SortStableFunc(devices, func(a, b *Device) int {
		var c int
		switch col {
		case ColID:
			c = 0
		case ColSeen: // most recently seen first when ascending
			c = b.LastSeen().Compare(a.LastSeen())
		case ColState: // worst first when ascending
			c = cmp.Compare(severity(b.Health(now)), severity(a.Health(now)))
		default:
			c = natural(key(a), key(b))
		}
		if c == 0 {
			c = cmp.Compare(a.DeviceID, b.DeviceID)
		}
		if desc {
			return -c
		}
		return c
	})
}

// severity ranks states for triage: alarm first.
func severity(h Health) int {
	switch h {
	case HealthAlarm:
		return 5
	case HealthWarning:
		return 4
	case HealthOffline:
		return 3
	case HealthStale:
		return 2
	case HealthUnknown:
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
