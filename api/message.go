package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
)

// Kind is the JSON type of a field's value.
type Kind uint8

const (
	KindNull Kind = iota
	KindNumber
	KindString
	KindBool
	KindArray
	KindObject
)

// Field is one key of a data message, in the order the server sent it, with
// its exact bytes so that re-encoding loses nothing. Key is cleaned for
// display (Clean); the message keeps the server's own key, when it
// differs, for re-encoding.
type Field struct {
	Key  string
	Raw  json.RawMessage
	Kind Kind
	Num  float64 // when Kind is KindNumber
}

// keyNote keeps the server's key of field i where Clean changed it. Keys
// that need cleaning are rare, so they are noted aside rather than
// making every field of every message bigger.
type keyNote struct {
	i   int
	raw string
}

// serverKey is field i's key as the server sent it.
func serverKey(notes []keyNote, i int, f Field) string {
	for _, n := range notes {
		if n.i == i {
			return n.raw
		}
	}
	return f.Key
}

// Event is one entry of a message's "events" array. Topic and Msg are
// cleaned; Level is clamped to ±MaxLevel.
type Event struct {
	Topic string `json:"topic"`
	Msg   string `json:"msg"`
	Level int    `json:"lv"`
}

// Event classes Senquip names. The numeric mapping is not published; we
// infer it from the one level seen in the wild (30, shown as a warning).
const (
	ClassInfo    = "info"
	ClassAlert   = "alert"
	ClassWarning = "warning"
	ClassAlarm   = "alarm"
)

// Class is the event class inferred from the level: <20 info, <30 alert,
// <40 warning, otherwise alarm.
func (e Event) Class() string { return LevelClass(e.Level) }

// LevelClass maps a numeric event level to the class we infer for it.
func LevelClass(lv int) string {
	switch {
	case lv < 20:
		return ClassInfo
	case lv < 30:
		return ClassAlert
	case lv < 40:
		return ClassWarning
	default:
		return ClassAlarm
	}
}

// CANFrame is one frame of a can1/can2 array: a 29-bit identifier and hex
// bytes (cleaned). BadID marks an id that was missing, not a whole number
// or wider than 29 bits; ID is then 0 and the raw frame is still in Fields.
type CANFrame struct {
	ID    uint32 `json:"id"`
	BadID bool   `json:"-"` // next to ID: the frame stays 24 bytes
	Data  string `json:"data"`
}

// MaxCANID is the largest 29-bit (extended) CAN identifier.
const MaxCANID = 1<<29 - 1

// PGN is the J1939 parameter group number carried in a 29-bit identifier.
func (f CANFrame) PGN() uint32 {
	pf := (f.ID >> 16) & 0xFF
	pgn := (f.ID >> 8) & 0x3FF00
	if pf >= 240 {
		pgn |= (f.ID >> 8) & 0xFF
	}
	return pgn
}

// DataMessage is one measurement message of a device. The documented keys
// are typed; every key, documented or not, stays in Fields in server order.
type DataMessage struct {
	DeviceID string
	TS       float64 // Unix seconds from "ts", or "time" when there is no "ts"
	Events   []Event
	CAN1     []CANFrame
	CAN2     []CANFrame
	Fields   []Field
	rawKeys  []keyNote
	// Problems lists documented keys whose value had an unexpected type or
	// was out of range (a ts beyond the year 9999, a CAN id over 29 bits),
	// each once; the raw value is still in Fields.
	Problems []string
}

// Time is the message's timestamp, zero when it has none we can believe.
func (m *DataMessage) Time() time.Time { return unixTime(m.TS) }

func (m *DataMessage) problem(key string) {
	for _, p := range m.Problems {
		if p == key {
			return
		}
	}
	m.Problems = append(m.Problems, key)
}

