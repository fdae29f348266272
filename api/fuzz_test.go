package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
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
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := api.DecodeDataPage(b)
		if err != nil {
			return
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
	f.Fuzz(func(t *testing.T, b []byte) {
		var d api.Device
		if err := json.Unmarshal(b, &d); err != nil {
			return
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
