package api

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Op names one operation of the Senquip Cloud API. The string is the name
// Senquip's published Postman collection uses, which is how imported
// collections are matched to rows.
type Op string

const (
	OpListDevices  Op = "List All Devices"
	OpGetDevice    Op = "Get Device"
	OpGetData      Op = "Get Device Data"
	OpGetConfig    Op = "Get Device Config"
	OpUpdateConfig Op = "Update Device Config"
	OpAddUser      Op = "Add a User to a Device"
	OpLoadFile     Op = "Load File onto Device"
)

// Ops lists every operation in the order the route table shows them.
var Ops = []Op{OpListDevices, OpGetDevice, OpGetData, OpGetConfig, OpUpdateConfig, OpAddUser, OpLoadFile}

// DeviceParam is the placeholder for the device ID in a path template.
const DeviceParam = "{deviceid}"

// SourceBuiltin marks a row that comes from our own assumptions, not from
// anything Senquip published.
const SourceBuiltin = "built-in (assumed)"

// Route is one row of the route table.
type Route struct {
	Op     Op     `json:"op"`
	Method string `json:"method"`
	Path   string `json:"path"`   // template, e.g. /devices/{deviceid}/data
	Source string `json:"source"` // where the row comes from
}

// NeedsDevice reports whether the operation addresses one device.
func (o Op) NeedsDevice() bool { return o != OpListDevices }

// Write reports whether the operation changes something on the server.
// Writes are never retried automatically.
func (o Op) Write() bool { return o == OpUpdateConfig || o == OpAddUser || o == OpLoadFile }

// Method is the one HTTP method the operation is sent with. It is fixed
// here, in code: a route table from elsewhere may move an operation to
// another path, but a read sent as DELETE or PUT would be a write nobody
// asked for, so no table can change it.
func (o Op) Method() string {
	switch o {
	case OpUpdateConfig:
		return "PATCH"
	case OpAddUser, OpLoadFile:
		return "POST"
	}
	return "GET"
}

// MethodError is a row that names another method than its operation's.
type MethodError struct {
	Op            Op
	Found, Wanted string
}

func (e *MethodError) Error() string {
	return fmt.Sprintf("%s: the method is %q, but sqc sends this operation as %s only (a route table may change a path, never a method)",
		e.Op, Truncate(Clean(e.Found), 16, "…"), e.Wanted)
}

// Routes is the route table: the one place where methods and paths live.
type Routes struct {
	rows map[Op]Route
}

// DefaultRoutes returns the built-in table of senquip-api.md.
func DefaultRoutes() *Routes {
	r := &Routes{rows: map[Op]Route{}}
	for _, row := range []Route{
		{OpListDevices, "", "/devices", SourceBuiltin},
		{OpGetDevice, "", "/devices/{deviceid}", SourceBuiltin},
		{OpGetData, "", "/devices/{deviceid}/data", SourceBuiltin},
		{OpGetConfig, "", "/devices/{deviceid}/config", SourceBuiltin},
		{OpUpdateConfig, "", "/devices/{deviceid}/config", SourceBuiltin},
		{OpAddUser, "", "/devices/{deviceid}/users", SourceBuiltin},
		{OpLoadFile, "", "/devices/{deviceid}/files", SourceBuiltin},
	} {
		row.Method = row.Op.Method()
		r.rows[row.Op] = row
	}
	return r
}

// Get returns the row for op, always with the operation's own method.
func (r *Routes) Get(op Op) Route {
	row := r.rows[op]
	row.Method = op.Method()
	return row
}

// All returns every row in the order of Ops.
func (r *Routes) All() []Route {
	out := make([]Route, 0, len(Ops))
	for _, op := range Ops {
		out = append(out, r.rows[op])
	}
	return out
}

// Clone returns an independent copy.
func (r *Routes) Clone() *Routes {
	c := &Routes{rows: make(map[Op]Route, len(r.rows))}
	for k, v := range r.rows {
		c.rows[k] = v
	}
	return c
}

// Set replaces one row after checking it can be used.
func (r *Routes) Set(row Route) error {
	if err := checkRoute(row); err != nil {
		return err
	}
	r.rows[row.Op] = row
	return nil
}

func checkRoute(row Route) error {
	known := false
	for _, op := range Ops {
		known = known || op == row.Op
	}
	if !known {
		return fmt.Errorf("unknown operation %q", row.Op)
	}
	if row.Method != row.Op.Method() {
		return &MethodError{Op: row.Op, Found: row.Method, Wanted: row.Op.Method()}
	}
	if !strings.HasPrefix(row.Path, "/") {
		return fmt.Errorf("%s: path %q must start with /", row.Op, row.Path)
	}
	if n := strings.Count(row.Path, DeviceParam); row.Op.NeedsDevice() != (n == 1) {
		if row.Op.NeedsDevice() {
			return fmt.Errorf("%s: path %q must hold %s once", row.Op, row.Path, DeviceParam)
		}
		return fmt.Errorf("%s: path %q must not hold %s", row.Op, row.Path, DeviceParam)
	}
	if strings.ContainsAny(row.Path, "?# ") {
		return fmt.Errorf("%s: path %q must not hold a query, fragment or space", row.Op, row.Path)
	}
	return nil
}

// URL builds the request URL for op on base, with the device ID escaped
// into the template and the query appended.
func (r *Routes) URL(base *url.URL, op Op, deviceID string, q url.Values) string {
	row := r.rows[op]
	p := strings.Replace(row.Path, DeviceParam, url.PathEscape(deviceID), 1)
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + p
	u.RawPath = ""
	u.RawQuery = ""
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Match finds the operation whose method and template fit a request path.
// The simulator routes with it, so the simulator always serves the table.
func (r *Routes) Match(method, path string) (op Op, deviceID string, ok bool, methodMismatch bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	ops := make([]Op, 0, len(r.rows))
	for op := range r.rows {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i] < ops[j] })
	for _, op := range ops {
		row := r.rows[op]
		id, fits := matchTemplate(row.Path, segs)
		if !fits {
			continue
		}
		if row.Method != method {
			methodMismatch = true
			continue
		}
		return op, id, true, false
	}
	return "", "", false, methodMismatch
}

func matchTemplate(tmpl string, segs []string) (string, bool) {
	ts := strings.Split(strings.Trim(tmpl, "/"), "/")
	if len(ts) != len(segs) {
		return "", false
	}
	id := ""
	for i, t := range ts {
		if t == DeviceParam {
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return "", false
			}
			id = v
			continue
		}
		if t != segs[i] {
			return "", false
		}
	}
	return id, true
}
