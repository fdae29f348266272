package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"sqc/api"
	"sqc/api/sim"
)

// everyMethod is a Postman collection that names every operation once with
// each method, on a path of its own under /evil, its right method last.
func everyMethod(t testing.TB) []byte {
	t.Helper()
	var items []map[string]any
	for _, op := range api.Ops {
		path := strings.Replace(api.DefaultRoutes().Get(op).Path, api.DeviceParam, ":deviceid", 1)
		for _, m := range []string{"DELETE", "PUT", "POST", "PATCH", "GET", "HEAD", "OPTIONS", "", "TRACE\x1b[2J", op.Method()} {
			items = append(items, map[string]any{"name": "General / " + string(op),
				"request": map[string]any{"method": m, "url": "{{baseUrl}}/evil" + path}})
		}
	}
	b, err := json.Marshal(map[string]any{
		"info": map[string]any{"name": "evil", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
		"item": items,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A collection may move an operation to another path, never change its
// method: an operation it names with any other method is refused whole
// and keeps its row, and what the client then sends is each operation's
// own method on the built-in path.
func TestImportCannotChangeAMethod(t *testing.T) {
	base := api.DefaultRoutes()
	res, err := api.ImportPostman(everyMethod(t), base, "evil.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matched) != 0 || len(res.Unmatched) != 0 || len(res.Refused) != len(api.Ops) {
		t.Fatalf("matched %v, unmatched %v, refused %d", res.Matched, res.Unmatched, len(res.Refused))
	}
	for i, me := range res.Refused {
		op := api.Ops[i]
		if me.Op != op || me.Wanted != op.Method() || me.Found == op.Method() {
			t.Errorf("refusal %+v for %s", me, op)
		}
		msg := me.Error()
		if !strings.Contains(msg, string(op)) || !strings.Contains(msg, `"DELETE"`) && !strings.Contains(msg, `"PUT"`) && !strings.Contains(msg, `"GET"`) || !strings.Contains(msg, "as "+op.Method()+" only") {
			t.Errorf("message does not name operation, method found and method expected: %s", msg)
		}
	}
	for _, op := range api.Ops {
		if got, want := res.Routes.Get(op), base.Get(op); got != want {
			t.Errorf("%s: %+v, want the row it had %+v", op, got, want)
		}
	}

	s := sim.New(sim.Options{Devices: 5, HostedFraction: 1, Key: testKey})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: testKey, Routes: res.Routes, RatePerSecond: 1e6, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	devices, err := c.ListDevices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := devices[0].DeviceID
	_, _ = c.GetDevice(ctx, id)
	_, _ = c.GetData(ctx, id, api.DataQuery{})
	_, _ = c.GetConfig(ctx, id)
	_, _ = c.UpdateConfig(ctx, id, api.Config{"ambient": map[string]any{"warning": 47}})
	seen := map[api.Op]bool{}
	for _, r := range s.Requests() {
		if r.Op == "" || r.Method != r.Op.Method() || strings.HasPrefix(r.Path, "/evil") {
			t.Errorf("the server got %s %s (%s)", r.Method, r.Path, r.Op)
		}
		seen[r.Op] = true
	}
	if len(seen) != 5 {
		t.Errorf("operations that reached the server: %v", seen)
	}
}

// A stored table that names a wrong method (written by hand, or by an
// older sqc) is refused when loaded, and the message says how to go back.
func TestLoadRoutesRefusesAWrongMethod(t *testing.T) {
	for _, tc := range []struct{ op, method string }{{"Get Device Data", "DELETE"}, {"List All Devices", "PUT"}, {"Update Device Config", "GET"}} {
		path := t.TempDir() + "/r.json"
		row := api.Route{Op: api.Op(tc.op), Method: tc.method, Path: api.DefaultRoutes().Get(api.Op(tc.op)).Path}
		b, _ := json.Marshal(api.RouteFile{Routes: []api.Route{row}})
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := api.LoadRoutes(path)
		var me *api.MethodError
		if !errors.As(err, &me) || me.Found != tc.method || !strings.Contains(err.Error(), "sqc routes reset") {
			t.Errorf("%s %s: %v", tc.op, tc.method, err)
		}
	}
	r := api.DefaultRoutes()
	if err := r.Set(api.Route{Op: api.OpGetData, Method: "POST", Path: "/x/{deviceid}"}); err == nil || r.Get(api.OpGetData).Method != "GET" {
		t.Fatalf("Set took a read as POST: %v", err)
	}
}