// Get returns a field by key.
func (m *DataMessage) Get(key string) (Field, bool) {
	for _, f := range m.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// Number returns a numeric field's value.
func (m *DataMessage) Number(key string) (float64, bool) {
	f, ok := m.Get(key)
	if !ok || f.Kind != KindNumber {
		return 0, false
	}
	return f.Num, true
}

// Text returns a string field's value, cleaned for display (Clean).
func (m *DataMessage) Text(key string) (string, bool) {
	f, ok := m.Get(key)
	if !ok {
		return "", false
	}
	return f.Text()
}

// Text returns the field's value cleaned for display when it is a string.
func (f Field) Text() (string, bool) {
	if f.Kind != KindString {
		return "", false
	}
	s, err := unquoteValue(f.Raw)
	return Clean(s), err == nil
}

func newField(key string, raw []byte) (Field, error) {
	f := Field{Key: key, Raw: raw}
	switch c := raw[0]; {
	case c == '"':
		f.Kind = KindString
	case c == '{':
		f.Kind = KindObject
	case c == '[':
		f.Kind = KindArray
	case c == 't' || c == 'f':
		f.Kind = KindBool
	case c == 'n':
		f.Kind = KindNull
	default:
		n, err := strconv.ParseFloat(parseView(raw), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return f, fmt.Errorf("field %q: %w", key, err)
		}
		f.Kind, f.Num = KindNumber, n
	}
	return f, nil
}

// UnmarshalJSON decodes one message object.
func (m *DataMessage) UnmarshalJSON(b []byte) error {
	dec := getDecoder()
	defer dec.release()
	return whole(b, '{', "object", func(i int) (int, error) { return dec.message(b, i, 0, m) })
}

// decodeMessage decodes the message object at b[i] in one pass: every
// byte is validated once while the typed keys are extracted, and the
// message gets its own copy of its bytes.
func (dec *decoder) message(b []byte, i, depth int, m *DataMessage) (int, error) {
	*m = DataMessage{Fields: dec.fields[:0]}
	spans := dec.spans[:0]
	var timeField float64
	end, err := scanObject(b, i, depth+1, func(k []byte, slow bool, b []byte, vi, d int) (int, error) {
		ik, err := dec.keys.key(k, slow)
		if err != nil {
			return vi, err
		}
		key := ik.clean
		if ik.raw != "" {
			m.rawKeys = append(m.rawKeys, keyNote{len(m.Fields), ik.raw})
		}
		var ve int
		ok := true
		switch key {
		case "events":
			m.Events, ve, ok, err = scanEvents(b, vi, d)
		case "can1":
			m.CAN1, ve, ok, err = scanCAN(b, vi, d)
		case "can2":
			m.CAN2, ve, ok, err = scanCAN(b, vi, d)
		default:
			ve, err = scanValue(b, vi, d)
		}
		if err != nil {
			return ve, err
		}
		f, err := newField(key, b[vi:ve])
		if err != nil {
			return ve, err
		}
		switch key {
		case "deviceid":
			ok = f.Kind == KindString
			if ok {
				id, _ := unquoteValue(f.Raw)
				m.DeviceID = Clean(id)
			}
		case "ts":
			ok = f.Kind == KindNumber && ValidUnix(f.Num)
			if ok {
				m.TS = f.Num
			}
		case "time":
			ok = f.Kind == KindNumber && ValidUnix(f.Num)
			if ok {
				timeField = f.Num
			}
		}
		if !ok {
			m.problem(key)
		}
		m.Fields = append(m.Fields, f)
		spans = append(spans, [2]int{vi, ve})
		return ve, nil
	})
	dec.fields, dec.spans = m.Fields[:0], spans[:0] // reuse the scratch next time
	if err != nil {
		m.Fields = nil
		return end, err
	}
	// The message owns exactly its bytes and its fields, nothing more: a
	// console holds the latest message of thousands of devices.
	own := bytes.Clone(b[i:end])
	m.Fields = append(make([]Field, 0, len(m.Fields)), m.Fields...)
	for j, sp := range spans {
		m.Fields[j].Raw = own[sp[0]-i : sp[1]-i]
	}
	if m.TS == 0 {
		m.TS = timeField
	}
	return end, nil
}

// decoder carries what the messages of one body share: their key strings
// and the scratch space a message is decoded in before it gets its own.
type decoder struct {
	keys   interner
	fields []Field
	spans  [][2]int
}

func newDecoder() *decoder {
	return &decoder{keys: interner{}, fields: make([]Field, 0, 64), spans: make([][2]int, 0, 64)}
}

// decoders are kept between bodies: a console's first pass decodes a page
// of one message for each of tens of thousands of devices, and a decoder
// of its own for each (its scratch, and every key unquoted again) was the
// largest part of what a read allocated.
var decoders = sync.Pool{New: func() any { return newDecoder() }}

func getDecoder() *decoder { return decoders.Get().(*decoder) }

// release gives the decoder back, holding nothing of the body it read;
// one grown by an unusual message goes.
func (dec *decoder) release() {
	if cap(dec.fields) > 1024 || cap(dec.spans) > 1024 {
		return
	}
	clear(dec.fields[:cap(dec.fields)])
	decoders.Put(dec)
}

// scanEvents reads an "events" value. A value of another shape is still
// scanned (and kept raw); ok says whether it was a list of events.
func scanEvents(b []byte, i, depth int) ([]Event, int, bool, error) {
	if b[i] != '[' {
		end, err := scanValue(b, i, depth)
		return nil, end, false, err
	}
	var out []Event
	ok := true
	end, err := scanArray(b, i, depth+1, func(b []byte, i, depth int) (int, error) {
		if b[i] != '{' {
			ok = false
			return scanValue(b, i, depth)
		}
		var e Event
		end, err := scanObject(b, i, depth+1, rawMembers(func(k []byte, slow bool, v []byte) error {
			switch string(k) {
			case `"topic"`, `"msg"`:
				if !isJSONString(v) {
					ok = false
					return nil
				}
				s, err := unquoteValue(v)
				if string(k) == `"topic"` {
					e.Topic = CleanCut(s, MaxNameRunes)
				} else {
					e.Msg = CleanCut(s, MaxTextRunes)
				}
				return err
			case `"lv"`:
				n, isNum := parseNumber(v)
				if !isNum || n != math.Trunc(n) || math.Abs(n) > MaxLevel {
					ok = false
				}
				e.Level = ClampLevel(n)
			}
			return nil
		}))
		out = append(out, e)
		return end, err
	})
	return out, end, ok, err
}

// scanCAN reads a can1/can2 value: frames of {"id": number, "data": hex}.
func scanCAN(b []byte, i, depth int) ([]CANFrame, int, bool, error) {
	if b[i] != '[' {
		end, err := scanValue(b, i, depth)
		return nil, end, false, err
	}
	out := make([]CANFrame, 0, 16)
	ok := true
	end, err := scanArray(b, i, depth+1, func(b []byte, i, depth int) (int, error) {
		if b[i] != '{' {
			ok = false
			return scanValue(b, i, depth)
		}
		fr := CANFrame{BadID: true}
		end, err := scanObject(b, i, depth+1, rawMembers(func(k []byte, _ bool, v []byte) error {
			switch string(k) {
			case `"id"`:
				n, err := strconv.ParseUint(parseView(v), 10, 32)
				fr.BadID = err != nil || n > MaxCANID
				if !fr.BadID {
					fr.ID = uint32(n)
				}
			case `"data"`:
				if !isJSONString(v) {
					ok = false
					return nil
				}
				s, _ := unquoteValue(v)
				fr.Data = CleanCut(s, MaxTextRunes)
			}
			return nil
		}))
		ok = ok && !fr.BadID
		if fr.BadID {
			fr.ID = 0
		}
		out = append(out, fr)
		return end, err
	})
	return out, end, ok, err
}

// MarshalJSON writes every field back in its original order and bytes.
func (m DataMessage) MarshalJSON() ([]byte, error) {
	n := 2
	for _, f := range m.Fields {
		n += len(f.Key) + len(f.Raw) + 4
	}
	buf := make([]byte, 0, n)
	buf = append(buf, '{')
	for i, f := range m.Fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		k, err := json.Marshal(serverKey(m.rawKeys, i, f))
		if err != nil {
			return nil, err
		}
		buf = append(buf, k...)
		buf = append(buf, ':')
		buf = append(buf, f.Raw...)
	}
	return append(buf, '}'), nil
}

