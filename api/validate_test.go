package api_test

import (
	"testing"

	"sqc/api"
)

func TestNormaliseDeviceID(t *testing.T) {
	if id, err := api.NormaliseDeviceID(" jda54e19f "); err != nil || id != "JDA54E19F" {
		t.Fatalf("lower case ID: %q %v", id, err)
	}
	for _, bad := range []string{"", "JDA54E19", "JDA54E19FF", "JDA54E19-", "JDA54É19F"} {
		if _, err := api.NormaliseDeviceID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidateFile(t *testing.T) {
	good := []struct {
		name string
		size int
	}{{"mqtt_client.key", 1700}, {"mqtt_client.crt", 1200}, {"mqtt_ca.pem", 1300}}
	for _, g := range good {
		if err := api.ValidateFile(g.name, g.size); err != nil {
			t.Errorf("%s: %v", g.name, err)
		}
	}
	for _, b := range []struct {
		name string
		size int
	}{{"ca.pem", 10}, {"CA.PEM", 10}, {"", 10}, {"../x", 10}, {".hidden", 10}, {"a b", 10}, {"x.crt", 0}, {"x.crt", api.MaxFileSize + 1}} {
		if err := api.ValidateFile(b.name, b.size); err == nil {
			t.Errorf("%q (%d bytes) accepted", b.name, b.size)
		}
	}
}
