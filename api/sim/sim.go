// Package sim is a simulated Senquip Cloud: an http.Handler that serves the
// contract of senquip-api.md from a generated fleet, with the documented
// limits, plans, queued config updates and injectable faults.
package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"sqc/api"
)

// Options shape the simulated account.
type Options struct {
	Devices        int     // 40
	Seed           uint64  // 1
	Key            string  // a random key when empty; see Key()
	HostedFraction float64 // 0.6; negative means none
	Latency        time.Duration
	FailRate       float64 // chance of a 500 or 503 on any request
	Now            func() time.Time
}

// Fault is an injected answer for the next Count requests of Op (any op
// when empty): Status with a {"message"} body, or Body verbatim.
type Fault struct {
	Op         api.Op
	Status     int
	Message    string
	Body       string
	RetryAfter string // header value; empty sends none
	Redirect   string // Location, for 3xx
	Count      int
}

// Request is one request as the server received and answered it, for
// tests that check exactly what a client sent.
type Request struct {
	At       time.Time
	Method   string
	Path     string
	Op       api.Op // "" when no route matched
	DeviceID string
	Body     []byte
	Status   int
}

// requestLogSize bounds the request log: a long run keeps the newest.
const requestLogSize = 20000

// Stats counts what the server answered.
type Stats struct {
	Requests    int
	RateLimited int
	ByOp        map[api.Op]int
}

// Server is the simulated cloud. Safe for concurrent use.
type Server struct {
	opts   Options
	routes *api.Routes

	mu         sync.Mutex
	devices    []*device
	byID       map[string]*device
	claimables []claimable
	limiter    *rate.Limiter
	limits     api.Limits
	limitsAt   time.Time
	daily      map[string]int
	faults     []Fault
	drops      map[api.Op]int
	rng        *mrand.Rand
	stats      Stats
	reqLog     []Request
}

// New makes a simulated account.
func New(o Options) *Server {
	if o.Devices <= 0 {
		o.Devices = 40
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.HostedFraction == 0 {
		o.HostedFraction = 0.6
	}
	o.HostedFraction = math.Max(0, math.Min(1, o.HostedFraction))
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		o.Key = "sim-" + hex.EncodeToString(b)
	}
	now := o.Now()
	taken := map[string]bool{}
	s := &Server{
		opts:    o,
		routes:  api.DefaultRoutes(),
		devices: genFleet(o.Devices, o.Seed, o.HostedFraction, now, taken),
		byID:    map[string]*device{},
		daily:   map[string]int{},
		rng:     mrand.New(mrand.NewPCG(o.Seed, 0xfa11)),
		stats:   Stats{ByOp: map[api.Op]int{}},
	}
	s.claimables = genClaimables(o.Seed, taken)
	for _, d := range s.devices {
		s.byID[d.DeviceID] = d
	}
	s.recalcLimits(now)
	return s
}

// Key is the API key the server accepts.
func (s *Server) Key() string { return s.opts.Key }

// Devices returns the account's devices as List All Devices would.
func (s *Server) Devices() []api.Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	out := make([]api.Device, len(s.devices))
	for i, d := range s.devices {
		out[i] = d.wire(now)
	}
	return out
}

// Claimable lists devices that can be added to the account, with the setup
// password each needs ("" for none).
func (s *Server) Claimable() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for _, c := range s.claimables {
		out[c.id] = c.password
	}
	return out
}

// Limits are the limits in force.
func (s *Server) Limits() api.Limits {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limits
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ByOp = map[api.Op]int{}
	for k, v := range s.stats.ByOp {
		st.ByOp[k] = v
	}
	return st
}

// Inject queues a fault.
func (s *Server) Inject(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// DropAfter makes the next n requests of op be served as usual (a write
// is taken) and then the connection closed with no answer: the write
// whose outcome the client cannot know.
func (s *Server) DropAfter(op api.Op, n int) {
	s.mu.Lock()
	if s.drops == nil {
		s.drops = map[api.Op]int{}
	}
	s.drops[op] += n
	s.mu.Unlock()
}

func (s *Server) takeDrop(op api.Op) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drops[op] <= 0 {
		return false
	}
	s.drops[op]--
	return true
}

// Break makes every data answer for the device garbage (or mends it).
func (s *Server) Break(id string, broken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.byID[id]; d != nil {
		d.broken = broken
	}
}

// recalcLimits sets the account limits from the Hosted count. The real
// service recalculates every 12 hours; so does the simulator.
func (s *Server) recalcLimits(now time.Time) {
	h := 0
	for _, d := range s.devices {
		if d.Plan == api.PlanHosted {
			h++
		}
	}
	s.limits = api.LimitsForHosted(h)
	s.limitsAt = now
	s.limiter = rate.NewLimiter(rate.Limit(s.limits.RatePerSecond), int(s.limits.RatePerSecond))
}

