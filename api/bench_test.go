package api_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"sort"
	"testing"

	"sqc/api"
	"sqc/api/sim"
)

// Listing 10,000 devices from the local simulator, end to end over
// loopback HTTP: target under 1 s.
func BenchmarkListDevices10000(b *testing.B) {
	s := sim.New(sim.Options{Devices: 10000, Key: testKey})
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: testKey, RatePerSecond: 1e6})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.SetRate(1e6) // each listing starts as a fresh console would, not paced by the last
		devices, err := c.ListDevices(context.Background())
		if err != nil || len(devices) != 10000 {
			b.Fatalf("%d devices, %v", len(devices), err)
		}
	}
}

// Decoding a page of 1,000 data messages (the real fixtures in turn):
// target under 20 ms.
func BenchmarkDecodeDataMessages1000(b *testing.B) {
	fx := readFixtures(b)
	names := make([]string, 0, len(fx))
	for n := range fx {
		names = append(names, n)
	}
	sort.Strings(names)
	var body bytes.Buffer
	body.WriteString(`{"deviceid":"HE8EV12LF","data":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(fx[names[i%len(names)]])
	}
	body.WriteString("]}")
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		p, err := api.DecodeDataPage(body.Bytes())
		if err != nil || len(p.Data) != 1000 {
			b.Fatal(err)
		}
	}
}

// One device's latest data from the local simulator over loopback, as the
// first pass reads each device: the client's part of it is what a 50,000
// device console spends per request.
func BenchmarkGetData(b *testing.B) {
	s := sim.New(sim.Options{Devices: 1000, Key: testKey, HostedFraction: 1})
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: testKey, RatePerSecond: 1e9})
	if err != nil {
		b.Fatal(err)
	}
	devices, err := c.ListDevices(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		id := devices[i%len(devices)].DeviceID
		i++
		p, err := c.GetData(context.Background(), id, api.DataQuery{Limit: 1})
		if err != nil || len(p.Data) > 1 {
			b.Fatalf("%s: %v", id, err)
		}
	}
}
