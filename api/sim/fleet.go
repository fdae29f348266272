package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"sqc/api"
)

// device is one simulated device and what the cloud knows of it.
type device struct {
	api.Device
	interval time.Duration // how often it reports
	phase    time.Duration // offset of its reports within an interval
	stopAt   time.Time     // zero: reporting now; else its last report is before this
	never    bool          // never reported
	mood     int           // moodOK, moodWarning, moodAlarm
	tmpl     int           // index into the templates of its model
	gpsBase  [2]float64

	config    api.Config // made on first use
	pending   api.Config // queued updates, applied at the next check-in
	pendingAt time.Time
	files     map[string]int
	broken    bool // data answers are garbage (fault injection)
	monthly   map[string]int
}

const (
	moodOK = iota
	moodWarning
	moodAlarm
)

type groupSpec struct {
	id, name string
	models   []string
	names    []string
}

var groups = []groupSpec{
	{"G100", "North Pumps", []string{"ORB-C1"}, []string{"Pump %d", "Bore %d", "Tank %d"}},
	{"G200", "Marine", []string{"QUAD-C2"}, []string{"Stbd engine %d", "Port engine %d", "Genset %d"}},
	{"G300", "Depot Gensets", []string{"QUAD-C2", "ORB-X1"}, []string{"Genset %d", "Compressor %d"}},
	{"G400", "Mine Site 4", []string{"ORB-X1"}, []string{"Haul truck %d", "Light tower %d", "Dewater pump %d"}},
	{"G500", "Irrigation", []string{"ORB-C1", "ORB-X1"}, []string{"Pivot %d", "Valve %d"}},
}

var firmwares = []string{"4.2.18", "4.2.20", "4.3.2", "4.3.5"}

var intervals = []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}

const idChars = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

func newID(rng *rand.Rand, taken map[string]bool) string {
	for {
		b := make([]byte, 9)
		b[0] = idChars[rng.IntN(24)] // a letter first, as real IDs have
		for i := 1; i < 9; i++ {
			b[i] = idChars[rng.IntN(len(idChars))]
		}
		if id := string(b); !taken[id] {
			taken[id] = true
			return id
		}
	}
}

// genFleet makes n devices, deterministic for a seed and a start time.
func genFleet(n int, seed uint64, hosted float64, now time.Time, taken map[string]bool) []*device {
	rng := rand.New(rand.NewPCG(seed, 0x5e9a1f))
	out := make([]*device, 0, n)
	counter := map[string]int{}
	for i := 0; i < n; i++ {
		g := groups[rng.IntN(len(groups))]
		model := g.models[rng.IntN(len(g.models))]
		nameFmt := g.names[rng.IntN(len(g.names))]
		counter[nameFmt]++
		d := &device{
			Device: api.Device{
				DeviceID:  newID(rng, taken),
				Name:      fmt.Sprintf(nameFmt, counter[nameFmt]),
				GroupID:   g.id,
				GroupName: g.name,
				Model:     model,
				Firmware:  firmwares[rng.IntN(len(firmwares))],
				Plan:      pickPlan(rng, hosted),
			},
			interval: intervals[rng.IntN(len(intervals))],
			tmpl:     rng.IntN(1 << 16),
			gpsBase:  [2]float64{-27.4 - rng.Float64()*5, 151.0 + rng.Float64()*5},
			files:    map[string]int{},
			monthly:  map[string]int{},
		}
		d.phase = time.Duration(rng.Int64N(int64(d.interval)))
		switch r := rng.Float64(); {
		case r < 0.03:
			d.never = true
		case r < 0.13:
			d.stopAt = now.Add(-time.Duration(2+rng.IntN(18)) * 24 * time.Hour) // offline for days
		case r < 0.25:
			d.stopAt = now.Add(-time.Duration(45+rng.IntN(300)) * time.Minute) // stale
		}
		switch r := rng.Float64(); {
		case r < 0.08:
			d.mood = moodAlarm
		case r < 0.20:
			d.mood = moodWarning
		}
		out = append(out, d)
	}
	return out
}

