package state

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sqc/api"
)

// packMessages are messages a packed form must give back exactly: real
// templates, and shapes other servers send.
func packMessages(t testing.TB) map[string]string {
	msgs := map[string]string{
		"empty":           `{}`,
		"pretty":          "{\n  \"ts\": 1770605573.1,\n  \"vin\": 28.090,\n  \"name\": \"a \\\"b\\\" c\"\n}",
		"lower-hex CAN":   `{"can1":[{"id":1,"data":"0a0b"}]}`,
		"odd-length CAN":  `{"can1":[{"id":1,"data":"ABC"}]}`,
		"CAN extra key":   `{"can2":[{"id":1,"data":"AB","bus":2}]}`,
		"CAN key order":   `{"can1":[{"data":"AB","id":1}]}`,
		"CAN not a list":  `{"can1":"off","can2":null}`,
		"empty CAN":       `{"can1":[],"can2":[{"id":0,"data":""}]}`,
		"duplicate keys":  `{"can1":[{"id":1,"data":"AA"}],"can1":[{"id":2,"data":"BB"}],"vin":1,"vin":2}`,
		"odd keys":        `{"":1,"a\"b":2,"tab\there":3,"ünï":"✓","\u0001":4}`,
		"script values":   `{"cp1":"text","cp2":1e300,"cp3":-0.000001,"cp4":{"nested":[1,{"x":" y "}]},"cp5":true}`,
		"bad event level": `{"events":[{"topic":"t","msg":"m","lv":1e20},{"topic":"u","msg":"n","lv":45}]}`,
		"long float":      `{"ts":1770605573.123456789012345678,"vin":12.3456789012345678901234567890}`,
	}
	entries, err := os.ReadDir(filepath.Join("..", "api", "sim", "templates"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("..", "api", "sim", "templates", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		msgs[e.Name()] = string(b)
	}
	return msgs
}

func decode(t testing.TB, js string) *api.DataMessage {
	t.Helper()
	var m api.DataMessage
	if err := m.UnmarshalJSON([]byte(js)); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return &m
}

// A packed message decodes to what the decoder made of the server's: the
// same keys (cleaned, as the console shows them) in the same order with the
// same value bytes (less whitespace), the same typed events, CAN frames
// and problems.
func TestPackedMessagesComeBackAsSent(t *testing.T) {
	t.Parallel()
	keys := newKeyTable()
	var p packer
	for name, js := range packMessages(t) {
		t.Run(name, func(t *testing.T) {
			m := decode(t, js)
			l := p.pack(keys, m)
			if !l.has() || l.ts != m.TS {
				t.Fatalf("packed %q ts %v", l.packed, l.ts)
			}
			back, err := unpack(l.packed, keys.names)
			if err != nil {
				t.Fatal(err)
			}
			want := fieldsJSON(m)
			got, _ := back.MarshalJSON()
			if string(got) != want {
				t.Fatalf("written back:\n%s\nwant\n%s", got, want)
			}
			if !reflect.DeepEqual(back.Events, m.Events) || !reflect.DeepEqual(back.CAN1, m.CAN1) ||
				!reflect.DeepEqual(back.CAN2, m.CAN2) || !reflect.DeepEqual(back.Problems, m.Problems) || back.TS != m.TS {
				t.Fatalf("decoded differently: %+v\nwant %+v", back, m)
			}
			if len(l.packed) > len(want)+1 {
				t.Errorf("packed %d bytes, more than the compact JSON's %d", len(l.packed), len(want))
			}
		})
	}
}

func TestPackedQUADMessageIsSmall(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "api", "sim", "templates", "quad-c2-he8ev12lf-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p packer
	l := p.pack(newKeyTable(), decode(t, string(b)))
	var compact bytes.Buffer
	json.Compact(&compact, b)
	// 47 CAN frames are most of it: binary, they take a third of their JSON.
	if len(l.packed) > compact.Len()/2 {
		t.Fatalf("packed %d bytes for %d of compact JSON", len(l.packed), compact.Len())
	}
	if l.worst != 30 || l.reason != "mjs: CPU Threshold Exceeded" {
		t.Fatalf("facts: worst %d reason %q", l.worst, l.reason)
	}
}

// A server sending a new key in every message cannot grow the key table
// without bound; keys past the bound are kept inline and still come back.
func TestKeyTableIsBounded(t *testing.T) {
	t.Parallel()
	keys := newKeyTable()
	var p packer
	var last latest
	for i := range maxInterned + 50 {
		last = p.pack(keys, decode(t, `{"k`+itoa(int64(i))+`":1,"vin":2}`))
	}
	if len(keys.names) != maxInterned {
		t.Fatalf("%d keys interned, bound %d", len(keys.names), maxInterned)
	}
	m, err := unpack(last.packed, keys.names)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.MarshalJSON(); string(got) != `{"k`+itoa(maxInterned+49)+`":1,"vin":2}` {
		t.Fatalf("inline key: %s", got)
	}
}

// Long event texts are cut for the reason column without splitting a rune.
func TestReasonIsCut(t *testing.T) {
	t.Parallel()
	var p packer
	l := p.pack(newKeyTable(), decode(t, `{"events":[{"topic":"t","msg":"`+strings.Repeat("é", 300)+`","lv":40}]}`))
	if len(l.reason) > reasonMax || !strings.HasPrefix(l.reason, "t: éé") || strings.ContainsRune(l.reason, '\uFFFD') {
		t.Fatalf("reason %d bytes: %q", len(l.reason), l.reason)
	}
	if !json.Valid([]byte(`"` + l.reason + `"`)) {
		t.Fatal("reason is not valid UTF-8 text")
	}
}

// Damaged packed bytes (as a cache file could hold) give an error, never
// a panic or a message made up.
func FuzzUnpack(f *testing.F) {
	keys := newKeyTable()
	var p packer
	for _, js := range packMessages(f) {
		f.Add([]byte(p.pack(keys, decode(f, js)).packed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := unpack(string(b), keys.names)
		if err == nil {
			// What decodes must pack back to the same message (less the
			// whitespace a crafted one may hold).
			again, err := unpack(p.pack(keys, m).packed, keys.names)
			if err != nil {
				t.Fatal(err)
			}
			if x, y := fieldsJSON(m), fieldsJSON(again); x != y {
				t.Fatalf("%s != %s", x, y)
			}
		}
		if _, err := p.repack(newKeyTable(), string(b), keys.names); err == nil {
			if err := walkPacked(string(b), keys.names, func(packedField) error { return nil }); err != nil {
				t.Fatal("repack accepted what the walk refuses")
			}
		}
	})
}

// fieldsJSON is a message as the console holds it: its keys as decoded
// (cleaned) and its values' compact JSON, in order.
func fieldsJSON(m *api.DataMessage) string {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range m.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteByte(':')
		_ = json.Compact(&b, f.Raw)
	}
	b.WriteByte('}')
	return b.String()
}
