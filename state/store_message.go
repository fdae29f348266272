package state

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"sqc/api"
)

// A decoded QUAD-C2 message with its CAN frames costs ~8 KB on the heap,
// and a console of 50,000 devices holds one for each. So a device's latest
// message is kept packed: the message's compact JSON with the syntax taken
// out (keys interned, CAN frames as binary), plus the few facts the list
// needs. It is decoded again only when a pane shows it.

// maxInterned bounds the key table: keys are server data, and a hostile
// server could send a new key in every message. Past it, keys are inline.
const maxInterned = 4096

// keyTable interns the keys of data messages. It only grows: a snapshot
// keeps the slice it saw and reads it from another goroutine while the
// fleet appends.
type keyTable struct {
	names []string
	index map[string]uint32
}

func newKeyTable() *keyTable { return &keyTable{index: map[string]uint32{}} }

// ref returns a key's interned number, adding it when there is room. A
// nil table interns nothing: every key is inline (a message packed to be
// read without the fleet's table, as the database keeps it).
func (t *keyTable) ref(k string) (uint32, bool) {
	if t == nil {
		return 0, false
	}
	if i, ok := t.index[k]; ok {
		return i, true
	}
	if len(t.names) >= maxInterned {
		return 0, false
	}
	i := uint32(len(t.names))
	t.names = append(t.names, k)
	t.index[k] = i
	return i, true
}

// Value tags of a packed field.
const (
	tagRaw          byte = iota // uvarint length, then the value's compact JSON
	tagCAN                      // uvarint count, then per frame: id (4 bytes LE), data length, data bytes
	tagCANDataFirst             // the same, for frames the server wrote {"data":…,"id":…}
)

// latest is a device's latest message, packed, with what the list reads
// of it without decoding.
type latest struct {
	packed string  // immutable, so snapshots share it; "" for no message
	ts     float64 // Unix seconds
	worst  int     // highest event level; noEvents when it has none
	reason string  // the worst event, "topic: msg", cut to reasonMax
	// stored: the message itself is in the database, not here (a fleet
	// restored from it); what the list shows of it is above.
	stored bool
}

const (
	// packFormat starts every packed message, so one with no keys still
	// has a byte and a cache file of another format is refused.
	packFormat = 1
	noEvents   = -1 << 31
	reasonMax  = 200
	// Levels beyond these are a broken message, not a worse alarm.
	minLevel = -1 << 20
	maxLevel = 1 << 20
)

func (l *latest) has() bool { return l.packed != "" || l.stored }

// packer reuses its buffers from one message to the next.
type packer struct {
	buf, can, compact []byte
}

// pack encodes a message against the fleet's key table.
func (p *packer) pack(t *keyTable, m *api.DataMessage) latest {
	p.buf = p.appendPacked(p.buf[:0], t, m)
	l := latest{packed: string(p.buf), ts: m.TS}
	l.worst, l.reason = worstOf(m)
	return l
}

// appendPacked appends a message packed against t (nil: keys inline).
func (p *packer) appendPacked(b []byte, t *keyTable, m *api.DataMessage) []byte {
	b = append(b, packFormat)
	for i := range m.Fields {
		f := &m.Fields[i]
		if k, ok := t.ref(f.Key); ok {
			b = binary.AppendUvarint(b, uint64(k)<<1)
		} else {
			b = binary.AppendUvarint(b, uint64(len(f.Key))<<1|1)
			b = append(b, f.Key...)
		}
		var frames []api.CANFrame
		switch f.Key {
		case "can1":
			frames = m.CAN1
		case "can2":
			frames = m.CAN2
		}
		if tag, ok := p.canonicalCAN(frames, f.Raw); frames != nil && ok {
			b = append(b, tag)
			b = binary.AppendUvarint(b, uint64(len(frames)))
			for _, fr := range frames {
				b = binary.LittleEndian.AppendUint32(b, fr.ID)
				b = append(b, byte(len(fr.Data)/2))
				b, _ = hex.AppendDecode(b, []byte(fr.Data))
			}
			continue
		}
		raw := p.compactRaw(f.Raw)
		b = append(b, tagRaw)
		b = binary.AppendUvarint(b, uint64(len(raw)))
		b = append(b, raw...)
	}
	return b
}

