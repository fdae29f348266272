package api

import (
	"bytes"
	"encoding/json"
	"math"
	"time"
)

// Plans a device can be on. Only Hosted and Trial may read device data.
const (
	PlanHosted = "Hosted"
	PlanTrial  = "Trial"
	PlanNone   = "None"
)

// Device is one device of the account as List All Devices and Get Device
// return it. Raw keeps the server's object, so fields we do not know are
// neither lost nor a decode error.
type Device struct {
	DeviceID  string `json:"deviceid"`
	Name      string `json:"name"`
	GroupID   string `json:"groupid"`
	GroupName string `json:"groupName"`
	Model     string `json:"model"`
	Firmware  string `json:"firmware"`
	Plan      string `json:"plan"`
	// LastSeen is Unix seconds, or nil for a device never seen.
	LastSeen *float64 `json:"lastSeen"`
	// Remaining is apiRequestsRemaining: present only on non-Hosted devices.
	Remaining *int `json:"apiRequestsRemaining,omitempty"`

	Raw json.RawMessage `json:"-"`
}

var knownDeviceKeys = map[string]bool{
	"deviceid": true, "name": true, "groupid": true, "groupName": true, "model": true,
	"firmware": true, "plan": true, "lastSeen": true, "apiRequestsRemaining": true,
}

// CanReadData reports whether the plan allows Get Device Data.
func (d *Device) CanReadData() bool { return d.Plan == PlanHosted || d.Plan == PlanTrial }

// Seen is the last-seen time, zero when never seen.
func (d *Device) Seen() time.Time {
	if d.LastSeen == nil {
		return time.Time{}
	}
	return unixTime(math.Trunc(*d.LastSeen))
}

// Extra returns the fields of the server's object that Device does not
// type; their keys are cleaned for display like every other string.
func (d *Device) Extra() []Field {
	var out []Field
	_ = eachField(d.Raw, func(k []byte, slow bool, v []byte) error {
		key, err := unquote(k, slow)
		if err == nil && !knownDeviceKeys[key] {
			f, _ := newField(key, v)
			f.Key = Clean(key)
			out = append(out, f)
		}
		return nil
	})
	return out
}

// UnmarshalJSON decodes the known fields leniently: a field of the wrong
// type is left empty rather than failing the whole list. Strings are
// cleaned (Clean) and numbers checked as they are decoded, so every typed
// field is safe to show; Raw keeps what the server sent.
func (d *Device) UnmarshalJSON(b []byte) error {
	own := bytes.Clone(b)
	*d = Device{Raw: own}
	if len(b) > MaxDeviceObject {
		// Not kept: MarshalJSON writes the typed fields, cut, instead.
		d.Raw = nil
	}
	return eachField(own, func(k []byte, slow bool, v []byte) error {
		key, err := unquote(k, slow)
		if err != nil {
			return err
		}
		str := func(dst *string) {
			if isJSONString(v) {
				*dst = boundedString(v, MaxNameRunes)
			}
		}
		switch key {
		case "deviceid":
			if isJSONString(v) {
				d.DeviceID = boundedString(v, MaxIDRunes)
			}
		case "name":
			str(&d.Name)
		case "groupid":
			if isJSONString(v) {
				str(&d.GroupID)
			} else if _, ok := parseNumber(v); ok {
				d.GroupID = string(v)
			}
		case "groupName":
			str(&d.GroupName)
		case "model":
			str(&d.Model)
		case "firmware":
			str(&d.Firmware)
		case "plan":
			str(&d.Plan)
		case "lastSeen":
			if n, ok := parseNumber(v); ok && ValidUnix(n) {
				d.LastSeen = &n
			}
		case "apiRequestsRemaining":
			d.Remaining = remainingFrom(v)
		}
		return nil
	})
}

// MaxDeviceObject bounds the server's object a Device keeps (Raw): a real
// one is a few hundred bytes; one holding a 49 MB name would be kept, and
// cached, whole. A larger object keeps only its typed fields, cut.
const MaxDeviceObject = 64 << 10

// boundedString decodes a JSON string value, cleaned and cut to n runes:
// only a bounded prefix of a long one is decoded.
func boundedString(v []byte, n int) string {
	lim := cutWindow(n)
	if len(v) <= lim+2 {
		s, _ := unquoteValue(v)
		return CleanCut(s, n)
	}
	s, _ := unquoteValue(jsonStringPrefix(v, lim))
	return cleanCut(s, n, true)
}

// jsonStringPrefix is a JSON string of about the first lim bytes of the
// string value v, cut before an escape it would split.
func jsonStringPrefix(v []byte, lim int) []byte {
	end := 1
	for end < lim {
		step := 1
		if v[end] == '\\' {
			step = 2
			if end+1 < len(v) && v[end+1] == 'u' {
				step = 6
			}
		}
		if end+step > lim {
			break
		}
		end += step
	}
	out := make([]byte, 0, end+1)
	return append(append(out, v[:end]...), '"')
}

// MarshalJSON returns the server's object untouched when there is one.
func (d Device) MarshalJSON() ([]byte, error) {
	if len(d.Raw) > 0 {
		return d.Raw, nil
	}
	type plain Device
	return json.Marshal(plain(d))
}

// DeviceList is one page of List All Devices.
type DeviceList struct {
	Devices []Device `json:"devices"`
	Next    *string  `json:"next"`
}
