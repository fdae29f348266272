package state

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	"sqc/api"
)

// The cache file is gzip (fastest level) around a binary stream of
// uvarint-prefixed records; the messages are written packed, as they are
// held, with the key table they refer to. At 50,000 devices JSON would be
// ~140 MB to write every minute; this is a fraction of that, and reading
// it back needs no JSON decoding of messages. gzip's checksum makes a
// damaged file fail as a whole.
//
//	magic, version, savedAt (Unix ns), focus
//	keys:    count, then each key
//	devices: count, then each: device JSON, fetchedAt (Unix ns, 0 none),
//	         packed message ("" none), and with a message its ts (float64
//	         bits), worst level (varint) and reason
//	history: count of series, then each: key, count, (ts, value) pairs

const (
	cacheMagic   = "sqc offline cache\n"
	cacheVersion = 2
)

// Bounds that a file must respect before anything is allocated for it.
const (
	maxCacheBytes   = 2 << 30
	maxCacheDevices = 1 << 21
	maxCacheString  = 1 << 20
	maxCachePacked  = 64 << 20
	maxCacheSeries  = 1 << 16
	maxCachePoints  = 1 << 20
)

// Times outside these are a damaged value, not a device's clock.
var minPlausible = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const maxAhead = 366 * 24 * time.Hour

var errCacheDamaged = errors.New("damaged")

// cacheDecoder reads the stream; the first error sticks and every later
// read returns zero values, so the caller checks once at the end.
type cacheDecoder struct {
	r   *bufio.Reader
	err error
	buf []byte
}

func (d *cacheDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", errCacheDamaged, what)
	}
}

func (d *cacheDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(d.r)
	if err != nil {
		d.fail("truncated")
	}
	return v
}

func (d *cacheDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(d.r)
	if err != nil {
		d.fail("truncated")
	}
	return v
}

func (d *cacheDecoder) count(limit int, what string) int {
	n := d.uvarint()
	if n > uint64(limit) {
		d.fail(what + " count out of range")
		return 0
	}
	return int(n)
}

func (d *cacheDecoder) float() float64 {
	var b [8]byte
	if d.err != nil {
		return 0
	}
	if _, err := io.ReadFull(d.r, b[:]); err != nil {
		d.fail("truncated")
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
}

// bytes reads a length-prefixed string into a scratch buffer that the
// next read reuses.
func (d *cacheDecoder) bytes(limit int, what string) []byte {
	n := d.count(limit, what+" length")
	if d.err != nil {
		return nil
	}
	if cap(d.buf) < n {
		d.buf = make([]byte, n)
	}
	d.buf = d.buf[:n]
	if _, err := io.ReadFull(d.r, d.buf); err != nil {
		d.fail("truncated")
		return nil
	}
	return d.buf
}

func (d *cacheDecoder) str(limit int, what string) string { return string(d.bytes(limit, what)) }

// readCache reads a cache file into a snapshot whose messages are packed
// against the fleet's key table, and drops what is out of range.
func (f *Fleet) readCache(path string, log *slog.Logger) (*CacheSnapshot, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	br := bufio.NewReaderSize(file, 64<<10)
	head, _ := br.Peek(1)
	var s *CacheSnapshot
	if len(head) == 1 && head[0] == '{' {
		s, err = f.readLegacyCache(br)
	} else {
		s, err = f.readBinaryCache(br)
	}
	if err != nil {
		return nil, err
	}
	if s.savedAt.Before(minPlausible) || s.savedAt.Year() >= 2200 {
		return nil, fmt.Errorf("%w: saved at %v", errCacheDamaged, s.savedAt)
	}
	v := validator{log: log, savedAt: s.savedAt}
	v.check(s)
	v.done()
	return s, nil
}

func (f *Fleet) readBinaryCache(r io.Reader) (*CacheSnapshot, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCacheDamaged, err)
	}
	d := cacheDecoder{r: bufio.NewReaderSize(io.LimitReader(zr, maxCacheBytes), 64<<10)}
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(d.r, magic); err != nil || string(magic) != cacheMagic {
		return nil, fmt.Errorf("%w: not a cache file", errCacheDamaged)
	}
	if v := d.uvarint(); v != cacheVersion {
		return nil, fmt.Errorf("%w: format %d, not %d", errCacheDamaged, v, cacheVersion)
	}
	s := &CacheSnapshot{savedAt: time.Unix(0, d.varint()).UTC()}
	s.focus = d.str(maxCacheString, "focus")
	names := make([]string, d.count(maxInterned, "key"))
	for i := range names {
		names[i] = d.str(maxCacheString, "key")
	}
	s.devices = make([]cachedDevice, d.count(maxCacheDevices, "device"))
	for i := range s.devices {
		cd := &s.devices[i]
		if err := cd.dev.UnmarshalJSON(d.bytes(maxCacheString, "device")); err != nil && d.err == nil {
			d.fail("device: " + err.Error())
		}
		if ns := d.varint(); ns != 0 {
			cd.fetched = time.Unix(0, ns).UTC()
		}
		if packed := d.bytes(maxCachePacked, "message"); len(packed) > 0 {
			cd.msg.packed, err = f.pack.repack(f.keys, string(packed), names)
			if err != nil {
				d.fail("message of " + cd.dev.DeviceID)
			}
			cd.msg.ts = d.float()
			cd.msg.worst = int(max(math.MinInt32, min(math.MaxInt32, d.varint())))
			cd.msg.reason = d.str(maxCacheString, "reason")
		}
	}
	s.history = make([]cachedSeries, d.count(maxCacheSeries, "series"))
	for i := range s.history {
		h := &s.history[i]
		h.key = d.str(maxCacheString, "series key")
		h.pts = make([]Point, d.count(maxCachePoints, "point"))
		for j := range h.pts {
			h.pts[j] = Point{TS: d.float(), Value: d.float()}
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	// Reading to the end makes gzip check its checksum: a file damaged in
	// the middle fails here rather than loading garbage.
	switch _, err := d.r.ReadByte(); {
	case err == nil:
		return nil, fmt.Errorf("%w: data after the end", errCacheDamaged)
	case err != io.EOF:
		return nil, fmt.Errorf("%w: %v", errCacheDamaged, err)
	}
	return s, nil
}

// readLegacyCache reads the JSON cache of earlier versions: the list and
// up to 200 latest messages, all read when it was saved.
func (f *Fleet) readLegacyCache(r io.Reader) (*CacheSnapshot, error) {
	var c struct {
		SavedAt time.Time                  `json:"savedAt"`
		Devices []api.Device               `json:"devices"`
		Latest  map[string]api.DataMessage `json:"latest"`
	}
	if err := json.NewDecoder(io.LimitReader(r, maxCacheBytes)).Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", errCacheDamaged, err)
	}
	s := &CacheSnapshot{savedAt: c.SavedAt.UTC(), devices: make([]cachedDevice, len(c.Devices))}
	for i, dev := range c.Devices {
		s.devices[i].dev = dev
		if m, ok := c.Latest[dev.DeviceID]; ok {
			s.devices[i].msg, s.devices[i].fetched = f.pack.pack(f.keys, &m), s.savedAt
		}
	}
	return s, nil
}

