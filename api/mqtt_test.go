package api

import (
	"strings"
	"testing"
)

// The broker check the console's form and the command line share.
func TestCheckBroker(t *testing.T) {
	for _, tc := range []struct {
		in, say string // say "" for accepted
	}{
		{"broker.example.com:8883", ""},
		{" broker.example.com:8883 ", ""},
		{"10.0.0.5:1883", ""},
		{"[2001:db8::1]:8883", ""},
		{"broker.example.com", "write host:port"},
		{":8883", "write host:port"},
		{"", "write host:port"},
		{"mq:0", "1 to 65535"},
		{"mq:99999", "1 to 65535"},
		{"mq:port", "1 to 65535"},
		{"bro ker.example.com:8883", `"bro ker.example.com" is not a host name or address`},
		{"mqtts://broker.example.com:8883", "write host:port"},
		{"broker.example.com/x:8883", `"broker.example.com/x" is not a host name`},
		{`broker\x:8883`, "is not a host name"},
		{"broker\x07.example.com:8883", "control characters"},
		{"bro\tker:8883", "control characters"},
	} {
		err := CheckBroker(tc.in)
		switch {
		case tc.say == "" && err != nil:
			t.Errorf("%q refused: %v", tc.in, err)
		case tc.say != "" && (err == nil || !strings.Contains(err.Error(), tc.say)):
			t.Errorf("%q: %v, want %q", tc.in, err, tc.say)
		case err != nil && strings.ContainsAny(err.Error(), "\x1b\t"):
			t.Errorf("%q: the message carries a control character: %q", tc.in, err)
		}
	}
}

func TestCheckMQTTClientID(t *testing.T) {
	for _, tc := range []struct {
		in, say string
	}{
		{"pump-3", ""},
		{"12345", ""},
		{"", "needs the client id"},
		{"   ", "needs the client id"},
		{"pump\x1b]0;x\x07", "control characters"},
	} {
		err := CheckMQTTClientID(tc.in)
		if (tc.say == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.say)) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.say)
		}
	}
}
