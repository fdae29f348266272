package api

import (
	"encoding/json"
	"fmt"
	"sort"
)

// ConfigLine is one setting of a configuration as a person sees it: the
// dotted key and the value, both cleaned (Clean), and the value's kind.
type ConfigLine struct {
	Key   string
	Value string
	Kind  Kind
}

// Display lists every setting by dotted key, sorted, cleaned for a
// terminal. The tree itself keeps the server's exact values: an unchanged
// value is never sent back, but a user may compare against it.
func (c Config) Display() []ConfigLine {
	flat := c.Flatten()
	out := make([]ConfigLine, 0, len(flat))
	for k, v := range flat {
		out = append(out, configLine(k, v))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func configLine(key string, v any) ConfigLine {
	l := ConfigLine{Key: Clean(key)}
	switch t := v.(type) {
	case string:
		l.Kind, l.Value = KindString, Clean(t)
	case json.Number:
		l.Kind, l.Value = KindNumber, Clean(t.String())
	case bool:
		l.Kind, l.Value = KindBool, fmt.Sprint(t)
	case nil:
		l.Kind, l.Value = KindNull, "null"
	case Config:
		l.Kind, l.Value = KindObject, "{}" // an empty group
	default:
		b, _ := json.Marshal(t)
		l.Kind, l.Value = KindArray, Clean(string(b))
	}
	return l
}

// UnmarshalJSON decodes Get Device Config leniently: the tree must be an
// object, but a synced or apiRequestsRemaining of another shape is left
// out rather than failing the whole answer, and the remaining count is
// clamped like everywhere else.
func (r *ConfigResponse) UnmarshalJSON(b []byte) error {
	var raw struct {
		Config    json.RawMessage `json:"config"`
		Synced    json.RawMessage `json:"synced"`
		Remaining json.RawMessage `json:"apiRequestsRemaining"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = ConfigResponse{}
	if len(raw.Config) > 0 && string(raw.Config) != "null" {
		cfg, err := DecodeConfig(raw.Config)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		r.Config = cfg
	}
	r.Synced = string(raw.Synced) == "true"
	if len(raw.Remaining) > 0 {
		r.Remaining = remainingFrom(raw.Remaining)
	}
	return nil
}
