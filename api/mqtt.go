package api

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// CheckBroker checks the broker address a device is pointed at: the
// console's form and the command line refuse the same addresses with the
// same words, as the device would only fail at its next check-in.
func CheckBroker(v string) error {
	host, port, err := net.SplitHostPort(strings.TrimSpace(v))
	if err != nil || host == "" {
		return errors.New("write host:port, e.g. broker.example.com:8883")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return errors.New("the port is a number from 1 to 65535")
	}
	if Clean(host) != host {
		return errors.New("the host has control characters: type it again, e.g. broker.example.com:8883")
	}
	if strings.ContainsAny(host, " /\\") {
		return fmt.Errorf("%q is not a host name or address: no spaces or slashes, e.g. broker.example.com:8883", host)
	}
	return nil
}

// CheckMQTTClientID checks the client id the broker expects.
func CheckMQTTClientID(v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return errors.New("the broker needs the client id it expects from this device")
	case Clean(v) != v:
		return errors.New("control characters are not allowed")
	}
	return nil
}
