package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sqc/api"
)

// A hostile Senquip Cloud: the same routes as the simulator (matched with
// the route table), answering with what a broken or malicious server could
// send. Tests of the CLI and the console run against it to prove that no
// server string drives the terminal, that sizes stay bounded and that
// loops over server data end.

// The scenarios. Each one is documented where it is registered, below.
const (
	HostileEscapes    = "escapes"
	HostileLong       = "long"
	HostileHuge       = "huge"
	HostileEndless    = "endless"
	HostileRepeat     = "repeat"
	HostileNoNew      = "nonew"
	HostileTrickle    = "trickle"
	HostileDuplicates = "duplicates"
	HostileAbsurd     = "absurd"
	HostileStream     = "stream"
	HostileOversized  = "oversized"
	HostileSick       = "sick"
	HostileDrip       = "drip"
	HostileFormulas   = "formulas"
)

// hostileScenarios registers what each scenario answers.
var hostileScenarios = map[string]func(h *Hostile) scenario{
	// escapes: every string carries Evil (OSC 52 clipboard, OSC 0 title,
	// ESC[2J, a DCS query, an OSC 8 link, C1 U+009B, raw SGR, a bidi
	// override, DEL, BEL, a lone 0x9B byte): device IDs, names, groups,
	// models, firmware, unknown keys and their values, event topics and
	// messages, cpN and capture text, CAN data, config keys and values,
	// and the messages of 401/403/404/422/500 answers (HOSTILE5X answers
	// 500 to every read; an unknown device gets 404; writes get 422).
	HostileEscapes: escapesScenario,
	// long: a 20 KB device name and group, a 50 KB cp1 value and a 10 KB
	// key, mixing wide characters into ASCII.
	HostileLong: longScenario,
	// huge: one device among ten has a 49 MB name (with escapes in it), the
	// case that made tabwriter pad every row to 49 MB.
	HostileHuge: hugeScenario,
	// endless: every page has 1,000 new Hosted devices and a fresh cursor,
	// for ever.
	HostileEndless: endlessScenario,
	// repeat: three pages of new devices, the third hands back the cursor
	// that led to the second.
	HostileRepeat: repeatScenario,
	// nonew: a fresh cursor on every page, always the same two devices.
	HostileNoNew: noNewScenario,
	// trickle: a fresh cursor and one new device on every page, for ever:
	// bounded in memory by MaxDevices, but 100,000 requests of quota.
	HostileTrickle: trickleScenario,
	// duplicates: 5 copies of each of 2 Hosted devices and one device on no
	// plan, over two pages: 3 devices, 2 Hosted.
	HostileDuplicates: duplicatesScenario,
	// absurd: apiRequestsRemaining 1e300, -1e300 and 51; lastSeen 1e300,
	// -5 and beyond the year 9999; event levels 1e20 and -1e20; ts 1e300;
	// CAN ids of 2^32-1, 1e20 and -1; a value of 1e400; a config answer
	// with synced "yes" and apiRequestsRemaining 1e300.
	HostileAbsurd: absurdScenario,
	// stream: every read is answered 200 with a body that never ends, a
	// device name trickling in (with escapes) until the client hangs up.
	HostileStream: streamScenario,
	// oversized: the list and every data read answer 200 with a body of
	// OversizedBytes, just over what the client reads (api.MaxBody).
	HostileOversized: oversizedScenario,
	// sick: twelve Hosted devices; every read about one of them (Hostile5xx,
	// listed first) answers 500, the other eleven answer well.
	HostileSick: sickScenario,
	// drip: a fresh cursor and 20 new Hosted devices on every page, for
	// ever: past the trickle check, and it would take 5,000 requests to
	// reach MaxDevices.
	HostileDrip: dripScenario,
	// formulas: spreadsheet formulas as device IDs (=-2+3, ==1+2,
	// =@SUM(1), +1+1, -1+1, @SUM(1), after a tab or spaces, a full-width ＝)
	// and as names and groups, beside one ordinary device: an export must
	// show each as text.
	HostileFormulas: formulasScenario,
}

