package ui

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"sqc/api"
	"sqc/api/sim"
)

// hugeNameDevices are the huge scenario's ten devices as the client
// decoded them; the server (which holds its 49 MB body) is gone after.
func hugeNameDevices(b *testing.B) []api.Device {
	h, err := sim.NewHostile(sim.HostileHuge, "k")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: "k", RatePerSecond: 1e6})
	if err != nil {
		b.Fatal(err)
	}
	devices, err := c.ListDevices(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return devices
}

// hugeNameModel is the console at 120x40 on devices, the fourth (the one
// with the huge name) focused, with a message.
func hugeNameModel(b *testing.B, devices []api.Device) *Model {
	m := benchModel(b, 1)
	m.sh.Fleet.SetDevices(devices, benchNow)
	m.sh.Sched.SetDevices(devices, benchNow)
	m.list.Rebuild()
	m.focusID = devices[3].DeviceID
	for m.list.Focused().DeviceID != m.focusID {
		m.list.Move(1)
	}
	m.sh.Fleet.Track(m.focusID)
	m.sh.Fleet.SetData(m.focusID, &api.DataPage{Data: []api.DataMessage{messageAt(b, fixtureMessage(b), benchNow, 24)}}, benchNow)
	return m
}

// A frame of the console whose focused device a server named with 49 MB.
// decoded: the name as the client decodes it, cut once to 256 runes; the
// frame costs what any frame does (it was 0.9 to 2.2 s a key, and 460 MB,
// when every frame joined and measured the whole name). uncut: the 49 MB name put
// in place by hand, as the decoder used to keep it: the readings pane cuts
// each fact to its width before joining, so a frame stays cheap even then.
func BenchmarkFrameWith49MBName(b *testing.B) {
	b.Run("decoded", func(b *testing.B) {
		m := hugeNameModel(b, hugeNameDevices(b))
		b.ReportAllocs()
		for b.Loop() {
			m.frame.draw = true
			_ = m.View()
		}
	})
	b.Run("uncut", func(b *testing.B) {
		devices := hugeNameDevices(b)
		devices[3].Name = strings.Repeat("huge name 名 ", sim.HugeNameBytes/14)
		m := hugeNameModel(b, devices)
		b.ReportAllocs()
		for b.Loop() {
			m.frame.draw = true
			_ = m.View()
		}
	})
}