func pickPlan(rng *rand.Rand, hosted float64) string {
	r := rng.Float64()
	switch {
	case r < hosted:
		return api.PlanHosted
	case r < hosted+(1-hosted)/2:
		return api.PlanTrial
	default:
		return api.PlanNone
	}
}

// claimable is a device that exists but is not in the account yet.
type claimable struct {
	id, password, model string
}

func genClaimables(seed uint64, taken map[string]bool) []claimable {
	rng := rand.New(rand.NewPCG(seed, 0xc1a1))
	pw := make([]byte, 8)
	for i := range pw {
		pw[i] = idChars[rng.IntN(len(idChars))]
	}
	return []claimable{
		{id: newID(rng, taken), model: "ORB-C1"},
		{id: newID(rng, taken), password: string(pw), model: "QUAD-C2"},
		{id: newID(rng, taken), model: "ORB-X1"},
	}
}

// lastReport is the time of the device's latest message at now, or zero.
func (d *device) lastReport(now time.Time) time.Time {
	if d.never {
		return time.Time{}
	}
	limit := now
	if !d.stopAt.IsZero() && d.stopAt.Before(limit) {
		limit = d.stopAt
	}
	k := d.reportIndex(limit)
	return d.reportTime(k)
}

// reportIndex is the index of the latest report at or before t.
func (d *device) reportIndex(t time.Time) int64 {
	ns := t.UnixNano() - int64(d.phase)
	return ns / int64(d.interval)
}

func (d *device) reportTime(k int64) time.Time {
	return time.Unix(0, k*int64(d.interval)+int64(d.phase)).UTC()
}

// nextCheckIn is the first report strictly after t, or zero if the device
// has stopped reporting by then.
func (d *device) nextCheckIn(t time.Time) time.Time {
	if d.never {
		return time.Time{}
	}
	next := d.reportTime(d.reportIndex(t) + 1)
	if !d.stopAt.IsZero() && !next.Before(d.stopAt) {
		return time.Time{}
	}
	return next
}

func (d *device) wire(now time.Time) api.Device {
	out := d.Device
	out.Raw = nil
	if t := d.lastReport(now); !t.IsZero() {
		s := float64(t.Unix())
		out.LastSeen = &s
	}
	if d.Plan != api.PlanHosted {
		r := max(0, api.MonthlyPerDevice-d.monthly[monthKey(now)])
		out.Remaining = &r
	}
	return out
}

func monthKey(t time.Time) string { return t.UTC().Format("2006-01") }

// defaultConfig is the configuration a device of this model ships with.
func (d *device) defaultConfig() api.Config {
	c := api.Config{}
	set := func(k string, v any) { _ = c.Set(k, v) }
	set("device.name", d.Name)
	set("device.interval", int(d.interval/time.Second))
	set("ambient.warning", 50)
	set("ambient.alarm", 60)
	set("input1.interval", 60)
	set("input1.digital.threshold", 2.5)
	set("accel.motion.wake_threshold", 100)
	set("serial1.mode", "CAPTURE")
	set("serial1.baud", 9600)
	set("endpoint.mqtt.enable", false)
	set("endpoint.mqtt.server", "")
	set("endpoint.mqtt.client_id", "")
	set("endpoint.mqtt.ssl_cert", "")
	set("endpoint.mqtt.ssl_key", "")
	set("endpoint.mqtt.ssl_ca_cert", "ca.pem")
	if d.Model == "ORB-X1" {
		set("gps.position.alert.radius", 500)
		set("gps.interval", 300)
	}
	if d.Model == "QUAD-C2" {
		set("can1.enable", true)
		set("can1.nominal_baud", 250)
		set("can1.id_list", "")
		set("can2.enable", true)
		set("can2.nominal_baud", 250)
		set("can2.id_list", "")
	}
	return c
}