// HostileScenarios lists every scenario, sorted.
func HostileScenarios() []string {
	out := make([]string, 0, len(hostileScenarios))
	for k := range hostileScenarios {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Evil is every escape a terminal obeys that a server string could carry.
// Encoded as JSON, the C1 CSI and bidi override stay raw UTF-8.
const Evil = "\x1b]52;c;c3FjIHB3bmVk\x07" + // OSC 52: write the clipboard
	"\x1b]0;pwned\x07" + // OSC 0: retitle the window
	"\x1b[2J" + // clear the screen
	"\x1bP+q544e\x1b\\" + // DCS XTGETTCAP: the terminal answers into stdin
	"\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\" + // OSC 8 hyperlink
	"\u009b31m" + // C1 CSI, 8-bit
	"\x1b[1;31m" + // raw SGR
	"\u202e\x7f\x07" // bidi override, DEL, BEL

// rawByte9B stands for a lone 0x9B byte (invalid UTF-8, an 8-bit CSI to a
// terminal in a Latin-1 locale): JSON encoders would not write one.
const rawByte9B = "@@9B@@"

// scenario is what a hostile server answers for each operation it serves.
type scenario struct {
	list   func(w http.ResponseWriter, cursor string)
	device func(w http.ResponseWriter, id string)
	data   func(w http.ResponseWriter, id string)
	config func(w http.ResponseWriter, id string)
	// denied is the message of 401 and 403; write that of writes (422).
	denied, write string
}

// Hostile serves one scenario. It is safe for concurrent use.
type Hostile struct {
	key      string
	routes   *api.Routes
	sc       scenario
	requests atomic.Int64

	mu  sync.Mutex
	log []Request

	once sync.Once
	big  []byte // a body made once and served often (huge)
}

// NewHostile makes a hostile server for a scenario that accepts key.
func NewHostile(name, key string) (*Hostile, error) {
	mk, ok := hostileScenarios[name]
	if !ok {
		return nil, fmt.Errorf("no hostile scenario %q (have %s)", name, strings.Join(HostileScenarios(), ", "))
	}
	h := &Hostile{key: key, routes: api.DefaultRoutes()}
	h.sc = mk(h)
	return h, nil
}

// Requests counts the requests that passed the key check.
func (h *Hostile) Requests() int { return int(h.requests.Load()) }

// Log returns the requests that passed the key check, oldest first (the
// newest 20,000), each as it was received and answered (Status 0: the
// client hung up before an answer began).
func (h *Hostile) Log() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Request(nil), h.log[max(0, len(h.log)-requestLogSize):]...)
}

// ServeHTTP routes a request with the route table, like the simulator.
func (h *Hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if k := r.Header.Get(api.KeyHeader); k != "" && k == h.key {
		sw := &statusWriter{ResponseWriter: w}
		w = sw
		defer func() {
			op, id, _, _ := h.routes.Match(r.Method, r.URL.Path)
			h.mu.Lock()
			h.log = append(h.log, Request{At: time.Now(), Method: r.Method, Path: r.URL.Path, Op: op, DeviceID: id, Status: sw.status})
			if len(h.log) >= 2*requestLogSize {
				h.log = append(h.log[:0], h.log[requestLogSize:]...)
			}
			h.mu.Unlock()
		}()
	}
	switch key := r.Header.Get(api.KeyHeader); {
	case key == "":
		writeRaw(w, http.StatusUnauthorized, msgBody(h.sc.denied))
		return
	case key != h.key:
		writeRaw(w, http.StatusForbidden, msgBody(h.sc.denied))
		return
	}
	h.requests.Add(1)
	op, id, ok, _ := h.routes.Match(r.Method, r.URL.Path)
	switch {
	case !ok:
		writeRaw(w, http.StatusNotFound, msgBody("Not Found"+h.sc.denied))
	case op.Write():
		writeRaw(w, http.StatusUnprocessableEntity, msgBody(h.sc.write))
	case op == api.OpListDevices:
		h.sc.list(w, r.URL.Query().Get("cursor"))
	case op == api.OpGetDevice:
		h.sc.device(w, id)
	case op == api.OpGetData:
		h.sc.data(w, id)
	case op == api.OpGetConfig:
		h.sc.config(w, id)
	}
}

// writeRaw sends a JSON body, turning rawByte9B into the lone byte.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if bytes.Contains(body, []byte(rawByte9B)) {
		body = bytes.ReplaceAll(body, []byte(rawByte9B), []byte{0x9b})
	}
	_, _ = w.Write(body)
}

func msgBody(msg string) []byte { return mustJSON(map[string]string{"message": msg}) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// page is a List All Devices body; next "" is null.
func page(devices []map[string]any, next string) []byte {
	p := map[string]any{"devices": devices, "next": nil}
	if next != "" {
		p["next"] = next
	}
	return mustJSON(p)
}

// dev is a well-formed device object of a plan.
func dev(id, name, plan string) map[string]any {
	d := map[string]any{"deviceid": id, "name": name, "groupid": "G1", "groupName": "Group", "model": "ORB-C1",
		"firmware": "4.3.5", "plan": plan, "lastSeen": time.Now().Unix() - 60}
	if plan != api.PlanHosted {
		d["apiRequestsRemaining"] = 42
	}
	return d
}

// plainMessage is a small, ordinary data message.
func plainMessage(id string) []byte {
	return []byte(`{"deviceid":` + strconv.Quote(id) + `,"data":[{"deviceid":` + strconv.Quote(id) +
		`,"ts":` + strconv.FormatInt(time.Now().Unix()-30, 10) + `,"vin":24.50669369697571,"ambient":21.5}]}`)
}

// ordinary answers for the operations a scenario leaves alone.
func ordinaryDevice(w http.ResponseWriter, id string) {
	writeRaw(w, http.StatusOK, mustJSON(dev(id, "Device "+id, api.PlanHosted)))
}

func ordinaryData(w http.ResponseWriter, id string) { writeRaw(w, http.StatusOK, plainMessage(id)) }

func ordinaryConfig(w http.ResponseWriter, _ string) {
	writeRaw(w, http.StatusOK, []byte(`{"config":{"device":{"name":"x","interval":60}},"synced":true}`))
}
