package api_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"sqc/api"
)

// fixtureDir finds ../shared/fixtures/data-messages above the module (or
// SQC_FIXTURES); without it the copies the simulator embeds are used.
func fixtureDir(t testing.TB) string {
	if d := os.Getenv("SQC_FIXTURES"); d != "" {
		return d
	}
	dir, _ := os.Getwd()
	for {
		cand := filepath.Join(dir, "shared", "fixtures", "data-messages")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	t.Log("shared/fixtures not found above the module: using api/sim/templates, the copies of the same files")
	return filepath.Join("sim", "templates")
}

func readFixtures(t testing.TB) map[string][]byte {
	dir := fixtureDir(t)
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(paths) < 5 {
		t.Fatalf("found %d fixtures in %s, want at least 5", len(paths), dir)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// keysInOrder lists an object's keys as they appear in the text.
func keysInOrder(t *testing.T, b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v", err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestFixturesDecodeAndReencodeWithNoKeyLost(t *testing.T) {
	for name, b := range readFixtures(t) {
		t.Run(name, func(t *testing.T) {
			var m api.DataMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Problems) > 0 {
				t.Errorf("typed keys with problems: %v", m.Problems)
			}
			out, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			json.Unmarshal(b, &want)
			json.Unmarshal(out, &got)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("re-encoded message differs:\n%s", out)
			}
			if w, g := keysInOrder(t, b), keysInOrder(t, out); !reflect.DeepEqual(w, g) {
				t.Fatalf("key order changed:\nwant %v\ngot  %v", w, g)
			}
			if m.DeviceID == "" || m.TS == 0 || m.Time().Year() < 2020 {
				t.Errorf("identity not typed: id %q ts %v", m.DeviceID, m.TS)
			}
			if _, ok := m.Number("vin"); !ok {
				t.Error("vin not typed as a number")
			}
			var raw map[string]json.RawMessage
			json.Unmarshal(b, &raw)
			for _, bus := range []string{"can1", "can2"} {
				var frames []map[string]any
				json.Unmarshal(raw[bus], &frames)
				typed := m.CAN1
				if bus == "can2" {
					typed = m.CAN2
				}
				if len(frames) != len(typed) {
					t.Errorf("%s: %d frames typed, %d in the message", bus, len(typed), len(frames))
				}
				for i := range typed {
					if float64(typed[i].ID) != frames[i]["id"].(float64) || typed[i].Data != frames[i]["data"] {
						t.Errorf("%s[%d] = %+v, want %v", bus, i, typed[i], frames[i])
					}
				}
			}
			var events []api.Event
			json.Unmarshal(raw["events"], &events)
			if !reflect.DeepEqual(events, m.Events) && (len(events) > 0 || len(m.Events) > 0) {
				t.Errorf("events %+v, want %+v", m.Events, events)
			}
		})
	}
}

func TestEmbeddedTemplatesMatchSharedFixtures(t *testing.T) {
	dir := fixtureDir(t)
	if strings.HasPrefix(dir, "sim") {
		t.Skip("shared/fixtures not present: nothing to compare with")
	}
	for name, b := range readFixtures(t) {
		emb, err := os.ReadFile(filepath.Join("sim", "templates", name))
		if err != nil {
			t.Errorf("fixture %s has no copy in api/sim/templates: copy it there", name)
			continue
		}
		if !bytes.Equal(emb, b) {
			t.Errorf("api/sim/templates/%s differs from the shared fixture: copy it again", name)
		}
	}
}

func TestEventClassesAndOrbExample(t *testing.T) {
	var m api.DataMessage
	if err := json.Unmarshal(readFixtures(t)["orb-docs-example.json"], &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Events) != 1 || m.Events[0].Level != 30 || m.Events[0].Class() != api.ClassWarning || m.Events[0].Topic != "pitch" {
		t.Fatalf("events %+v", m.Events)
	}
	for lv, class := range map[int]string{10: "info", 20: "alert", 30: "warning", 40: "alarm", 50: "alarm"} {
		if got := api.LevelClass(lv); got != class {
			t.Errorf("level %d: %s, want %s", lv, got, class)
		}
	}
	if f := (api.CANFrame{ID: 419360256}); f.PGN() != 65262 {
		t.Errorf("PGN of 0x18FEEE00 = %d, want 65262 (engine temperature)", f.PGN())
	}
}

func TestUnknownAndOddKeysAreKept(t *testing.T) {
	in := `{"deviceid":"ABC123DEF","ts":1770605570.4,"events":"not a list","cp3":"text","mystery":{"a":[1,2]},"esc\"aped":"\u00e9"}`
	var m api.DataMessage
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Problems, []string{"events"}) {
		t.Errorf("problems %v, want [events]", m.Problems)
	}
	if s, ok := m.Text("cp3"); !ok || s != "text" {
		t.Errorf("cp3 = %q", s)
	}
	if s, _ := m.Text(`esc"aped`); s != "é" {
		t.Errorf("escaped key lost: %q", s)
	}
	out, _ := json.Marshal(m)
	var want, got any
	json.Unmarshal([]byte(in), &want)
	json.Unmarshal(out, &got)
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("lost something: %s", out)
	}
}

func TestDataPageKeepsEnvelope(t *testing.T) {
	in := `{"deviceid":"ABC123DEF","data":[{"ts":2,"vin":1},{"ts":1,"vin":2}],"cursor":"x"}`
	p, err := api.DecodeDataPage([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if p.DeviceID != "ABC123DEF" || len(p.Data) != 2 || len(p.Extra) != 1 {
		t.Fatalf("%+v", p)
	}
	out, _ := json.Marshal(p)
	var want, got any
	json.Unmarshal([]byte(in), &want)
	json.Unmarshal(out, &got)
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("page lost something: %s", out)
	}
	for _, bad := range []string{``, `[]`, `{"data":[1]}`, `{"data":[{"a":}]}`, `{"deviceid":"x"} trailing`} {
		if _, err := api.DecodeDataPage([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestDeviceKeepsUnknownFields(t *testing.T) {
	in := `{"deviceid":"ABC123DEF","name":"Pump","plan":"None","lastSeen":null,"apiRequestsRemaining":12,"firmware":"4.3.2","hardwareRev":"B","tags":["x"]}`
	var d api.Device
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	if d.Remaining == nil || *d.Remaining != 12 || d.LastSeen != nil || !d.Seen().IsZero() || d.CanReadData() {
		t.Fatalf("typed fields wrong: %+v", d)
	}
	var extra []string
	for _, f := range d.Extra() {
		extra = append(extra, f.Key)
	}
	sort.Strings(extra)
	if !reflect.DeepEqual(extra, []string{"hardwareRev", "tags"}) {
		t.Errorf("extra %v", extra)
	}
	out, _ := json.Marshal(d)
	if string(out) != in {
		t.Errorf("device re-encoded as %s", out)
	}
}
