package state

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sqc/api"
)

// Change is one setting of a device's configuration changed by the user:
// its dotted key, the value the device has, and the value to send. Old is
// nil for a key the device does not have yet (Added).
type Change struct {
	Key   string `json:"key"`
	Old   any    `json:"old,omitempty"`
	New   any    `json:"new"`
	Added bool   `json:"added,omitempty"`
}

// DiffLines shows changes as a ticket would: - key old / + key new.
func DiffLines(changes []Change) []string {
	var out []string
	for _, c := range changes {
		if !c.Added {
			out = append(out, "- "+c.Key+" "+FormatValue(c.Old))
		}
		out = append(out, "+ "+c.Key+" "+FormatValue(c.New))
	}
	return out
}

// Partial is the tree that sends only the changed keys.
func Partial(changes []Change) (api.Config, error) {
	p := api.Config{}
	for _, c := range changes {
		if err := p.Set(c.Key, c.New); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// FormatValue writes a config value as JSON would, clean for a terminal:
// 250, true, "CAPTURE", null, [1,2].
func FormatValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case json.Number:
		return t.String()
	case string:
		b, _ := json.Marshal(t)
		return api.Clean(string(b))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return api.Clean(string(b))
}

// KindOf names a config value's JSON type, as the user reads it.
func KindOf(v any) string {
	switch v.(type) {
	case json.Number:
		return "number"
	case string:
		return "text"
	case bool:
		return "true or false"
	case nil:
		return "null"
	case []any:
		return "list"
	}
	return "group"
}

// ParseValue reads text typed for a setting whose current value is old;
// the value keeps old's JSON type. The error says what the key takes.
func ParseValue(key string, old any, text string) (any, error) {
	s := strings.TrimSpace(text)
	switch old.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(s, 64); err != nil || !isJSONNumber(s) {
			return nil, fmt.Errorf("%s takes a number: %q is not one", key, text)
		}
		if o := string(old.(json.Number)); isWhole(o) && !isWhole(s) {
			return nil, fmt.Errorf("%s takes a whole number (it is %s now): %q is not one", key, o, text)
		}
		return json.Number(s), nil
	case bool:
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%s takes true or false, not %q", key, text)
	case string:
		return text, nil // text is taken as typed, spaces included
	case []any:
		var l []any
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&l); err != nil || l == nil {
			return nil, fmt.Errorf("%s takes a list such as [1, 2]: %q is not one", key, text)
		}
		return l, nil
	case nil:
		return GuessValue(text), nil
	}
	return nil, fmt.Errorf("%s is a group of settings: edit the settings inside it", key)
}

// ParseAssignment reads "key = value" (or key=value) as typed in the
// console or given on the command line; the key is checked.
func ParseAssignment(s string) (key, value string, err error) {
	k, v, found := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !found {
		return "", "", fmt.Errorf("%q: write key=value, e.g. ambient.warning=47", s)
	}
	if err := api.ValidateConfigKey(k); err != nil {
		return "", "", err
	}
	return k, strings.TrimSpace(v), nil
}

// GuessValue reads the value of a new key: a number, true/false, null, a
// "quoted" or bare text.
func GuessValue(text string) any {
	s := strings.TrimSpace(text)
	switch {
	case isJSONNumber(s):
		return json.Number(s)
	case s == "true":
		return true
	case s == "false":
		return false
	case s == "null":
		return nil
	case len(s) >= 2 && s[0] == '"':
		var out string
		if json.Unmarshal([]byte(s), &out) == nil {
			return out
		}
	}
	return s
}

// isWhole reports a number written without a fraction or an exponent.
func isWhole(s string) bool { return isJSONNumber(s) && !strings.ContainsAny(s, ".eE") }

func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false // json.Number would take "7" in quotes too
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}

// Stage records a change of key in changes: a new value for a key already
// changed replaces it, a value equal to the device's drops the change.
func Stage(changes []Change, c Change) []Change {
	out := make([]Change, 0, len(changes)+1)
	for _, x := range changes {
		if x.Key != c.Key {
			out = append(out, x)
		}
	}
	if c.Added || !sameValue(c.Old, c.New) {
		out = append(out, c)
	}
	return out
}

// Rebase takes the old values of changes from cfg, the device's config as
// read last: a change to a value the device has now is no longer one.
func Rebase(cfg api.Config, changes []Change) []Change {
	var out []Change
	for _, c := range changes {
		old, had := cfg.Get(c.Key)
		c.Old, c.Added = old, !had
		out = Stage(out, c)
	}
	return out
}

// Holds reports whether cfg has every change's new value.
func Holds(cfg api.Config, changes []Change) bool {
	for _, c := range changes {
		if v, ok := cfg.Get(c.Key); !ok || !sameValue(v, c.New) {
			return false
		}
	}
	return true
}

// Unsent is what of staged a write of sent leaves to send: a change sent
// with the value staged is gone, one staged or edited after it stays,
// its old value now the one sent.
func Unsent(staged, sent []Change) []Change {
	var out []Change
	for _, c := range staged {
		i := slices.IndexFunc(sent, func(s Change) bool { return s.Key == c.Key })
		switch {
		case i < 0:
			out = append(out, c)
		case !sameValue(sent[i].New, c.New):
			c.Old, c.Added = sent[i].New, false
			out = append(out, c)
		}
	}
	return out
}

func sameValue(a, b any) bool {
	return FormatValue(a) == FormatValue(b)
}

// ChangesFrom is what an edited tree changes of a device's: each leaf
// that is new or different, sorted; removed lists the leaves the edit
// dropped, which a partial update cannot express.
func ChangesFrom(device, edited api.Config) (changes []Change, removed []string) {
	of, ef := device.Flatten(), edited.Flatten()
	for k, v := range ef {
		old, ok := of[k]
		if ok && sameValue(old, v) {
			continue
		}
		changes = append(changes, Change{Key: k, Old: old, New: v, Added: !ok})
	}
	for k := range of {
		if _, ok := ef[k]; !ok {
			removed = append(removed, k)
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Key < changes[j].Key })
	sort.Strings(removed)
	return changes, removed
}
