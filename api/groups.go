package api

import (
	"sort"
	"strconv"
	"strings"
)

// The groups a data message is shown in, by the console's readings pane
// and by sqc data alike: one order, one set of titles, one sort of the
// script values, so the two never disagree about where a key is.

var groupOrder = []string{"identity", "events", "power", "environment", "motion", "gps", "network", "inputs", "script", "can", "other"}

var groupTitle = map[string]string{
	"identity": "Time", "events": "Events", "power": "Power", "environment": "Environment", "motion": "Motion",
	"gps": "GPS", "network": "Network", "inputs": "Inputs", "script": "Script values",
	"can": "CAN", "other": "Other keys",
}

// GroupRank is where a key's group comes in the readings' order (power
// first): what a chart of the "main" fields draws first.
func GroupRank(key string) int {
	g := Group(key)
	for i, n := range groupOrder {
		if n == g {
			return i
		}
	}
	return len(groupOrder)
}

// FieldGroup is one group of a message's keys, in the order they are shown.
type FieldGroup struct {
	Name   string // as Group names it: "power", "gps", "identity"...
	Title  string // as a person reads it: "Power", "GPS", "Time"...
	Fields []Field
}

// GroupFields sorts a message's keys into their groups, in display order;
// empty groups are left out. deviceid is left out too: it heads every
// message. Script values go by number (cp2 before cp10).
func GroupFields(m *DataMessage) []FieldGroup {
	by := map[string][]Field{}
	for _, f := range m.Fields {
		if f.Key == "deviceid" {
			continue
		}
		g := Group(f.Key)
		by[g] = append(by[g], f)
	}
	script := by["script"]
	sort.SliceStable(script, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(script[i].Key, "cp"))
		b, _ := strconv.Atoi(strings.TrimPrefix(script[j].Key, "cp"))
		return a < b
	})
	out := make([]FieldGroup, 0, len(by))
	for _, g := range groupOrder {
		if fs := by[g]; len(fs) > 0 {
			out = append(out, FieldGroup{Name: g, Title: groupTitle[g], Fields: fs})
		}
	}
	return out
}
