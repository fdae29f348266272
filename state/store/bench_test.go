package store

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"sqc/api/sim"
)

// benchMessage is a QUAD-C2 message as the API sends it, compacted: the
// same template the fleet's benchmarks use.
func benchMessage(tb testing.TB) []byte {
	raw, err := os.ReadFile(filepath.Join("..", "..", "api", "sim", "templates", "quad-c2-he8ev12lf-1.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var js bytes.Buffer
	if err := json.Compact(&js, raw); err != nil {
		tb.Fatal(err)
	}
	return js.Bytes()
}

// benchStore is a database of n devices as listed, each with one latest
// message, checkpointed as a console leaves it.
func benchStore(b *testing.B, n int) (*SQLite, string, []string) {
	b.Helper()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(b.TempDir(), "bench.db")
	s, _, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	devs := sim.New(sim.Options{Devices: n, Key: "k", Now: func() time.Time { return now }}).Devices()
	base := benchMessage(b)
	summary := []byte("\x1e" + "temperature high") // a worst level and its reason
	put := make([]Device, len(devs))
	ids := make([]string, len(devs))
	msgs := make([]Message, 0, len(devs))
	for i, d := range devs {
		js, err := d.MarshalJSON()
		if err != nil {
			b.Fatal(err)
		}
		put[i], ids[i] = Device{ID: d.DeviceID, JSON: js}, d.DeviceID
		at := now.Add(-time.Duration(i%600) * time.Second)
		m := bytes.Replace(base, []byte(`"vin":28.09`), []byte(`"vin":`+strconv.FormatFloat(20+float64(i%1000)/100, 'f', 2, 64)), 1)
		msgs = append(msgs, Message{DeviceID: d.DeviceID, TS: at, Fetched: now, JSON: m, Summary: summary})
	}
	if err := s.PutDevices(ctx, put); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(msgs); i += 5000 {
		if err := s.Fold(ctx, msgs[i:min(i+5000, len(msgs))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	return s, path, ids
}

// Every device's latest state out of the database at 50,000 devices:
// target under 150 ms and 30 MB allocated. Also reports the database's
// size per stored message (target under 50 MB in all).
func BenchmarkRestore50000(b *testing.B) {
	const n = 50000
	s, path, _ := benchStore(b, n)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		got, bytes := 0, 0
		err := s.Restore(ctx, func(l Latest) error {
			got++
			bytes += len(l.Device) + len(l.Summary)
			return nil
		})
		if err != nil || got != n {
			b.Fatalf("restored %d of %d: %v", got, n, err)
		}
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "dbMB")
	b.ReportMetric(float64(st.Size())/n, "dbB/msg")
	b.ReportMetric(float64(len(benchMessage(b))), "jsonB/msg")
}

// Folding one answer (the latest message and its history row) at 50,000
// devices, the writes batched 100 to a transaction: target under 50 µs.
func BenchmarkFoldOne50000(b *testing.B) {
	const n, batch = 50000, 100
	s, _, ids := benchStore(b, n)
	base := benchMessage(b)
	next := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	pending := make([]Message, 0, batch)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		id := ids[(i*7919)%n]
		i++
		next = next.Add(time.Millisecond)
		pending = append(pending, Message{DeviceID: id, TS: next, Fetched: next, JSON: base})
		if len(pending) == batch {
			if err := s.Fold(ctx, pending); err != nil {
				b.Fatal(err)
			}
			pending = pending[:0]
		}
	}
}

// Seven days of one device reporting every 30 s (20,160 messages) out
// of a database that holds other devices' history too: target 20 ms.
func BenchmarkHistory7Days(b *testing.B) {
	s, end := historyStore(b)
	const per = 7 * 24 * 120
	b.ReportAllocs()
	for b.Loop() {
		h, err := s.History(ctx, "TARGET", end.Add(-7*24*time.Hour), end)
		if err != nil || len(h) != per {
			b.Fatalf("%d messages, want %d: %v", len(h), per, err)
		}
	}
}

func historyStore(b *testing.B) (*SQLite, time.Time) {
	path := filepath.Join(b.TempDir(), "bench.db")
	s, _, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	base := benchMessage(b)
	end := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const per = 7 * 24 * 120
	for _, id := range []string{"A0", "TARGET", "Z9"} {
		msgs := make([]Message, 0, per)
		for k := range per {
			msgs = append(msgs, Message{DeviceID: id, TS: end.Add(-time.Duration(k) * 30 * time.Second), JSON: base})
		}
		if err := s.Fold(ctx, msgs); err != nil {
			b.Fatal(err)
		}
	}
	s.Checkpoint(ctx)
	return s, end
}

// The same seven days read without a copy of each message, as a view
// that extracts what it draws would read them.
func BenchmarkEachHistory7Days(b *testing.B) {
	s, end := historyStore(b)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := s.EachHistory(ctx, "TARGET", end.Add(-7*24*time.Hour), end, func(time.Time, []byte) error { n++; return nil })
		if err != nil || n != 7*24*120 {
			b.Fatalf("%d messages: %v", n, err)
		}
	}
}

// Opening the database of 50,000 devices, its structure checked.
func BenchmarkOpen50000(b *testing.B) {
	s, path, _ := benchStore(b, 50000)
	s.Close()
	for b.Loop() {
		s, _, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
