package sim

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sqc/api"
)

// The answers of each hostile scenario (see hostileScenarios).

// Devices of the hostile account that scenarios refer to.
const (
	HostileHosted = "HOSTILE01" // Hosted: data can be read
	HostileTrial  = "HOSTILE02" // Trial: data can be read
	Hostile5xx    = "HOSTILE5X" // every read answers 500 (escapes)
)

func escapesScenario(*Hostile) scenario {
	e := Evil + rawByte9B + "[2J"
	device := func(id, plan string) map[string]any {
		return map[string]any{"deviceid": id, "name": "name" + e, "groupid": "G" + e, "groupName": "group" + e,
			"model": "model" + e, "firmware": "fw" + e, "plan": plan, "lastSeen": time.Now().Unix() - 60,
			"x" + e: "unknown" + e}
	}
	devices := []map[string]any{device(HostileHosted, api.PlanHosted), device(HostileTrial, api.PlanTrial),
		device(Hostile5xx, api.PlanHosted), device("EVIL"+e, "None"+e)}
	message := func(id string) []byte {
		m := fmt.Sprintf(`{"deviceid":%s,"ts":%d,"vin":24.5,"cp1":%s,"capture1":%s,%s:%s,`+
			`"events":[{"topic":%s,"msg":%s,"lv":30}],"can1":[{"id":419371762,"data":%s}]}`,
			jsonStr(id), time.Now().Unix()-30, jsonStr("cp"+e), jsonStr("serial"+e), jsonStr("key"+e), jsonStr("value"+e),
			jsonStr("topic"+e), jsonStr("msg"+e), jsonStr("18FF"+e))
		return []byte(`{"deviceid":` + jsonStr(id+e) + `,"data":[` + m + `],` + jsonStr("extra"+e) + `:1}`)
	}
	return scenario{
		denied: "Forbidden" + e,
		write:  "cannot" + e,
		list:   func(w http.ResponseWriter, _ string) { writeRaw(w, http.StatusOK, page(devices, "")) },
		device: func(w http.ResponseWriter, id string) {
			for _, d := range devices {
				if d["deviceid"] == id && id != Hostile5xx {
					writeRaw(w, http.StatusOK, mustJSON(d))
					return
				}
			}
			escapesError(w, id, e)
		},
		data: func(w http.ResponseWriter, id string) {
			if id == HostileHosted || id == HostileTrial {
				writeRaw(w, http.StatusOK, message(id))
				return
			}
			escapesError(w, id, e)
		},
		config: func(w http.ResponseWriter, id string) {
			if id != HostileHosted && id != HostileTrial {
				escapesError(w, id, e)
				return
			}
			writeRaw(w, http.StatusOK, []byte(`{"config":{`+jsonStr("key"+e)+`:`+jsonStr("value"+e)+
				`,"endpoint":{"mqtt":{"server":`+jsonStr("host"+e)+`,"list":[`+jsonStr(e)+`]}}},"synced":true}`))
		},
	}
}

// escapesError is a 500 for Hostile5xx and a 404 for anything unknown,
// both with escapes in their message.
func escapesError(w http.ResponseWriter, id, e string) {
	if id == Hostile5xx {
		writeRaw(w, http.StatusInternalServerError, msgBody("Internal Server Error"+e))
		return
	}
	writeRaw(w, http.StatusNotFound, msgBody("Device not found"+e))
}

func jsonStr(s string) string { return string(mustJSON(s)) }

// mixed repeats ASCII with wide characters to n bytes or a little more.
func mixed(word string, n int) string {
	unit := word + " 名前 é "
	return strings.Repeat(unit, n/len(unit)+1)
}

func longScenario(*Hostile) scenario {
	name, group := mixed("name", 20<<10), mixed("group", 20<<10)
	devices := []map[string]any{dev(HostileHosted, name, api.PlanHosted), dev(HostileTrial, "short", api.PlanTrial)}
	devices[0]["groupName"] = group
	return scenario{
		list:   func(w http.ResponseWriter, _ string) { writeRaw(w, http.StatusOK, page(devices, "")) },
		device: ordinaryDevice,
		data: func(w http.ResponseWriter, id string) {
			m := `{"deviceid":` + jsonStr(id) + `,"ts":` + strconv.FormatInt(time.Now().Unix()-30, 10) +
				`,"vin":24.5,"cp1":` + jsonStr(mixed("cp", 50<<10)) + `,` + jsonStr(mixed("key", 10<<10)) + `:1}`
			writeRaw(w, http.StatusOK, []byte(`{"deviceid":`+jsonStr(id)+`,"data":[`+m+`]}`))
		},
		config: ordinaryConfig,
	}
}

// HugeNameBytes is the length of the huge scenario's device name.
const HugeNameBytes = 49 << 20

