package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sqc/api"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeMsg(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

// queryInt reads an integer query parameter within [lo, hi].
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, now time.Time) {
	limit, err := queryInt(r, "limit", api.DefaultPageSize, 1, api.MaxDevicePage)
	if err != nil {
		writeMsg(w, http.StatusBadRequest, err.Error())
		return
	}
	offset := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err == nil {
			offset, err = strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		}
		if err != nil || offset < 0 || !strings.HasPrefix(string(b), "o:") {
			writeMsg(w, http.StatusBadRequest, "invalid cursor")
			return
		}
	}
	s.mu.Lock()
	end := min(offset+limit, len(s.devices))
	page := api.DeviceList{Devices: make([]api.Device, 0, max(0, end-offset))}
	for i := offset; i < end; i++ {
		page.Devices = append(page.Devices, s.devices[i].wire(now))
	}
	if end < len(s.devices) {
		next := base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end)))
		page.Next = &next
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) getData(w http.ResponseWriter, r *http.Request, d *device, now time.Time) {
	limit, err := queryInt(r, "limit", 1, 1, api.MaxDataLimit)
	if err != nil {
		writeMsg(w, http.StatusBadRequest, err.Error())
		return
	}
	var start, end time.Time
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"start", &start}, {"end", &end}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				writeMsg(w, http.StatusBadRequest, p.name+" must be Unix seconds")
				return
			}
			*p.dst = time.Unix(n, 0)
		}
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		writeMsg(w, http.StatusBadRequest, "end is before start")
		return
	}
	msgs := s.dataFor(d, now, start, end, limit)
	var b strings.Builder
	b.WriteString(`{"deviceid":"` + d.DeviceID + `","data":[`)
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(m)
	}
	b.WriteString("]}")
	w.Header().Set("Content-Type", "application/json")
	// a body known whole before it is sent is announced with its length,
	// as servers do; the client reads it into one buffer of that size
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = io.WriteString(w, b.String())
}

// applyDue applies a queued config once the device has checked in after it
// was queued. Call with s.mu held.
func (d *device) applyDue(now time.Time) {
	if d.config == nil {
		d.config = d.defaultConfig()
	}
	if d.pending == nil {
		return
	}
	if at := d.nextCheckIn(d.pendingAt); !at.IsZero() && !now.Before(at) {
		d.config.Merge(d.pending)
		d.pending = nil
	}
}

func (s *Server) remaining(d *device, now time.Time) *int {
	if d.Plan == api.PlanHosted {
		return nil
	}
	n := max(0, api.MonthlyPerDevice-d.monthly[monthKey(now)])
	return &n
}

func (s *Server) getConfig(w http.ResponseWriter, d *device, now time.Time) {
	s.mu.Lock()
	d.applyDue(now)
	resp := api.ConfigResponse{Config: d.config.Clone(), Synced: d.pending == nil, Remaining: s.remaining(d, now)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) updateConfig(w http.ResponseWriter, r *http.Request, d *device, now time.Time) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeMsg(w, http.StatusBadRequest, "could not read body")
		return
	}
	var req struct {
		Config api.Config `json:"config"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Config == nil {
		writeMsg(w, http.StatusBadRequest, `body must be {"config": {...}}`)
		return
	}
	if len(req.Config.Keys()) == 0 {
		writeMsg(w, http.StatusBadRequest, "config is empty")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d.applyDue(now)
	current := d.config.Flatten()
	for k, v := range req.Config.Flatten() {
		old, ok := current[k]
		if !ok {
			writeMsg(w, http.StatusUnprocessableEntity, "unknown setting "+k)
			return
		}
		if kindOf(old) != kindOf(v) {
			writeMsg(w, http.StatusUnprocessableEntity, fmt.Sprintf("setting %s takes a %s, not a %s", k, kindOf(old), kindOf(v)))
			return
		}
	}
	if d.pending == nil {
		d.pending = api.Config{}
		d.pendingAt = now
	}
	d.pending.Merge(req.Config)
	writeJSON(w, http.StatusAccepted, struct {
		Message   string `json:"message"`
		Remaining *int   `json:"apiRequestsRemaining,omitempty"`
	}{"Config update queued", s.remaining(d, now)})
}

func kindOf(v any) string {
	switch v.(type) {
	case json.Number, int, int64, float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []any:
		return "list"
	default:
		return "group"
	}
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request, id string, now time.Time) {
	var req api.AddUserRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil && err != io.EOF {
		writeMsg(w, http.StatusBadRequest, "body must be JSON")
		return
	}
	if !validID(id) {
		writeMsg(w, http.StatusBadRequest, "Invalid device ID")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID[id] != nil {
		writeMsg(w, http.StatusUnprocessableEntity, "Device is already in this account")
		return
	}
	idx := -1
	for i, c := range s.claimables {
		if c.id == id {
			idx = i
		}
	}
	if idx < 0 {
		writeMsg(w, http.StatusNotFound, "Device not found")
		return
	}
	c := s.claimables[idx]
	if c.password != "" {
		switch req.SetupPassword {
		case "":
			writeMsg(w, http.StatusBadRequest, "Password Required")
			return
		case c.password:
		default:
			writeMsg(w, http.StatusForbidden, "Invalid setup password")
			return
		}
	}
	g := groupSpec{id: req.GroupID, name: req.GroupName}
	if g.id == "" && g.name == "" {
		g = groups[0]
	}
	d := &device{
		Device:   api.Device{DeviceID: c.id, Name: "New " + c.model, GroupID: g.id, GroupName: g.name, Model: c.model, Firmware: firmwares[len(firmwares)-1], Plan: api.PlanTrial},
		interval: time.Minute,
		files:    map[string]int{},
		monthly:  map[string]int{},
	}
	s.claimables = append(s.claimables[:idx], s.claimables[idx+1:]...)
	s.devices = append(s.devices, d)
	s.byID[id] = d
	writeMsg(w, http.StatusOK, "Device added")
}

func (s *Server) loadFile(w http.ResponseWriter, r *http.Request, d *device, now time.Time) {
	r.Body = http.MaxBytesReader(w, r.Body, api.MaxFileSize+64<<10)
	if err := r.ParseMultipartForm(api.MaxFileSize + 64<<10); err != nil {
		writeMsg(w, http.StatusBadRequest, "body must be multipart/form-data with a field named file, at most "+strconv.Itoa(api.MaxFileSize)+" bytes")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		writeMsg(w, http.StatusBadRequest, "missing multipart field file")
		return
	}
	defer f.Close()
	if strings.EqualFold(hdr.Filename, api.ProtectedFile) {
		writeMsg(w, http.StatusBadRequest, "ca.pem is the device trust store and cannot be replaced")
		return
	}
	if hdr.Size > api.MaxFileSize {
		writeMsg(w, http.StatusBadRequest, "File too large: at most "+strconv.Itoa(api.MaxFileSize)+" bytes")
		return
	}
	s.mu.Lock()
	d.files[hdr.Filename] = int(hdr.Size)
	rem := s.remaining(d, now)
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, struct {
		Message   string `json:"message"`
		Remaining *int   `json:"apiRequestsRemaining,omitempty"`
	}{"File queued", rem})
}

// Files lists what was loaded onto a device, by name and size.
func (s *Server) Files(id string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	if d := s.byID[id]; d != nil {
		for k, v := range d.files {
			out[k] = v
		}
	}
	return out
}
