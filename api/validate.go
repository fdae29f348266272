package api

import (
	"fmt"
	"strings"
)

// Checks that run before a request is spent on input that cannot succeed.

// NormaliseDeviceID checks a device ID, 9 ASCII letters or digits, and
// upper-cases it. The check comes first: Unicode case folding would turn
// M0000000ſ (long s) into M0000000S and send a request for it.
func NormaliseDeviceID(id string) (string, error) {
	s := strings.TrimSpace(id)
	shown := Truncate(Clean(id), 24, "…")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return "", fmt.Errorf("device ID %q: only letters and digits are allowed (like JDA54E19F)", shown)
		}
	}
	if len(s) != 9 {
		return "", fmt.Errorf("device ID %q: must be 9 letters or digits (like JDA54E19F), got %d characters", shown, len(s))
	}
	return strings.ToUpper(s), nil
}

// MaxConfigKeyLen bounds a dotted configuration key.
const MaxConfigKeyLen = 128

// ValidateConfigKey checks a dotted setting name such as can1.nominal_baud.
func ValidateConfigKey(key string) error {
	if key == "" {
		return fmt.Errorf("config key is empty: use a dotted name such as can1.nominal_baud")
	}
	if len(key) > MaxConfigKeyLen {
		return fmt.Errorf("config key %.20q...: longer than %d characters", key, MaxConfigKeyLen)
	}
	for _, part := range strings.Split(key, ".") {
		if part == "" {
			return fmt.Errorf("config key %q: empty part between dots", key)
		}
		for _, c := range part {
			ok := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
			if !ok {
				return fmt.Errorf("config key %q: %q is not allowed; use letters, digits and _ between dots", key, c)
			}
		}
	}
	return nil
}

// Limits for Load File onto Device. Senquip does not publish them; these
// are our assumption, generous for certificates and keys.
const (
	MaxFileSize    = 64 << 10
	MaxFileNameLen = 64
	// ProtectedFile is the device's own trust store: never overwritten.
	ProtectedFile = "ca.pem"
)

// ValidateFile checks a file name and size before Load File onto Device.
func ValidateFile(name string, size int) error {
	if name == "" {
		return fmt.Errorf("file name is empty")
	}
	if len(name) > MaxFileNameLen {
		return fmt.Errorf("file name %q is longer than %d characters", name, MaxFileNameLen)
	}
	if strings.EqualFold(name, ProtectedFile) {
		return fmt.Errorf("refusing to load %s: it is the device's built-in trust store (AWS and Azure roots); name your CA file mqtt_ca.pem", ProtectedFile)
	}
	for _, c := range name {
		ok := c == '_' || c == '-' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !ok {
			return fmt.Errorf("file name %q: %q is not allowed; use letters, digits, '.', '-' and '_'", name, c)
		}
	}
	if strings.HasPrefix(name, ".") {
		return fmt.Errorf("file name %q must not start with a dot", name)
	}
	if size == 0 {
		return fmt.Errorf("file %s is empty", name)
	}
	if size > MaxFileSize {
		return fmt.Errorf("file %s is %d bytes; the most a device takes is %d", name, size, MaxFileSize)
	}
	return nil
}
