package state

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Filter is a parsed filter expression: words are AND-ed substrings over
// ID, name, group and model; field:value matches one field; !term negates.
//
//	pump group:north !state:ok plan:hosted
type Filter struct {
	terms []term
	src   string
}

type term struct {
	field  string // "" for a word over ID, name, group, model
	value  string // lower case
	negate bool
	health Health
}

// filterExamples show each field with a value it could take.
var filterExamples = map[string]string{
	"id": "id:JDA5", "name": "name:pump", "group": "group:north", "model": "model:quad",
	"plan": "plan:hosted", "state": "state:alarm", "fw": "fw:2.1",
}

// FilterFields are the fields field:value may name.
var FilterFields = []string{"id", "name", "group", "model", "plan", "state", "fw"}

// ParseFilter parses an expression; an error says what is wrong and where.
func ParseFilter(src string) (*Filter, error) {
	f := &Filter{src: src}
	for _, w := range strings.Fields(src) {
		t := term{}
		if strings.HasPrefix(w, "!") {
			t.negate = true
			w = w[1:]
			if w == "" {
				return nil, fmt.Errorf("a lone ! negates nothing: write !word or !field:value")
			}
		}
		if field, value, ok := strings.Cut(w, ":"); ok {
			field = strings.ToLower(field)
			known := false
			for _, k := range FilterFields {
				known = known || k == field
			}
			if !known {
				return nil, fmt.Errorf("unknown field %q: use %s", field, strings.Join(FilterFields, ", "))
			}
			if value == "" {
				return nil, fmt.Errorf("%s: needs a value, as in %s", field, filterExamples[field])
			}
			t.field = field
			w = value
			if field == "state" {
				h, ok := ParseHealth(strings.ToLower(value))
				if !ok {
					return nil, fmt.Errorf("state:%s: use alarm, warning, ok, stale, offline or unknown", value)
				}
				t.health = h
			}
		}
		t.value = strings.ToLower(w)
		f.terms = append(f.terms, t)
	}
	return f, nil
}

// String is the expression as typed ("" for no filter).
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	return f.src
}

// Empty reports a filter that keeps everything.
func (f *Filter) Empty() bool { return f == nil || len(f.terms) == 0 }

// Narrows reports whether every device f passes also passes old, so that
// f can be applied to what old shows instead of to the whole fleet: each
// of old's terms is implied by one of f's, as "pum" is by "pump" and
// "!pump" by "!pu". A filter being typed narrows at almost every key.
func (f *Filter) Narrows(old *Filter) bool {
	if old.Empty() {
		return true
	}
	if f.Empty() {
		return false
	}
	for _, t := range old.terms {
		if !slices.ContainsFunc(f.terms, t.impliedBy) {
			return false
		}
	}
	return true
}

// impliedBy reports whether a device that passes n passes t too.
func (t term) impliedBy(n term) bool {
	switch {
	case n.field != t.field || n.negate != t.negate:
		return false
	case t.field == "state":
		return n.health == t.health
	case t.negate: // without "pu", a device is without "pump"
		return strings.Contains(t.value, n.value)
	}
	return strings.Contains(n.value, t.value)
}

// Match reports whether a device passes every term at now.
func (f *Filter) Match(d *Device, now time.Time) bool {
	return f.match(d, d.search, now)
}

// match is Match with the device's search text given: the index keeps a
// copy of every device's, side by side in the list's order, which a
// filter reads far faster than from each device's own.
func (f *Filter) match(d *Device, search string, now time.Time) bool {
	if f == nil {
		return true
	}
	for i := range f.terms {
		t := &f.terms[i]
		if t.match(d, search, now) == t.negate {
			return false
		}
	}
	return true
}

func (t *term) match(d *Device, search string, now time.Time) bool {
	switch t.field {
	case "":
		return strings.Contains(search, t.value)
	case "id":
		return containsFold(d.DeviceID, t.value)
	case "name":
		return containsFold(d.Name, t.value)
	case "group":
		return containsFold(d.GroupName, t.value) || containsFold(d.GroupID, t.value)
	case "model":
		return containsFold(d.Model, t.value)
	case "plan":
		return containsFold(d.Plan, t.value)
	case "fw":
		return containsFold(d.Firmware, t.value)
	case "state":
		return d.Health(now) == t.health
	}
	return false
}

// containsFold is a case-insensitive substring test; needle is lower case.
func containsFold(hay, needle string) bool {
	if len(needle) > len(hay) {
		return false
	}
	for i := 0; i+len(needle) <= len(hay); i++ {
		j := 0
		for ; j < len(needle); j++ {
			c := hay[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
		}
		if j == len(needle) {
			return true
		}
	}
	return false
}

// Apply returns the devices that pass, in the order given.
func (f *Filter) Apply(devices []*Device, now time.Time, dst []*Device) []*Device {
	dst = dst[:0]
	for _, d := range devices {
		if f.Match(d, now) {
			dst = append(dst, d)
		}
	}
	return dst
}