// worstOf is a message's highest event level (noEvents when it has none)
// and that event as "topic: msg", cut to reasonMax.
func worstOf(m *api.DataMessage) (worst int, reason string) {
	worst = noEvents
	for _, e := range m.Events {
		if lv := max(minLevel, min(maxLevel, e.Level)); lv > worst {
			worst, reason = lv, e.Topic+": "+e.Msg
		}
	}
	if len(reason) > reasonMax {
		// A copy, so that a huge event text is not kept alive behind it.
		reason = strings.Clone(cut(reason, reasonMax))
	}
	return worst, reason
}

// compactRaw removes the whitespace of an object or array value; scalars
// come from the decoder as their exact span, with none to remove. The
// value was validated by the decoder, so only strings need care here.
func (p *packer) compactRaw(raw []byte) []byte {
	if len(raw) == 0 || raw[0] != '{' && raw[0] != '[' {
		return raw
	}
	out := p.compact[:0]
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case inString:
			inString = escaped || c != '"'
			escaped = !escaped && c == '\\'
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == '"':
			inString = true
		}
		out = append(out, c)
	}
	p.compact = out
	return out
}

// canonicalCAN reports whether frames written back as JSON give exactly
// the value the server sent (less whitespace), so they can be kept as
// binary without losing anything: upper-case hex of whole bytes, the two
// keys in either order (servers differ), nothing else. The tag says which
// order.
func (p *packer) canonicalCAN(frames []api.CANFrame, raw []byte) (byte, bool) {
	if frames == nil {
		return 0, false
	}
	for _, fr := range frames {
		if len(fr.Data)%2 != 0 || len(fr.Data) > 2*255 || !upperHex(fr.Data) {
			return 0, false
		}
	}
	compact := p.compactRaw(raw)
	for _, tag := range []byte{tagCAN, tagCANDataFirst} {
		p.can = appendCANJSON(p.can[:0], frames, tag == tagCANDataFirst)
		if bytes.Equal(p.can, compact) {
			return tag, true
		}
	}
	return 0, false
}

func upperHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func appendCANJSON(b []byte, frames []api.CANFrame, dataFirst bool) []byte {
	b = append(b, '[')
	for i, fr := range frames {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFrame(b, fr.ID, fr.Data, dataFirst)
	}
	return append(b, ']')
}

// appendFrame writes one frame as JSON, its hex as given.
func appendFrame(b []byte, id uint32, hexData string, dataFirst bool) []byte {
	if dataFirst {
		b = append(b, `{"data":"`...)
		b = append(b, hexData...)
		b = append(b, `","id":`...)
		b = strconv.AppendUint(b, uint64(id), 10)
		return append(b, '}')
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, uint64(id), 10)
	b = append(b, `,"data":"`...)
	b = append(b, hexData...)
	return append(b, `"}`...)
}

// cut shortens s to at most n bytes without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var errPacked = errors.New("packed message is damaged")

// packedReader walks a packed message; every read is bounds-checked, since
// a packed message may come from a cache file on disk.
type packedReader struct {
	p   string
	i   int
	err error
}

func (r *packedReader) uvarint() uint64 {
	var x uint64
	for s := uint(0); s < 64 && r.i < len(r.p); s += 7 {
		c := r.p[r.i]
		r.i++
		x |= uint64(c&0x7f) << s
		if c < 0x80 {
			return x
		}
	}
	r.err = errPacked
	return 0
}

func (r *packedReader) byte() byte {
	if s := r.take(1); s != "" {
		return s[0]
	}
	return 0
}

func (r *packedReader) u32() uint32 {
	if s := r.take(4); s != "" {
		return binary.LittleEndian.Uint32([]byte(s))
	}
	return 0
}