func hugeScenario(h *Hostile) scenario {
	body := func() []byte {
		h.once.Do(func() {
			// The name is written into the JSON as repeated escaped units:
			// encoding 49 MB a character at a time took longer than a
			// client waits, under the race detector.
			unit := strings.Repeat("huge name ", 9) + "\x1b[2J" + "名"
			n := HugeNameBytes / len(unit)
			esc := jsonStr(unit)
			name := "\"" + strings.Repeat(esc[1:len(esc)-1], n) + strings.Repeat("x", HugeNameBytes-n*len(unit)) + "\""
			devices := make([]map[string]any, 0, 10)
			for i := range 10 {
				devices = append(devices, dev(fmt.Sprintf("HUGE%05d", i), "small", api.PlanHosted))
			}
			const mark = "@@HUGE NAME@@"
			devices[3]["name"] = mark
			h.big = bytes.Replace(page(devices, ""), []byte(`"`+mark+`"`), []byte(name), 1)
		})
		return h.big
	}
	return scenario{
		list:   func(w http.ResponseWriter, _ string) { writeRaw(w, http.StatusOK, body()) },
		device: ordinaryDevice, data: ordinaryData, config: ordinaryConfig,
	}
}

// pageOf is n Hosted devices numbered from first, with IDs P00000000...
func pageOf(prefix byte, first, n int) []map[string]any {
	out := make([]map[string]any, 0, n)
	for i := first; i < first+n; i++ {
		out = append(out, map[string]any{"deviceid": fmt.Sprintf("%c%08d", prefix, i), "plan": api.PlanHosted})
	}
	return out
}

// pageNumber reads the cursors these scenarios hand out: "p" and a number.
func pageNumber(cursor string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(cursor, "p"))
	return n
}

func endlessScenario(*Hostile) scenario {
	return scenario{
		list: func(w http.ResponseWriter, cursor string) {
			n := pageNumber(cursor)
			writeRaw(w, http.StatusOK, page(pageOf('E', n*1000, 1000), "p"+strconv.Itoa(n+1)))
		},
		device: ordinaryDevice, data: ordinaryData, config: ordinaryConfig,
	}
}

func repeatScenario(*Hostile) scenario {
	return scenario{
		list: func(w http.ResponseWriter, cursor string) {
			n := pageNumber(cursor)
			next := "p" + strconv.Itoa(n+1)
			if n == 2 {
				next = "p1" // the cursor that led to the second page
			}
			writeRaw(w, http.StatusOK, page(pageOf('R', n*10, 10), next))
		},
		device: ordinaryDevice, data: ordinaryData, config: ordinaryConfig,
	}
}

func noNewScenario(*Hostile) scenario {
	return scenario{
		list: func(w http.ResponseWriter, cursor string) {
			writeRaw(w, http.StatusOK, page(pageOf('N', 0, 2), "p"+strconv.Itoa(pageNumber(cursor)+1)))
		},
		device: ordinaryDevice, data: ordinaryData, config: ordinaryConfig,
	}
}

func trickleScenario(*Hostile) scenario {
	return scenario{
		list: func(w http.ResponseWriter, cursor string) {
			n := pageNumber(cursor)
			writeRaw(w, http.StatusOK, page(pageOf('T', n, 1), "p"+strconv.Itoa(n+1)))
		},
		device: ordinaryDevice, data: ordinaryData, config: ordinaryConfig,
	}
}

// DripPerPage is how many new devices each page of the drip scenario holds.
const DripPerPage = 20

func dripScenario(*Hostile) scenario {
	return scenario{
		list: func(w http.ResponseWriter, cursor string) {
			n := pageNumber(cursor)
			writeRaw(w, http.StatusOK, page(pageOf('D', n*DripPerPage, DripPerPage), "p"+strconv.Itoa(n+1)))
		},
		device: ordinaryDevice, data: ordinaryData, config: ordinaryConfig,
	}
}

func duplicatesScenario(*Hostile) scenario {
	a, b := dev(HostileHosted, "first", api.PlanHosted), dev(HostileTrial, "second", api.PlanHosted)
	none := dev("HOSTILE03", "third", api.PlanNone)
	first := []map[string]any{a, b, a, b, a, none}
	second := []map[string]any{b, a, b, a, b}
	return scenario{
		list: func(w http.ResponseWriter, cursor string) {
			if cursor == "" {
				writeRaw(w, http.StatusOK, page(first, "p1"))
				return
			}
			writeRaw(w, http.StatusOK, page(second, ""))
		},
		device: ordinaryDevice, data: ordinaryData, config: ordinaryConfig,
	}
}

