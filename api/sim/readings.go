package sim

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"sqc/api"
)

// The simulated readings start from real Senquip messages (templates/,
// copied from the project's fixtures) and move their numbers over time.

//go:embed templates/*.json
var templateFS embed.FS

type template struct {
	name   string
	fields []api.Field
	// can holds, for a CAN field, its 256 drifted forms (driftCAN by the
	// low byte of the report): decoding and encoding the frames for every
	// message was a tenth of the simulator's time at 50,000 devices, time
	// it took from the console on the same machine.
	can [][][]byte
}

var templatesByModel = loadTemplates()

func loadTemplates() map[string][]template {
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	out := map[string][]template{}
	for _, n := range names {
		b, err := templateFS.ReadFile(path.Join("templates", n))
		if err != nil {
			panic(err)
		}
		var m api.DataMessage
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("template %s: %v", n, err))
		}
		t := template{name: n, fields: m.Fields, can: make([][][]byte, len(m.Fields))}
		for i, f := range m.Fields {
			if f.Key == "can1" || f.Key == "can2" {
				t.can[i] = make([][]byte, 256)
				for k := range t.can[i] {
					t.can[i][k] = driftCAN(f.Raw, int64(k))
				}
			}
		}
		if strings.HasPrefix(n, "quad-") {
			out["QUAD-C2"] = append(out["QUAD-C2"], t)
		} else {
			out["ORB-C1"] = append(out["ORB-C1"], t)
			out["ORB-X1"] = append(out["ORB-X1"], t)
		}
	}
	return out
}

// Keys whose value is a state, not a measurement: they do not drift.
var steady = map[string]bool{"state": true, "light": true, "movement_hrs": true}

// mix is a stateless 64-bit hash (splitmix64 finaliser).
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hashStr(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 0x100000001b3
	}
	return mix(h)
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// message renders report k of device d as the JSON a device would send.
func (s *Server) message(d *device, k int64) []byte {
	tmpls := templatesByModel[d.Model]
	t := tmpls[d.tmpl%len(tmpls)]
	at := d.reportTime(k)
	dh := hashStr(s.opts.Seed, d.DeviceID)
	tenth := int64(mix(dh^uint64(k)) % 10)
	ts := float64(at.Unix()) + float64(tenth)/10

	buf := make([]byte, 0, 4096)
	buf = append(buf, '{')
	first := true
	add := func(key string, raw []byte) {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = strconv.AppendQuote(buf, key)
		buf = append(buf, ':')
		buf = append(buf, raw...)
	}
	for i, f := range t.fields {
		switch {
		case f.Key == "deviceid":
			add(f.Key, strconv.AppendQuote(nil, d.DeviceID))
		case f.Key == "ts":
			add(f.Key, strconv.AppendFloat(nil, ts, 'f', 1, 64))
		case f.Key == "time":
			add(f.Key, strconv.AppendInt(nil, int64(math.Round(ts)), 10))
		case f.Key == "events":
			// events are written below, from the device's mood
		case f.Key == "can1" || f.Key == "can2":
			add(f.Key, t.can[i][byte(k)])
		case f.Kind == api.KindNumber && !steady[f.Key] && f.Num != 0:
			add(f.Key, drift(f, dh, k))
		default:
			add(f.Key, f.Raw)
		}
	}
	if d.Model == "ORB-X1" {
		add("gps_lat", strconv.AppendFloat(nil, d.gpsBase[0]+0.002*math.Sin(float64(k)/30), 'f', 6, 64))
		add("gps_lon", strconv.AppendFloat(nil, d.gpsBase[1]+0.002*math.Cos(float64(k)/30), 'f', 6, 64))
		add("gps_speed", strconv.AppendFloat(nil, math.Max(0, 30*math.Sin(float64(k)/7)), 'f', 1, 64))
	}
	if ev := s.events(d, dh, k); ev != nil {
		add("events", ev)
	}
	return append(buf, '}')
}

// drift moves a number around its template value: a slow wave, a device
// offset and some noise, rounded to the template's precision.
func drift(f api.Field, dh uint64, k int64) []byte {
	kh := hashStr(dh, f.Key)
	offset := 1 + 0.06*(unit(kh)-0.5)
	wave := 0.04 * math.Sin(2*math.Pi*float64(k)/40+unit(mix(kh))*6.28)
	noise := 0.01 * (unit(mix(kh^uint64(k))) - 0.5)
	v := f.Num * (offset + wave + noise)
	raw := string(f.Raw)
	dec := 0
	if i := strings.IndexByte(raw, '.'); i >= 0 {
		dec = len(raw) - i - 1
	}
	if dec == 0 {
		return strconv.AppendInt(nil, int64(math.Round(v)), 10)
	}
	return strconv.AppendFloat(nil, v, 'f', dec, 64)
}

// driftCAN changes one byte of the first frame so the bus visibly moves.
func driftCAN(raw []byte, k int64) []byte {
	var frames []api.CANFrame
	if err := json.Unmarshal(raw, &frames); err != nil || len(frames) == 0 || len(frames[0].Data) < 4 {
		return raw
	}
	frames[0].Data = frames[0].Data[:2] + fmt.Sprintf("%02X", byte(k)) + frames[0].Data[4:]
	b, _ := json.Marshal(frames)
	return b
}

var alarmEvents = []api.Event{
	{Topic: "ambient", Msg: "High", Level: 40},
	{Topic: "vin", Msg: "Low supply", Level: 40},
	{Topic: "can1", Msg: "Engine coolant temperature high", Level: 40},
}

var warningEvents = []api.Event{
	{Topic: "pitch", Msg: "Low", Level: 30},
	{Topic: "mjs", Msg: "CPU Threshold Exceeded", Level: 30},
	{Topic: "wifi", Msg: "Weak signal", Level: 30},
}

// events returns the events of report k: devices in alarm or warning
// carry one every report; others now and then an alert or an info.
func (s *Server) events(d *device, dh uint64, k int64) []byte {
	var ev []api.Event
	pick := int(dh % 3)
	switch d.mood {
	case moodAlarm:
		ev = append(ev, alarmEvents[pick])
	case moodWarning:
		ev = append(ev, warningEvents[pick])
	}
	switch r := mix(dh^uint64(k)*0x9e37) % 40; {
	case r == 0:
		ev = append(ev, api.Event{Topic: "input1", Msg: "Digital input changed", Level: 20})
	case r < 3:
		ev = append(ev, api.Event{Topic: "system", Msg: "Reporting", Level: 10})
	}
	if ev == nil {
		return nil
	}
	b, _ := json.Marshal(ev)
	return b
}

// dataFor returns up to limit reports of d within [start, end], newest first.
func (s *Server) dataFor(d *device, now, start, end time.Time, limit int) [][]byte {
	last := d.lastReport(now)
	if last.IsZero() {
		return nil
	}
	if !end.IsZero() && end.Before(last) {
		last = end
	}
	var out [][]byte
	for k := d.reportIndex(last); len(out) < limit; k-- {
		t := d.reportTime(k)
		if !start.IsZero() && t.Before(start) {
			break
		}
		out = append(out, s.message(d, k))
	}
	return out
}
