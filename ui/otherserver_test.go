package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"sqc/api"
)

// otherServer is a server of the contract that is not our simulator: long
// floats, keys we do not know, CAN frames written data-first, keys in
// another order.
func otherServer(t *testing.T, now time.Time) *httptest.Server {
	routes := api.DefaultRoutes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		op, id, _, _ := routes.Match(r.Method, r.URL.Path)
		switch op {
		case api.OpListDevices:
			fmt.Fprintf(w, `{"next":null,"devices":[{"plan":"Hosted","lastSeen":%d,"deviceid":"OTHER0001","name":"Far pump","groupName":"West","model":"QUAD-C2","extra":{"a":1}}]}`, now.Unix()-20)
		case api.OpGetData:
			fmt.Fprintf(w, `{"data":[{"zz_unknown_key_with_a_long_name":12345,"vin":24.50669369697571,"ambient":21.123456789,`+
				`"gps_lat":-33.86881234567,"can1":[{"data":"425E590803FFD908","id":419371762}],"ts":%d.25,"deviceid":"%s"}],"deviceid":"%s"}`, now.Unix()-20, id, id)
		default:
			w.WriteHeader(404)
			fmt.Fprint(w, `{"message":"Not Found"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestLongFloatsKeepTheirUnitAt80Columns(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	srv := otherServer(t, now)
	cfg := Config{Profile: "acme", Key: uiKey, KeySource: "env",
		Connect: connectTo(srv.URL, nil)}
	tm := teatest.NewTestModel(t, New(context.Background(), cfg), teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	scr := newScreen(t, tm, 80, 24)
	scr.waitText(t, "OTHER0001")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	scr.waitFor(t, "the readings with their units", func(v string) bool {
		return strings.Contains(v, "24.507 V") && strings.Contains(v, "21.123 °C") && strings.Contains(v, "-33.868812 °") &&
			strings.Contains(v, "12345") && strings.Contains(v, "zz_unknown") &&
			strings.Contains(v, "can1 · 1 frame") && strings.Contains(v, "18FF1AF2 pgn 65306")
	})
	if strings.Contains(scr.String(), "24.5066") {
		t.Fatalf("a long float shown whole:\n%s", scr.String())
	}
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(patience))
}