func (r *packedReader) take(n uint64) string {
	if r.err != nil || n > uint64(len(r.p)-r.i) {
		r.err = errPacked
		return ""
	}
	s := r.p[r.i : r.i+int(n)]
	r.i += int(n)
	return s
}

// packedField is one field as the walk meets it.
type packedField struct {
	key string
	// tag says what val holds: tagRaw the value's JSON, tagCAN the frames'
	// bytes (count of them in frames).
	tag    byte
	val    string
	frames int
}

// walkPacked calls fn for each field in order, with keys resolved against
// names. Anything out of bounds is an error, not a panic.
func walkPacked(p string, names []string, fn func(f packedField) error) error {
	if p == "" || p[0] != packFormat {
		return errPacked
	}
	r := packedReader{p: p, i: 1}
	for r.i < len(r.p) {
		var f packedField
		k := r.uvarint()
		switch {
		case k&1 == 1:
			f.key = r.take(k >> 1)
		case k>>1 < uint64(len(names)):
			f.key = names[k>>1]
		default:
			return errPacked
		}
		tag := r.take(1)
		if r.err != nil {
			return r.err
		}
		f.tag = tag[0]
		switch f.tag {
		case tagRaw:
			f.val = r.take(r.uvarint())
		case tagCAN, tagCANDataFirst:
			n := r.uvarint()
			start := r.i
			for j := uint64(0); j < n && r.err == nil; j++ {
				r.u32()
				r.take(uint64(r.byte()))
			}
			f.val, f.frames = r.p[start:r.i], int(n)
		default:
			return errPacked
		}
		if r.err != nil {
			return r.err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// appendJSON writes a packed message back as the compact JSON it came from.
func appendJSON(b []byte, p string, names []string) ([]byte, error) {
	b = append(b, '{')
	first := true
	err := walkPacked(p, names, func(f packedField) error {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, f.key)
		b = append(b, ':')
		if f.tag == tagRaw {
			b = append(b, f.val...)
			return nil
		}
		b = append(b, '[')
		r := packedReader{p: f.val}
		for j := 0; j < f.frames; j++ {
			if j > 0 {
				b = append(b, ',')
			}
			id := r.u32()
			data := r.take(uint64(r.byte()))
			b = appendFrame(b, id, string(appendUpperHex(nil, data)), f.tag == tagCANDataFirst)
		}
		b = append(b, ']')
		return r.err
	})
	return append(b, '}'), err
}

func appendUpperHex(b []byte, data string) []byte {
	const digits = "0123456789ABCDEF"
	for i := 0; i < len(data); i++ {
		b = append(b, digits[data[i]>>4], digits[data[i]&0xf])
	}
	return b
}

// appendJSONString quotes a key the way JSON needs: the key came out of a
// JSON string, so only quotes, backslashes and control bytes need escapes.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// unpack decodes a packed message with the API's own decoder, so that its
// events, CAN frames and problems are what a fresh read would give.
func unpack(p string, names []string) (*api.DataMessage, error) {
	b, err := appendJSON(nil, p, names)
	if err != nil {
		return nil, err
	}
	m := &api.DataMessage{}
	if err := m.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return m, nil
}

// repack moves a packed message from another key table (a cache file's)
// to t, checking its structure on the way.
func (p *packer) repack(t *keyTable, src string, names []string) (string, error) {
	b := append(p.buf[:0], packFormat)
	err := walkPacked(src, names, func(f packedField) error {
		if k, ok := t.ref(f.key); ok {
			b = binary.AppendUvarint(b, uint64(k)<<1)
		} else {
			b = binary.AppendUvarint(b, uint64(len(f.key))<<1|1)
			b = append(b, f.key...)
		}
		b = append(b, f.tag)
		if f.tag != tagRaw {
			b = binary.AppendUvarint(b, uint64(f.frames))
		} else {
			b = binary.AppendUvarint(b, uint64(len(f.val)))
		}
		b = append(b, f.val...)
		return nil
	})
	p.buf = b
	if err != nil {
		return "", err
	}
	return string(b), nil
}