// Requests returns the request log, oldest first (the newest 20,000).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqLog[max(0, len(s.reqLog)-requestLogSize):]...)
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP answers one request and logs it with its body and status.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	op, id, _, _ := s.routes.Match(r.Method, r.URL.Path)
	drop := op != "" && s.takeDrop(op)
	sw := &statusWriter{ResponseWriter: w}
	if drop {
		sw.ResponseWriter = &discardWriter{h: http.Header{}}
	}
	s.serve(sw, r)
	s.mu.Lock()
	s.reqLog = append(s.reqLog, Request{At: s.opts.Now(), Method: r.Method, Path: r.URL.Path, Op: op, DeviceID: id, Body: body, Status: sw.status})
	if len(s.reqLog) >= 2*requestLogSize { // trimmed in halves: O(1) a request
		s.reqLog = append(s.reqLog[:0], s.reqLog[requestLogSize:]...)
	}
	s.mu.Unlock()
	if drop {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}
}

// discardWriter takes an answer that is never sent.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// serve answers one request in the order the real service is assumed to
// check things: key, route, rate, daily quota, device, plan, monthly quota.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get(api.KeyHeader)
	switch {
	case key == "" || len(key) > 512:
		writeMsg(w, http.StatusUnauthorized, "Unauthorized: missing or malformed API key")
		return
	case key != s.opts.Key:
		writeMsg(w, http.StatusForbidden, "Forbidden")
		return
	}
	op, id, ok, wrongMethod := s.routes.Match(r.Method, r.URL.Path)
	if !ok {
		if wrongMethod {
			writeMsg(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		} else {
			writeMsg(w, http.StatusNotFound, "Not Found")
		}
		return
	}
	now := s.opts.Now()

	s.mu.Lock()
	s.stats.Requests++
	s.stats.ByOp[op]++
	if f, ok := s.takeFault(op); ok {
		s.mu.Unlock()
		serveFault(w, f)
		return
	}
	if s.opts.FailRate > 0 && s.rng.Float64() < s.opts.FailRate {
		busy := s.rng.IntN(2) == 0 // drawn under the lock, like every use of rng
		s.mu.Unlock()
		if busy {
			w.Header().Set("Retry-After", "2")
			writeMsg(w, http.StatusServiceUnavailable, "Service Unavailable")
		} else {
			writeMsg(w, http.StatusInternalServerError, "Internal Server Error")
		}
		return
	}
	if now.Sub(s.limitsAt) >= 12*time.Hour {
		s.recalcLimits(now)
	}
	if !s.limiter.AllowN(now, 1) {
		s.stats.RateLimited++
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		writeMsg(w, http.StatusTooManyRequests, "Too Many Requests: account rate limit exceeded")
		return
	}
	day := now.UTC().Format("2006-01-02")
	if s.daily[day] >= s.limits.Daily {
		s.stats.RateLimited++
		s.mu.Unlock()
		reset := api.NextReset(now).Sub(now)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(reset.Seconds()))))
		writeMsg(w, http.StatusTooManyRequests, "Too Many Requests: daily API quota exceeded")
		return
	}
	s.daily[day]++
	s.mu.Unlock()

	if op == api.OpListDevices {
		s.listDevices(w, r, now)
		return
	}
	if op == api.OpAddUser {
		s.addUser(w, r, id, now)
		return
	}
	if !validID(id) {
		writeMsg(w, http.StatusBadRequest, "Invalid device ID")
		return
	}
	s.mu.Lock()
	d := s.byID[id]
	if d == nil {
		s.mu.Unlock()
		writeMsg(w, http.StatusNotFound, "Device not found")
		return
	}
	if op == api.OpGetData {
		allowed, broken := d.CanReadData(), d.broken
		s.mu.Unlock()
		switch {
		case !allowed:
			writeMsg(w, http.StatusForbidden, "Device plan does not allow data access: upgrade to Trial or Hosted")
		case broken:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"deviceid":"` + id + `","data":[{"ts":17,"vin":`))
		default:
			s.getData(w, r, d, now)
		}
		return
	}
	if d.Plan != api.PlanHosted {
		mk := monthKey(now)
		if d.monthly[mk] >= api.MonthlyPerDevice {
			s.stats.RateLimited++
			s.mu.Unlock()
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "Monthly API request limit reached for device " + id, "apiRequestsRemaining": 0})
			return
		}
		d.monthly[mk]++
	}
	s.mu.Unlock()
	switch op {
	case api.OpGetDevice:
		s.mu.Lock()
		wd := d.wire(now)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, wd)
	case api.OpGetConfig:
		s.getConfig(w, d, now)
	case api.OpUpdateConfig:
		s.updateConfig(w, r, d, now)
	case api.OpLoadFile:
		s.loadFile(w, r, d, now)
	}
}

func (s *Server) takeFault(op api.Op) (Fault, bool) {
	for i, f := range s.faults {
		if f.Op == "" || f.Op == op {
			s.faults[i].Count--
			if s.faults[i].Count <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f, true
		}
	}
	return Fault{}, false
}

func serveFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Redirect != "" {
		w.Header().Set("Location", f.Redirect)
	}
	if f.Body != "" || f.Message == "" {
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	writeMsg(w, f.Status, f.Message)
}

func validID(id string) bool {
	if len(id) != 9 {
		return false
	}
	for _, c := range id {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