// validator drops the values of a cache that cannot be right: times that
// are not finite or far from when the cache was saved, negative counts,
// event levels beyond any scale. Each drop is a debug line, the first
// twenty of them at least.
type validator struct {
	log     *slog.Logger
	savedAt time.Time
	dropped int
}

const maxDropLines = 20

func (v *validator) drop(id, what string, value any) {
	v.dropped++
	if v.dropped <= maxDropLines {
		v.log.Debug("offline cache: value out of range dropped", "device", id, "field", what, "value", value)
	}
}

func (v *validator) done() {
	if v.dropped > maxDropLines {
		v.log.Debug("offline cache: more values out of range dropped", "count", v.dropped-maxDropLines)
	}
}

func (v *validator) plausible(t time.Time) bool {
	return !t.Before(minPlausible) && !t.After(v.savedAt.Add(maxAhead))
}

func (v *validator) seconds(ts float64) bool {
	return !math.IsNaN(ts) && !math.IsInf(ts, 0) && ts > 0 && ts < 1e11 && v.plausible(tsTime(ts))
}

func (v *validator) check(s *CacheSnapshot) {
	kept := s.devices[:0]
	seen := make(map[string]bool, len(s.devices))
	for _, cd := range s.devices {
		dev := &cd.dev
		if dev.DeviceID == "" || len(dev.DeviceID) > 64 || seen[dev.DeviceID] {
			v.drop(dev.DeviceID, "deviceid", dev.DeviceID)
			continue
		}
		seen[dev.DeviceID] = true
		if ls := dev.LastSeen; ls != nil && *ls != 0 && !v.seconds(*ls) {
			v.drop(dev.DeviceID, "lastSeen", *ls)
			dev.LastSeen, dev.Raw = nil, nil // Raw would bring it back on the next save
		}
		if r := dev.Remaining; r != nil && (*r < 0 || *r > 1_000_000) {
			v.drop(dev.DeviceID, "apiRequestsRemaining", *r)
			dev.Remaining, dev.Raw = nil, nil
		}
		if cd.msg.has() {
			switch {
			case cd.fetched.IsZero() || cd.fetched.Before(minPlausible) || cd.fetched.After(s.savedAt.Add(time.Minute)):
				v.drop(dev.DeviceID, "fetchedAt", cd.fetched)
			case !v.seconds(cd.msg.ts):
				v.drop(dev.DeviceID, "ts", cd.msg.ts)
			case cd.msg.worst != noEvents && (cd.msg.worst < minLevel || cd.msg.worst > maxLevel):
				v.drop(dev.DeviceID, "lv", cd.msg.worst)
			case len(cd.msg.reason) > reasonMax:
				v.drop(dev.DeviceID, "reason", len(cd.msg.reason))
			default:
				kept = append(kept, cd)
				continue
			}
			cd.msg, cd.fetched = latest{}, time.Time{}
		} else {
			cd.fetched = time.Time{}
		}
		kept = append(kept, cd)
	}
	s.devices = kept
	for i := range s.history {
		h := &s.history[i]
		pts, last := h.pts[:0], 0.0
		for _, p := range h.pts {
			if !v.seconds(p.TS) || p.TS <= last || math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				v.drop(s.focus, "history "+h.key, p)
				continue
			}
			pts, last = append(pts, p), p.TS
		}
		h.pts = pts
	}
}

// staleTemp is the age past which a temporary cache file is left over
// from a process that was stopped in the middle of its write (a signal's
// bounded exit, a power cut): no save takes that long, so a younger one
// may be another console's write under way.
const staleTemp = 10 * time.Minute

// sweepTemps removes temporary cache files left over by stopped processes,
// each a few MB at a large fleet, which nothing else would ever remove.
func sweepTemps(dir string, now time.Time) {
	names, _ := filepath.Glob(filepath.Join(dir, ".tmp-cache-*"))
	for _, n := range names {
		if fi, err := os.Lstat(n); err == nil && fi.Mode().IsRegular() && now.Sub(fi.ModTime()) > staleTemp {
			os.Remove(n)
		}
	}
}
