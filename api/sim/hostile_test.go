package sim_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"sqc/api"
	"sqc/api/sim"
)

// Every scenario checks the key like the real service and serves the
// route table; an unknown scenario is refused by name.
func TestHostileScenariosServeTheRoutes(t *testing.T) {
	if _, err := sim.NewHostile("gentle", "k"); err == nil {
		t.Fatal("an unknown scenario was accepted")
	}
	for _, name := range sim.HostileScenarios() {
		h, err := sim.NewHostile(name, "k")
		if err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]int{"": 401, "wrong": 403} {
			req := httptest.NewRequest("GET", "/devices?limit=1", nil)
			if key != "" {
				req.Header.Set(api.KeyHeader, key)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Errorf("%s, key %q: %d, want %d", name, key, rec.Code, want)
			}
		}
		req := httptest.NewRequest("PATCH", "/devices/"+sim.HostileHosted+"/config", nil)
		req.Header.Set(api.KeyHeader, "k")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnprocessableEntity || h.Requests() != 1 {
			t.Errorf("%s: a write got %d (requests %d)", name, rec.Code, h.Requests())
		}
	}
}
