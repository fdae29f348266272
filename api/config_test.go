package api_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"sqc/api"
)

func TestConfigDottedKeys(t *testing.T) {
	c, err := api.DecodeConfig([]byte(`{"can1":{"nominal_baud":250,"id_list":""},"serial1":{"mode":"CAPTURE"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Get("can1.nominal_baud"); !ok || v != json.Number("250") {
		t.Fatalf("can1.nominal_baud = %v", v)
	}
	if _, ok := c.Get("can1.nominal_baud.x"); ok {
		t.Fatal("read through a leaf")
	}
	if err := c.Set("endpoint.mqtt.enable", true); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("endpoint.mqtt.enable"); v != true {
		t.Fatal("new nested key not set")
	}
	if err := c.Set("can1.nominal_baud.sub", 1); err == nil {
		t.Fatal("turned a setting into a group")
	}
	for _, bad := range []string{"", "a..b", ".a", "a.", "a b", "a-b", "ä"} {
		if err := c.Set(bad, 1); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	want := []string{"can1.id_list", "can1.nominal_baud", "endpoint.mqtt.enable", "serial1.mode"}
	if got := c.Keys(); !reflect.DeepEqual(got, want) {
		t.Fatalf("keys %v", got)
	}
}

func TestPartialSendsOnlyTheChange(t *testing.T) {
	old, _ := api.DecodeConfig([]byte(`{"can1":{"nominal_baud":250,"enable":true},"serial1":{"mode":"CAPTURE","baud":9600}}`))
	edited := old.Clone()
	edited.Set("can1.nominal_baud", 500)
	edited.Set("serial1.mode", "MODBUS")
	delete(edited["serial1"].(api.Config), "baud")
	partial, removed := api.Partial(old, edited)
	b, _ := json.Marshal(partial)
	if string(b) != `{"can1":{"nominal_baud":500},"serial1":{"mode":"MODBUS"}}` {
		t.Fatalf("partial %s", b)
	}
	if !reflect.DeepEqual(removed, []string{"serial1.baud"}) {
		t.Fatalf("removed %v", removed)
	}
	// 250 and 250.0 are the same setting: no change to send.
	same, _ := api.DecodeConfig([]byte(`{"can1":{"nominal_baud":250.0,"enable":true},"serial1":{"mode":"CAPTURE","baud":9600}}`))
	if p, _ := api.Partial(old, same); len(p) != 0 {
		t.Fatalf("no-op change produced %v", p)
	}
	old.Merge(partial)
	if v, _ := old.Get("can1.nominal_baud"); v != json.Number("500") && v != 500 {
		t.Fatalf("merge: %v", v)
	}
}
