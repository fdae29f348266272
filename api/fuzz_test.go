package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"sqc/api"
)

func addFixtureSeeds(f *testing.F) {
	for _, b := range readFixtures(f) {
		f.Add(b)
	}
	for _, s := range []string{`{}`, `{"a":1e400}`, `{"a":"\ud800"}`, `{"events":[{"lv":"x"}]}`, `{"can1":[{"id":-1}]}`, "{\"a\":\"\xff\"}", `[1]`, `{"a":[[[[]]]]}`} {
		f.Add([]byte(s))
	}
	for _, s := range hostileSeeds {
		f.Add([]byte(s))
	}
}

// hostileSeeds are messages a hostile server sends: escapes (JSON-escaped
// and raw C1, bidi and invalid UTF-8) in keys and every kind of value,
// absurd numbers, and long strings, kept to a few KB so the fuzzer stays
// fast.
var hostileSeeds = []string{
	`{"deviceid":"\u001b[2JX","cp1":"\u001b]52;c;eA==\u0007","k\u001b]0;t\u0007":"\u001bP+q544e\u001b\\",` +
		`"events":[{"topic":"\u001b]8;;http://e/\u001b\\l","msg":"m\u0007\u007f","lv":1e20},{"lv":-1e20}],` +
		`"can1":[{"id":4294967295,"data":"\u001b[31m"},{"id":1e20},{"id":536870911,"data":"00"}],"ts":1e300,"time":-1}`,
	"{\"k\u009b\":\"\u009b31m\u202e\x9b2J\xff\",\"capture1\":\"\u2066x\u2069\"}",
	`{"cp1":"` + strings.Repeat("long 名前 ", 400) + `","` + strings.Repeat("k", 2000) + `":1}`,
}

// The data message decoder accepts exactly the JSON objects encoding/json
// accepts, and what it re-encodes means the same as what it read.
func FuzzDecodeDataMessage(f *testing.F) {
	addFixtureSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m api.DataMessage
		err := m.UnmarshalJSON(b)
		generic, gerr := decodeNumbers(b)
		_, isObject := generic.(map[string]any)
		valid := gerr == nil
		if (err == nil) != (valid && isObject) {
			t.Fatalf("decoder accepted=%v, encoding/json object=%v: %q (%v)", err == nil, valid && isObject, b, err)
		}
		if err != nil {
			return
		}
		checkTypedMessage(t, &m)
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeNumbers(out)
		if err != nil {
			t.Fatalf("re-encoded message is not JSON: %q", out)
		}
		if !reflect.DeepEqual(generic, again) {
			t.Fatalf("re-encoding changed the message:\n%q\n%q", b, out)
		}
	})
}

// checkTypedMessage fails when a typed value of a decoded message could
// drive a terminal or is out of range.
func checkTypedMessage(t *testing.T, m *api.DataMessage) {
	t.Helper()
	assertInert(t, "deviceid", m.DeviceID)
	if m.TS != 0 && !api.ValidUnix(m.TS) {
		t.Fatalf("ts %v kept", m.TS)
	}
	for _, f := range m.Fields {
		assertInert(t, "key", f.Key)
		assertInert(t, "reading", api.FormatReading(f.Key, f, m))
	}
	for _, e := range m.Events {
		assertInert(t, "event", e.Topic+e.Msg)
		if e.Level > api.MaxLevel || e.Level < -api.MaxLevel {
			t.Fatalf("level %d", e.Level)
		}
	}
	for _, fr := range append(append([]api.CANFrame{}, m.CAN1...), m.CAN2...) {
		assertInert(t, "can data", fr.Data)
		if fr.ID > api.MaxCANID {
			t.Fatalf("CAN id %d over 29 bits", fr.ID)
		}
	}
}

