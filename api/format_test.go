package api_test

import (
	"encoding/json"
	"testing"

	"sqc/api"
)

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		key  string
		v    float64
		want string
	}{
		{"vin", 24.50669369697571, "24.507"},
		{"vin", 24.5, "24.5"},
		{"vin", 24, "24"},
		{"vin", 24.0004, "24"},
		{"vin", -0.0001, "-0.0001"},
		{"ambient", 49.6, "49.6"},
		{"ambient", 0.1 + 0.2, "0.3"},
		{"gps_lat", -27.467812345, "-27.467812"},
		{"gps_lon", 153.02, "153.02"},
		{"motion", 1234567, "1234567"},
		{"cp1", 123456789012.5, "123456789012.5"},
		{"cp1", 1e20, "1e+20"},
		{"cp1", 0, "0"},
		{"cp1", -3, "-3"},
		{"cp1", 0.0000015, "1.5e-06"},
	} {
		if got := api.FormatNumber(tc.key, tc.v); got != tc.want {
			t.Errorf("FormatNumber(%s, %v) = %q, want %q", tc.key, tc.v, got, tc.want)
		}
	}
}

func TestFormatReadingKeepsUnits(t *testing.T) {
	var m api.DataMessage
	body := `{"vin":24.50669369697571,"ambient":49.6,"gps_lat":-27.4678123,"current2":4.25,"cp1":"Low \u001b[2Jpressure",` +
		`"light":1,"can1":[{"id":419371762,"data":"0102"}],"events":[{"topic":"mjs","msg":"x","lv":30}],"zz_unknown":[1,2]}`
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"vin": "24.507 V", "ambient": "49.6 °C", "gps_lat": "-27.467812 °", "current2": "4.25 mA",
		"cp1": "Low pressure", "light": "1", "can1": "1 frame", "events": "1 event", "zz_unknown": "[1,2]",
	} {
		f, _ := m.Get(key)
		if got := api.FormatReading(key, f, &m); got != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
}

func TestFormatCANIDAndPlural(t *testing.T) {
	if got := api.FormatCANID(api.CANFrame{ID: 419371762}); got != "18FF1AF2 pgn 65306" {
		t.Errorf("CAN id: %q", got)
	}
	if got := api.FormatCANID(api.CANFrame{ID: 0x0CF00400}); got != "0CF00400 pgn 61444" {
		t.Errorf("CAN id: %q", got)
	}
	for n, want := range map[int]string{0: "0 frames", 1: "1 frame", 2: "2 frames"} {
		if got := api.Plural(n, "frame"); got != want {
			t.Errorf("Plural(%d) = %q", n, got)
		}
	}
}

func TestClampedNumbers(t *testing.T) {
	for v, want := range map[float64]int{-3: 0, 0: 0, 12.9: 12, 50: 50, 51: 50, 1e6: 50} {
		if got, ok := api.ClampRemaining(v); !ok || got != want {
			t.Errorf("ClampRemaining(%v) = %d %v, want %d", v, got, ok, want)
		}
	}
	for _, v := range []float64{1e300, -1e300, 1e7} {
		if _, ok := api.ClampRemaining(v); ok {
			t.Errorf("ClampRemaining(%v) kept", v)
		}
	}
	if api.ClampLevel(1e20) != api.MaxLevel || api.ClampLevel(-1e20) != -api.MaxLevel || api.ClampLevel(30.7) != 30 {
		t.Error("ClampLevel")
	}
	if api.LevelClass(api.ClampLevel(1e20)) != api.ClassAlarm {
		t.Error("lv 1e20 is not an alarm")
	}
	for v, want := range map[float64]bool{0: true, 1770605570.5: true, 253402300799: true, 253402300800: false, -1: false, 1e300: false} {
		if api.ValidUnix(v) != want {
			t.Errorf("ValidUnix(%v) != %v", v, want)
		}
	}
}
