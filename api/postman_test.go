package api_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sqc/api"
)

func TestImportPostmanCollection(t *testing.T) {
	data, err := os.ReadFile("testdata/senquip-collection.json")
	if err != nil {
		t.Fatal(err)
	}
	base := api.DefaultRoutes()
	res, err := api.ImportPostman(data, base, "senquip.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[api.Op]string{
		api.OpListDevices: "GET /v2/devices",
		api.OpGetDevice:   "GET /v2/devices/{deviceid}",
		api.OpGetData:     "GET /v2/devices/{deviceid}/data",
		api.OpGetConfig:   "GET /v2/devices/{deviceid}/settings",
		// The collection names PUT: refused, the built-in row kept.
		api.OpUpdateConfig: "PATCH /devices/{deviceid}/config",
		api.OpAddUser:      "POST /devices/{deviceid}/users",
		api.OpLoadFile:     "POST /devices/{deviceid}/files",
	}
	for op, mp := range want {
		r := res.Routes.Get(op)
		if got := r.Method + " " + r.Path; got != mp {
			t.Errorf("%s: %s, want %s", op, got, mp)
		}
	}
	if got := res.Routes.Get(api.OpGetData).Source; got != "imported from senquip.json" {
		t.Errorf("source %q", got)
	}
	if len(res.Refused) != 1 || res.Refused[0].Op != api.OpUpdateConfig || res.Refused[0].Found != "PUT" {
		t.Errorf("refused %v", res.Refused)
	}
	if !reflect.DeepEqual(res.Unmatched, []api.Op{api.OpAddUser, api.OpLoadFile}) {
		t.Errorf("unmatched %v", res.Unmatched)
	}
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], ":serial") {
		t.Errorf("skipped %v", res.Skipped)
	}
	if res.BaseURL != "https://cloud-api.v2.senquip.com" {
		t.Errorf("base URL %q", res.BaseURL)
	}
	if base.Get(api.OpGetDevice).Path != "/devices/{deviceid}" {
		t.Error("import changed the table it started from")
	}

	path := filepath.Join(t.TempDir(), "routes", "acme.json")
	if err := api.SaveRoutes(path, res.Routes, res.BaseURL); err != nil {
		t.Fatal(err)
	}
	loaded, url, err := api.LoadRoutes(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded.All(), res.Routes.All()) || url != res.BaseURL {
		t.Fatalf("routes did not survive a save and load:\n%v\n%v", loaded.All(), res.Routes.All())
	}
}

func TestImportRefusesWhatIsNotACollection(t *testing.T) {
	for name, data := range map[string]string{
		"not json":      "hello",
		"openapi":       `{"openapi":"3.0.0","paths":{}}`,
		"v1 collection": `{"id":"x","name":"old","requests":[]}`,
		"no operations": `{"info":{"schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},"item":[{"name":"Ping","request":{"method":"GET","url":"{{baseUrl}}/ping"}}]}`,
	} {
		if _, err := api.ImportPostman([]byte(data), api.DefaultRoutes(), "f.json"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRoutesMatch(t *testing.T) {
	r := api.DefaultRoutes()
	op, id, ok, _ := r.Match("GET", "/devices/ABC123DEF/data")
	if !ok || op != api.OpGetData || id != "ABC123DEF" {
		t.Fatalf("match: %v %q %v", op, id, ok)
	}
	if _, _, ok, wrong := r.Match("DELETE", "/devices/ABC123DEF"); ok || !wrong {
		t.Fatal("a wrong method is not reported as such")
	}
	if _, _, ok, wrong := r.Match("GET", "/nothing"); ok || wrong {
		t.Fatal("an unknown path matched")
	}
}

func TestLoadRoutesRefusesABrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(path, []byte(`{"routes":[{"op":"Get Device","method":"GET","path":"/devices"}]}`), 0o600)
	if _, _, err := api.LoadRoutes(path); err == nil || !strings.Contains(err.Error(), "{deviceid}") {
		t.Fatalf("a route without the device placeholder: %v", err)
	}
}
