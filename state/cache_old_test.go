package state

// The offline cache's writer, as an older sqc wrote the file: the product
// only reads such a file now (imported once into the database), and the
// tests make them with this.

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"sqc/api"
)

// Snapshot takes what the cache keeps: every device and its latest
// message, and the history of focusID ("" for none). O(N) copies of small
// records; the messages are shared, not copied.
func (f *Fleet) Snapshot(now time.Time, focusID string) *CacheSnapshot {
	s := &CacheSnapshot{savedAt: now, focus: focusID, keys: f.keys.names, devices: make([]cachedDevice, len(f.devices))}
	for i, d := range f.devices {
		s.devices[i] = cachedDevice{dev: d.Device, fetched: d.FetchedAt, msg: d.msg}
	}
	if d := f.byID[focusID]; d != nil && d.History != nil {
		keys := d.History.Keys()
		slices.Sort(keys)
		for _, k := range keys {
			s.history = append(s.history, cachedSeries{key: k, pts: d.History.Series(k).Points(nil)})
		}
	}
	return s
}

// Devices is how many devices the snapshot holds.
func (s *CacheSnapshot) Devices() int { return len(s.devices) }

// Save encodes the snapshot and replaces the file at path atomically: a
// crash leaves the old cache or the new one, never half of one.
func (s *CacheSnapshot) Save(path string) error {
	return writeFileAtomic(path, s.encode)
}

// RestoreCache fills the fleet from the cache at path: the device list,
// every device's latest message with the time it was read (so ages are
// right), and the focused device's history; the fleet is marked cached.
// It returns the device that was focused and false when there is no
// usable cache. Values out of range are dropped with a debug line on log
// (nil: no log); a damaged file is ignored.
func (f *Fleet) RestoreCache(path string, log *slog.Logger) (focus string, ok bool) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := f.readCache(path, log)
	if err != nil {
		log.Debug("offline cache ignored", "path", path, "err", err)
		return "", false
	}
	if len(c.devices) == 0 {
		return "", false
	}
	list := make([]api.Device, len(c.devices))
	for i := range c.devices {
		list[i] = c.devices[i].dev
	}
	f.SetDevices(list, c.savedAt)
	for i := range c.devices {
		cd := &c.devices[i]
		d := f.byID[cd.dev.DeviceID]
		if d == nil || !cd.msg.has() {
			continue
		}
		d.msg, d.FetchedAt = cd.msg, cd.fetched
	}
	if d := f.byID[c.focus]; d != nil {
		f.Track(c.focus)
		if len(c.history) > 0 {
			d.History = NewHistory(f.HistoryCap)
			for _, s := range c.history {
				d.History.restore(s.key, s.pts)
			}
		}
	} else {
		c.focus = ""
	}
	f.CachedAt = c.savedAt
	return c.focus, true
}

func (s *CacheSnapshot) encode(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	e := cacheEncoder{w: bufio.NewWriterSize(zw, 64<<10)}
	e.w.WriteString(cacheMagic)
	e.uvarint(cacheVersion)
	e.varint(unixNano(s.savedAt))
	e.str(s.focus)
	e.uvarint(uint64(len(s.keys)))
	for _, k := range s.keys {
		e.str(k)
	}
	e.uvarint(uint64(len(s.devices)))
	for i := range s.devices {
		d := &s.devices[i]
		js, err := d.dev.MarshalJSON()
		if err != nil {
			return fmt.Errorf("device %s: %w", d.dev.DeviceID, err)
		}
		e.str(string(js))
		e.varint(unixNano(d.fetched))
		e.str(d.msg.packed)
		if d.msg.has() {
			e.float(d.msg.ts)
			e.varint(int64(d.msg.worst))
			e.str(d.msg.reason)
		}
	}
	e.uvarint(uint64(len(s.history)))
	for _, h := range s.history {
		e.str(h.key)
		e.uvarint(uint64(len(h.pts)))
		for _, p := range h.pts {
			e.float(p.TS)
			e.float(p.Value)
		}
	}
	if err := e.w.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

type cacheEncoder struct {
	w   *bufio.Writer
	tmp [binary.MaxVarintLen64]byte
}

func (e *cacheEncoder) uvarint(v uint64) { e.w.Write(binary.AppendUvarint(e.tmp[:0], v)) }
func (e *cacheEncoder) varint(v int64)   { e.w.Write(binary.AppendVarint(e.tmp[:0], v)) }
func (e *cacheEncoder) float(v float64) {
	e.w.Write(binary.LittleEndian.AppendUint64(e.tmp[:0], math.Float64bits(v)))
}
func (e *cacheEncoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.w.WriteString(s)
}

// writeFileAtomic writes a file in the state directory through a
// temporary one renamed over it, private to the user.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	sweepTemps(dir, time.Now())
	tmp, err := os.CreateTemp(dir, ".tmp-cache-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
