package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Config is a device's configuration as a nested tree. Leaves are
// json.Number, string, bool, nil or []any; inner nodes are Config.
// Settings are addressed by their dotted Senquip names: can1.nominal_baud.
type Config map[string]any

// ConfigResponse is the body of Get Device Config.
type ConfigResponse struct {
	Config    Config `json:"config"`
	Synced    bool   `json:"synced"`
	Remaining *int   `json:"apiRequestsRemaining,omitempty"`
}

// DecodeConfig parses a JSON object into a Config, keeping numbers exact.
func DecodeConfig(b []byte) (Config, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, fmt.Errorf("config is not an object")
	}
	return normalise(raw).(Config), nil
}

// UnmarshalJSON keeps numbers as json.Number so 250 stays 250, not 250.0.
func (c *Config) UnmarshalJSON(b []byte) error {
	cfg, err := DecodeConfig(b)
	if err != nil {
		return err
	}
	*c = cfg
	return nil
}

func normalise(v any) any {
	switch t := v.(type) {
	case map[string]any:
		c := make(Config, len(t))
		for k, x := range t {
			c[k] = normalise(x)
		}
		return c
	case Config:
		for k, x := range t {
			t[k] = normalise(x)
		}
		return t
	case []any:
		for i := range t {
			t[i] = normalise(t[i])
		}
	}
	return v
}

// Get reads a dotted key.
func (c Config) Get(key string) (any, bool) {
	node := c
	parts := strings.Split(key, ".")
	for i, p := range parts {
		v, ok := node[p]
		if !ok {
			return nil, false
		}
		if i == len(parts)-1 {
			return v, true
		}
		if node, ok = v.(Config); !ok {
			return nil, false
		}
	}
	return nil, false
}

// Set writes a dotted key, creating inner nodes. It refuses to turn an
// existing leaf into a node, which would silently drop a setting.
func (c Config) Set(key string, v any) error {
	if err := ValidateConfigKey(key); err != nil {
		return err
	}
	node := c
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := node[p]
		if !ok {
			n := Config{}
			node[p] = n
			node = n
			continue
		}
		if node, ok = next.(Config); !ok {
			return fmt.Errorf("config key %s: %s is a setting, not a group", key, p)
		}
	}
	node[parts[len(parts)-1]] = normalise(v)
	return nil
}

// Flatten returns every leaf by dotted key.
func (c Config) Flatten() map[string]any {
	out := map[string]any{}
	var walk func(prefix string, n Config)
	walk = func(prefix string, n Config) {
		for k, v := range n {
			if sub, ok := v.(Config); ok && len(sub) > 0 {
				walk(prefix+k+".", sub)
				continue
			}
			out[prefix+k] = v
		}
	}
	walk("", c)
	return out
}

// Keys returns every leaf's dotted key, sorted.
func (c Config) Keys() []string {
	flat := c.Flatten()
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Clone returns a deep copy.
func (c Config) Clone() Config {
	b, _ := json.Marshal(c)
	out, _ := DecodeConfig(b)
	if out == nil {
		out = Config{}
	}
	return out
}

// Partial computes the tree to send for a change from old to edited: only
// the leaves that are new or different. Leaves removed in edited cannot be
// expressed in a partial update; they are returned so the caller can say so.
func Partial(old, edited Config) (partial Config, removed []string) {
	partial = Config{}
	of, ef := old.Flatten(), edited.Flatten()
	for k, v := range ef {
		if ov, ok := of[k]; !ok || !sameValue(ov, v) {
			_ = partial.Set(k, v)
		}
	}
	for k := range of {
		if _, ok := ef[k]; !ok {
			removed = append(removed, k)
		}
	}
	sort.Strings(removed)
	return partial, removed
}

func sameValue(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		af, err1 := an.Float64()
		bf, err2 := bn.Float64()
		if err1 == nil && err2 == nil {
			return af == bf
		}
		return an == bn
	}
	return reflect.DeepEqual(a, b)
}

// Merge applies a partial tree onto c in place.
func (c Config) Merge(partial Config) {
	for k, v := range partial.Flatten() {
		_ = c.Set(k, v)
	}
}