func absurdScenario(*Hostile) scenario {
	list := []byte(`{"devices":[` +
		`{"deviceid":"ABSURD001","plan":"None","apiRequestsRemaining":1e300,"lastSeen":1e300},` +
		`{"deviceid":"ABSURD002","plan":"None","apiRequestsRemaining":-1e300,"lastSeen":-5},` +
		`{"deviceid":"ABSURD003","plan":"Trial","apiRequestsRemaining":51,"lastSeen":253402300800},` +
		`{"deviceid":"ABSURD004","plan":"Hosted","lastSeen":1e20}],"next":null}`)
	return scenario{
		list: func(w http.ResponseWriter, _ string) { writeRaw(w, http.StatusOK, list) },
		device: func(w http.ResponseWriter, id string) {
			writeRaw(w, http.StatusOK, []byte(`{"deviceid":`+jsonStr(id)+`,"plan":"None","apiRequestsRemaining":1e300,"lastSeen":1e300}`))
		},
		data: func(w http.ResponseWriter, id string) {
			writeRaw(w, http.StatusOK, []byte(`{"deviceid":`+jsonStr(id)+`,"data":[{"deviceid":`+jsonStr(id)+
				`,"ts":1e300,"time":-1,"vin":1e300,"big":1e400,"tiny":1e-400,`+
				`"events":[{"topic":"t","msg":"high","lv":1e20},{"topic":"t","msg":"low","lv":-1e20}],`+
				`"can1":[{"id":4294967295,"data":"00"},{"id":1e20,"data":"01"},{"id":-1,"data":"02"}]}]}`))
		},
		config: func(w http.ResponseWriter, _ string) {
			writeRaw(w, http.StatusOK, []byte(`{"config":{"a":{"b":1e400}},"synced":"yes","apiRequestsRemaining":1e300}`))
		},
	}
}

func streamScenario(*Hostile) scenario {
	// The client hanging up makes a write fail, which ends the stream.
	stream := func(w http.ResponseWriter, head string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(head))
		chunk := []byte(strings.Repeat(`stream \u001b[2J\u001b]0;pwned\u0007 `, 1000))
		f, _ := w.(http.Flusher)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			if f != nil {
				f.Flush()
			}
			<-t.C
		}
	}
	return scenario{
		list: func(w http.ResponseWriter, _ string) {
			stream(w, `{"devices":[{"deviceid":"STREAM001","name":"`)
		},
		device: ordinaryDevice,
		data: func(w http.ResponseWriter, id string) {
			stream(w, `{"deviceid":`+jsonStr(id)+`,"data":[{"cp1":"`)
		},
		config: ordinaryConfig,
	}
}

// OversizedBytes is the size of the oversized scenario's bodies: a KiB over
// what the client reads.
const OversizedBytes = api.MaxBody + 1<<10

func oversizedScenario(*Hostile) scenario {
	// Written a MiB at a time: the server holds no 64 MiB body.
	big := func(w http.ResponseWriter, head string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		tail := `"}],"next":null}`
		chunk := []byte(strings.Repeat("x", 1<<20))
		n, _ := w.Write([]byte(head))
		for n < OversizedBytes-len(tail) {
			m, err := w.Write(chunk[:min(len(chunk), OversizedBytes-len(tail)-n)])
			if err != nil {
				return
			}
			n += m
		}
		_, _ = w.Write([]byte(tail))
	}
	return scenario{
		list:   func(w http.ResponseWriter, _ string) { big(w, `{"devices":[{"deviceid":"BIG000001","name":"`) },
		device: ordinaryDevice,
		data: func(w http.ResponseWriter, id string) {
			big(w, `{"deviceid":`+jsonStr(id)+`,"data":[{"cp1":"`)
		},
		config: ordinaryConfig,
	}
}

// SickHealthy are the devices of the sick scenario that answer well.
var SickHealthy = func() []string {
	var out []string
	for i := 1; i <= 11; i++ {
		out = append(out, fmt.Sprintf("SICK%05d", i))
	}
	return out
}()

func sickScenario(*Hostile) scenario {
	devices := []map[string]any{dev(Hostile5xx, "sick", api.PlanHosted)}
	for _, id := range SickHealthy {
		devices = append(devices, dev(id, "healthy "+id, api.PlanHosted))
	}
	fail := func(w http.ResponseWriter) {
		writeRaw(w, http.StatusInternalServerError, msgBody("Internal Server Error"))
	}
	either := func(ok func(http.ResponseWriter, string)) func(http.ResponseWriter, string) {
		return func(w http.ResponseWriter, id string) {
			if id == Hostile5xx {
				fail(w)
				return
			}
			ok(w, id)
		}
	}
	return scenario{
		list:   func(w http.ResponseWriter, _ string) { writeRaw(w, http.StatusOK, page(devices, "")) },
		device: either(ordinaryDevice), data: either(ordinaryData), config: either(ordinaryConfig),
	}
}

// FormulaIDs are the device IDs of the formulas scenario.
var FormulaIDs = []string{"=-2+3", "==1+2", "=@SUM(1)", "+1+1", "-1+1", "@SUM(1)", "\t=1+1", "  =2+2", "\uFF1D1+1"}

func formulasScenario(*Hostile) scenario {
	devices := []map[string]any{dev(HostileHosted, "Pump 3", api.PlanHosted)}
	for _, id := range FormulaIDs {
		d := dev(id, "=HYPERLINK(\"http://evil.example\")", api.PlanHosted)
		d["groupName"] = "@SUM(1)"
		devices = append(devices, d)
	}
	return scenario{
		list:   func(w http.ResponseWriter, _ string) { writeRaw(w, http.StatusOK, page(devices, "")) },
		device: ordinaryDevice, data: ordinaryData, config: ordinaryConfig,
	}
}