// DataPage is the body of Get Device Data: messages newest first, plus any
// envelope keys we do not know, kept in order. DeviceID is cleaned; the
// server's bytes are kept for re-encoding.
type DataPage struct {
	DeviceID string
	Data     []DataMessage
	Extra    []Field

	rawID   json.RawMessage
	rawKeys []keyNote // of Extra
}

// DecodeDataPage decodes a Get Device Data body.
func DecodeDataPage(body []byte) (*DataPage, error) {
	p := &DataPage{}
	dec := getDecoder()
	defer dec.release()
	err := whole(body, '{', "object", func(i int) (int, error) {
		return scanObject(body, i, 1, func(k []byte, slow bool, b []byte, vi, d int) (int, error) {
			key, err := unquote(k, slow)
			if err != nil {
				return vi, err
			}
			if key == "data" && b[vi] == '[' {
				return scanArray(b, vi, d+1, func(b []byte, i, depth int) (int, error) {
					if b[i] != '{' {
						return i, errAt(i, "data[%d] is not an object", len(p.Data))
					}
					p.Data = append(p.Data, DataMessage{})
					end, err := dec.message(b, i, depth, &p.Data[len(p.Data)-1])
					if err != nil {
						return end, fmt.Errorf("data[%d]: %w", len(p.Data)-1, err)
					}
					return end, nil
				})
			}
			ve, err := scanValue(b, vi, d)
			if err != nil {
				return ve, err
			}
			v := b[vi:ve]
			switch {
			case key == "deviceid" && isJSONString(v):
				id, err := unquoteValue(v)
				p.DeviceID = Clean(id)
				if p.DeviceID != id {
					p.rawID = bytes.Clone(v)
				}
				return ve, err
			case key == "data" && v[0] == 'n':
				return ve, nil
			case key == "data":
				return ve, errAt(vi, "data is not a list")
			}
			f, err := newField(key, bytes.Clone(v))
			if c := Clean(key); c != key {
				p.rawKeys = append(p.rawKeys, keyNote{len(p.Extra), key})
				f.Key = c
			}
			p.Extra = append(p.Extra, f)
			return ve, err
		})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// MarshalJSON writes the page back with nothing dropped.
func (p DataPage) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"deviceid":`)
	if len(p.rawID) > 0 {
		buf.Write(p.rawID)
	} else {
		id, _ := json.Marshal(p.DeviceID)
		buf.Write(id)
	}
	buf.WriteString(`,"data":[`)
	for i, m := range p.Data {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, err := m.MarshalJSON()
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	for i, f := range p.Extra {
		k, _ := json.Marshal(serverKey(p.rawKeys, i, f))
		buf.WriteByte(',')
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(f.Raw)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
