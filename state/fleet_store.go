package state

import (
	"context"
	"strconv"
	"strings"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// The fleet in the database: the devices as last listed, each with what
// the list shows of its latest message (its time, worst event, reason),
// so that a console started without a network shows what it last knew,
// with its age. A message itself is read from the database only when a
// device is opened.

// Names of the settings the fleet keeps in the database.
const (
	settingFocus  = "focus"  // the device open when the console closed
	settingListed = "listed" // when the device list was last read, Unix ms
)

// StoredFleet is what the database held of the fleet, decoded away from
// the engine's lock; Fleet.Restore takes it in.
type StoredFleet struct {
	// devices are allocated slabChunk at a time: a start makes 50,000,
	// and a slice grown by append would copy them all over again
	devices []*Device
	slab    []Device
	// At is when the newest of it was read (the list or a message).
	At time.Time
	// Focus is the device open when the console that kept it closed.
	Focus string
}

// Len is how many devices were kept.
func (s *StoredFleet) Len() int { return len(s.devices) }

// LoadFleet reads the fleet the database keeps: every listed device with
// the summary of its latest message, no message decoded. A device whose
// kept object cannot be read is left out.
func LoadFleet(ctx context.Context, db store.Store) (*StoredFleet, error) {
	sf := &StoredFleet{}
	err := db.Restore(ctx, func(l store.Latest) error {
		if l.Device == nil {
			return nil // a message of a device never listed
		}
		if len(sf.slab) == cap(sf.slab) {
			sf.slab = make([]Device, 0, slabChunk)
		}
		sf.slab = sf.slab[:len(sf.slab)+1]
		d := &sf.slab[len(sf.slab)-1]
		if err := d.Device.UnmarshalJSON(l.Device); err != nil || d.DeviceID == "" || d.DeviceID != l.ID {
			sf.slab, *d = sf.slab[:len(sf.slab)-1], Device{}
			return nil
		}
		sf.devices = append(sf.devices, d)
		if l.TS.IsZero() {
			return nil
		}
		worst, reason, ok := decodeSummary(l.Summary)
		if !ok {
			return nil
		}
		d.msg = latest{stored: true, ts: float64(l.TS.UnixMilli()) / 1000, worst: worst, reason: cut(reason, reasonMax)}
		d.FetchedAt = l.Fetched
		if l.Fetched.After(sf.At) {
			sf.At = l.Fetched
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sf.slab = nil
	if v, ok, err := db.Setting(ctx, settingListed); err == nil && ok {
		if t := fromMillis(string(v)); t.After(sf.At) {
			sf.At = t
		}
	}
	if v, ok, err := db.Setting(ctx, settingFocus); err == nil && ok {
		sf.Focus = string(v)
	}
	return sf, nil
}

const slabChunk = 4096

func fromMillis(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Restore takes in what the database kept. An empty fleet becomes the
// kept one, marked cached (CachedAt), and true is returned; a fleet
// listed already only gains the kept latest state of its devices that
// have none yet.
func (f *Fleet) Restore(sf *StoredFleet) bool {
	if f.Len() > 0 {
		for _, kept := range sf.devices {
			if d := f.byID[kept.DeviceID]; d != nil && !d.msg.has() && kept.msg.has() {
				d.msg, d.FetchedAt = kept.msg, kept.FetchedAt
			}
		}
		return false
	}
	if len(sf.devices) == 0 {
		return false
	}
	f.devices = make([]*Device, 0, len(sf.devices))
	f.byID = make(map[string]*Device, len(sf.devices))
	for _, d := range sf.devices {
		if f.byID[d.DeviceID] != nil {
			continue
		}
		d.keys = f.keys
		d.search = strings.ToLower(d.DeviceID + "\x00" + d.Name + "\x00" + d.GroupName + "\x00" + d.Model)
		f.devices = append(f.devices, d)
		f.byID[d.DeviceID] = d
	}
	sf.devices = nil // the fleet's now
	f.ListedAt, f.CachedAt = sf.At, sf.At
	if f.CachedAt.IsZero() {
		f.CachedAt = time.Unix(0, 0).UTC()
	}
	return true
}

// WantStored are the tracked devices whose latest message and history
// are to be read from the database, each once a session: the ones the
// user opened. Marks them asked.
func (f *Fleet) WantStored() []string {
	var out []string
	for _, id := range f.tracked {
		if f.askedStore[id] || f.byID[id] == nil {
			continue
		}
		if f.askedStore == nil {
			f.askedStore = map[string]bool{}
		}
		f.askedStore[id] = true
		out = append(out, id)
	}
	return out
}

// FillStored folds in what the database kept of a device (newest first):
// its latest message when the fleet holds only its summary, and for a
// tracked device with no history yet the history. The time data last
// arrived is not moved: the age shown stays the age of what was kept.
func (f *Fleet) FillStored(id string, msgs []api.DataMessage) {
	d := f.byID[id]
	if d == nil || len(msgs) == 0 {
		return
	}
	tracked := f.isTracked(id)
	if tracked && d.History == nil {
		d.History = NewHistory(f.HistoryCap)
		for i := len(msgs) - 1; i >= 0; i-- {
			d.History.Add(&msgs[i])
		}
	}
	newest := &msgs[0]
	// the database keeps times to the millisecond
	if d.msg.packed != "" || newest.TS < d.msg.ts-0.001 {
		return
	}
	d.msg = f.pack.pack(f.keys, newest)
	if tracked {
		latest := *newest
		d.Latest = &latest
	}
}

// StoredDevice is a device as the database keeps it: the server's object.
func StoredDevice(d *api.Device) (store.Device, error) {
	js, err := d.MarshalJSON()
	return store.Device{ID: d.DeviceID, JSON: js}, err
}

// StoredMessage is a message as the database keeps it: packed as the
// fleet packs its latest messages but with every key inline, so that it
// reads back without the fleet's key table (a third of its JSON's size
// for a QUAD-C2 message with CAN frames: the syntax out, the frames as
// binary, and written back exactly as the server sent it, less spaces),
// and the summary a start shows without decoding it.
func StoredMessage(deviceID string, m *api.DataMessage, fetched time.Time) (store.Message, error) {
	var p packer
	js := p.appendPacked(nil, nil, m)
	worst, reason := worstOf(m)
	// the database keeps milliseconds: 1764071583.3 is .299999 in binary
	return store.Message{DeviceID: deviceID, TS: m.Time().Round(time.Millisecond), Fetched: fetched, JSON: js, Summary: encodeSummary(worst, reason)}, nil
}

// StoreFocus keeps the device a console has open, for the next to open on.
func StoreFocus(ctx context.Context, db store.Store, id string) error {
	return db.SetSetting(ctx, settingFocus, []byte(id))
}

// StoreListed keeps when the device list was last read.
func StoreListed(ctx context.Context, db store.Store, at time.Time) error {
	return db.SetSetting(ctx, settingListed, []byte(strconv.FormatInt(at.UnixMilli(), 10)))
}

// DecodeStored decodes a message as the database keeps it: packed
// (StoredMessage), or JSON (imported from an old cache file).
func DecodeStored(b []byte) (*api.DataMessage, error) {
	if len(b) > 0 && b[0] == packFormat {
		return unpack(string(b), nil)
	}
	m := &api.DataMessage{}
	if err := m.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return m, nil
}
