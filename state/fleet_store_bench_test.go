package state

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// storedFleet is a database of n devices as listed, each with one latest
// QUAD-C2 message (values varied), written as the engine writes them and
// checkpointed as a console leaves it.
func storedFleet(b *testing.B, n int) (*store.SQLite, string, []string, time.Time) {
	b.Helper()
	f, now := benchFleet(b, n)
	path := filepath.Join(b.TempDir(), "bench.db")
	db, _, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	base, err := quadMessage(b, now, 30).MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	devs := make([]store.Device, 0, n)
	msgs := make([]store.Message, 0, n)
	ids := make([]string, 0, n)
	for i, d := range f.All() {
		sd, err := StoredDevice(&d.Device)
		if err != nil {
			b.Fatal(err)
		}
		devs, ids = append(devs, sd), append(ids, d.DeviceID)
		m := variedMessage(b, base, rng, now.Add(-time.Duration(i%600)*time.Second))
		sm, err := StoredMessage(d.DeviceID, &m, now)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, sm)
	}
	if err := db.PutDevices(ctx, devs); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(msgs); i += 5000 {
		if err := db.Fold(ctx, msgs[i:min(i+5000, len(msgs))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	return db, path, ids, now
}

// variedMessage is the QUAD-C2 template at ts with its values varied, as
// fifty thousand devices would differ.
func variedMessage(b *testing.B, base []byte, rng *rand.Rand, ts time.Time) api.DataMessage {
	raw := bytes.Replace(base, []byte(`"vin":28.09`), []byte(`"vin":`+strconv.FormatFloat(20+rng.Float64()*10, 'f', 2, 64)), 1)
	raw = bytes.Replace(raw, []byte(`"ts":`), []byte(`"ts":`+strconv.FormatInt(ts.Unix(), 10)+`,"was":`), 1)
	raw = bytes.ReplaceAll(raw, []byte("FFFFFFFFFFFFFFFF"), []byte(fmt.Sprintf("%016X", rng.Uint64())))
	var m api.DataMessage
	if err := m.UnmarshalJSON(raw); err != nil {
		b.Fatal(err)
	}
	return m
}

// A start at 50,000 devices from the database: every device and what the
// list shows of its latest state, into an empty fleet. Target under 150
// ms and 30 MB allocated; also reports the database's size per device
// with one message each (target under 50 MB in all).
func BenchmarkStoredRestore50000(b *testing.B) {
	const n = 50000
	db, path, _, _ := storedFleet(b, n)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sf, err := LoadFleet(context.Background(), db)
		if err != nil || sf.Len() != n {
			b.Fatalf("restored %d of %d: %v", sf.Len(), n, err)
		}
		if !NewFleet().Restore(sf) {
			b.Fatal("not restored")
		}
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "dbMB")
	b.ReportMetric(float64(st.Size())/n, "dbB/msg")
}

// One answer kept at 50,000 devices: its message encoded as the engine
// keeps it and written, 100 to a transaction as the engine's writer
// batches them. Target under 50 µs.
func BenchmarkStoredKeep50000(b *testing.B) {
	const n, batch = 50000, 100
	db, _, ids, now := storedFleet(b, n)
	base, err := quadMessage(b, now, 30).MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var page []api.DataMessage
	for range 64 {
		page = append(page, variedMessage(b, base, rng, now))
	}
	pending := make([]store.Message, 0, batch)
	next := now
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		next = next.Add(time.Millisecond)
		m := page[i%len(page)]
		m.TS = float64(next.UnixMilli()) / 1000
		sm, err := StoredMessage(ids[(i*7919)%n], &m, next)
		if err != nil {
			b.Fatal(err)
		}
		i++
		if pending = append(pending, sm); len(pending) == batch {
			if err := db.Fold(context.Background(), pending); err != nil {
				b.Fatal(err)
			}
			pending = pending[:0]
		}
	}
}

// Seven days of one device reporting every 30 s (20,160 messages, kept as
// the engine keeps them) out of a database that holds two other devices'
// too: the query, target under 20 ms; and the same decoded for a view.
func BenchmarkStoredHistory7Days(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	db, _, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	end := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	base, err := quadMessage(b, end, 30).MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const per = 7 * 24 * 120
	for _, id := range []string{"A0", "TARGET", "Z9"} {
		msgs := make([]store.Message, 0, per)
		for k := range per {
			m := variedMessage(b, base, rng, end.Add(-time.Duration(k)*30*time.Second))
			sm, err := StoredMessage(id, &m, end)
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, sm)
		}
		if err := db.Fold(ctx, msgs); err != nil {
			b.Fatal(err)
		}
	}
	db.Checkpoint(ctx)
	b.Run("query", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h, err := db.History(ctx, "TARGET", end.Add(-7*24*time.Hour), end)
			if err != nil || len(h) != per {
				b.Fatalf("%d messages, want %d: %v", len(h), per, err)
			}
		}
	})
	b.Run("decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			err := db.EachHistory(ctx, "TARGET", end.Add(-7*24*time.Hour), end, func(_ time.Time, msg []byte) error {
				if _, err := DecodeStored(msg); err != nil {
					return err
				}
				n++
				return nil
			})
			if err != nil || n != per {
				b.Fatalf("%d messages, want %d: %v", n, per, err)
			}
		}
	})
}