// decodeNumbers decodes any JSON keeping numbers as written.
func decodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() || dec.InputOffset() != int64(len(bytes.TrimRight(b, " \t\r\n"))) {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

func FuzzDecodeDataPage(f *testing.F) {
	for _, b := range readFixtures(f) {
		f.Add(append(append([]byte(`{"deviceid":"ABC123DEF","data":[`), b...), "]}"...))
	}
	f.Add([]byte(`{"data":null}`))
	for _, s := range hostileSeeds {
		f.Add([]byte(`{"deviceid":"\u001b[2J","data":[` + s + `],"x\u009b":"\u001b]0;t\u0007"}`))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := api.DecodeDataPage(b)
		if err != nil {
			return
		}
		assertInert(t, "page deviceid", p.DeviceID)
		for i := range p.Data {
			checkTypedMessage(t, &p.Data[i])
		}
		for _, f := range p.Extra {
			assertInert(t, "envelope key", f.Key)
		}
		out, err := json.Marshal(p)
		if err != nil || !json.Valid(out) {
			t.Fatalf("re-encoded page invalid: %q (%v)", out, err)
		}
	})
}

func FuzzDecodeDevice(f *testing.F) {
	f.Add([]byte(`{"deviceid":"ABC123DEF","plan":"Hosted","lastSeen":1770605570,"apiRequestsRemaining":3,"x":[1]}`))
	f.Add([]byte(`{"lastSeen":"yesterday","plan":7}`))
	f.Add([]byte(`{"deviceid":"EVIL\u001b[2J","name":"\u001b]52;c;eA==\u0007n","groupid":"\u009b31m","groupName":"\u202eg",` +
		`"model":"\u001bP+q\u001b\\","firmware":"\u0007","plan":"Hosted\u001b[0m","x\u001b":1}`))
	f.Add([]byte(`{"deviceid":"ABSURD001","apiRequestsRemaining":1e300,"lastSeen":1e300}`))
	f.Add([]byte(`{"apiRequestsRemaining":-1e300,"lastSeen":-5,"groupid":1e400}`))
	f.Add([]byte(`{"name":"` + strings.Repeat("long 名前 ", 400) + `"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d api.Device
		if err := json.Unmarshal(b, &d); err != nil {
			return
		}
		for _, s := range []string{d.DeviceID, d.Name, d.GroupID, d.GroupName, d.Model, d.Firmware, d.Plan} {
			assertInert(t, "device field", s)
		}
		if d.Remaining != nil && (*d.Remaining < 0 || *d.Remaining > api.MonthlyPerDevice) {
			t.Fatalf("remaining %d", *d.Remaining)
		}
		if d.LastSeen != nil && !api.ValidUnix(*d.LastSeen) {
			t.Fatalf("lastSeen %v", *d.LastSeen)
		}
		for _, f := range d.Extra() {
			assertInert(t, "extra key", f.Key)
		}
		_ = d.Seen()
		_ = d.Extra()
		out, err := json.Marshal(d)
		if err != nil || !json.Valid(out) {
			t.Fatalf("re-encoded device invalid: %q (%v)", out, err)
		}
	})
}

func FuzzImportPostman(f *testing.F) {
	f.Add([]byte(`{"info":{"schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},"item":[{"name":"Get Device","request":{"method":"GET","url":"{{baseUrl}}/d/:deviceid"}}]}`))
	f.Add([]byte(`{"info":{"schema":"https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},"item":[{"name":"x","item":[{"name":"List All Devices","request":{"url":{"path":["a",":deviceid"]}}}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		base := api.DefaultRoutes()
		res, err := api.ImportPostman(b, base, "fuzz.json")
		if !reflect.DeepEqual(base.All(), api.DefaultRoutes().All()) {
			t.Fatal("import changed the table it started from")
		}
		if err != nil {
			return
		}
		for _, r := range res.Routes.All() {
			if err := api.DefaultRoutes().Set(r); err != nil {
				t.Fatalf("import produced an unusable row: %v", err)
			}
		}
	})
}
