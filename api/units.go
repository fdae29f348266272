package api

import (
	"regexp"
	"strings"
)

// Units of the documented data message keys (senquip-api.md). Keys not
// listed have no unit we can know: analogN may be calibrated by the user.
var units = map[string]string{
	"vin": "V", "vsys": "V", "vbat": "V", "vreg": "V",
	"ambient": "°C", "pressure": "kPa",
	"pitch": "°", "roll": "°", "angle": "°",
	"motion": "mg", "accel_x": "g", "accel_y": "g", "accel_z": "g",
	"movement_hrs": "h",
	"gps_speed":    "km/h", "gps_lat": "°", "gps_lon": "°",
	"wifi_rssi": "dBm",
	"tc1":       "°C", "freq1": "Hz", "duty1": "%",
}

var unitPatterns = []struct {
	re   *regexp.Regexp
	unit string
}{
	{regexp.MustCompile(`^current\d+$`), "mA"},
	{regexp.MustCompile(`^analog\d+$`), "V"},
	{regexp.MustCompile(`^tc\d+$`), "°C"},
	{regexp.MustCompile(`^freq\d+$`), "Hz"},
	{regexp.MustCompile(`^duty\d+$`), "%"},
}

// Unit returns the unit of a data message key, or "".
func Unit(key string) string {
	if u, ok := units[key]; ok {
		return u
	}
	for _, p := range unitPatterns {
		if p.re.MatchString(key) {
			return p.unit
		}
	}
	return ""
}

// Group names the display group of a data message key.
func Group(key string) string {
	switch {
	case key == "deviceid" || key == "ts" || key == "time":
		return "identity"
	case key == "vin" || key == "vsys" || key == "vbat" || key == "vreg":
		return "power"
	case key == "ambient" || key == "pressure" || key == "light":
		return "environment"
	case key == "pitch" || key == "roll" || key == "angle" || key == "motion" || key == "movement_hrs" ||
		key == "state" || strings.HasPrefix(key, "accel_"):
		return "motion"
	case strings.HasPrefix(key, "gps_"):
		return "gps"
	case strings.HasPrefix(key, "wifi_"):
		return "network"
	case key == "can1" || key == "can2":
		return "can"
	case key == "events":
		return "events"
	case isInput(key):
		return "inputs"
	case isScript(key):
		return "script"
	}
	return "other"
}

var (
	inputRe  = regexp.MustCompile(`^(analog|digital|current|tc|freq|duty|pulse|pulse_delta|mod|capture)\d+$`)
	scriptRe = regexp.MustCompile(`^cp\d+$`)
)

func isInput(k string) bool  { return inputRe.MatchString(k) }
func isScript(k string) bool { return scriptRe.MatchString(k) }
