// Package keys finds and keeps the Senquip API key of a profile: in the OS
// keyring first, or SENQUIP_API_KEY for one session, or an insecure file
// only the user can create. It also reads the profiles file. No UI.
package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultProfile is used when none is named.
const DefaultProfile = "default"

// EnvKey is the variable that carries a key for one session or script.
const EnvKey = "SENQUIP_API_KEY"

// Where a key was found, as the console's header shows it.
const (
	SourceEnv     = "env"
	SourceKeyring = "keyring"
	SourceFile    = "file (insecure)"
)

// Found is a key and where it came from.
type Found struct {
	Key    string
	Source string
}

// ErrNoKey says no store holds a key for the profile.
var ErrNoKey = errors.New("no API key")

// CleanKey trims what a paste or a pipe adds around a key and refuses what
// cannot be a key (invalid UTF-8 included). The message never repeats the
// key.
func CleanKey(raw string) (string, error) {
	if !utf8.ValidString(raw) {
		return "", errors.New("the key is not valid UTF-8 text: copy it again from the Senquip Portal (Account → API Access)")
	}
	k := strings.TrimSpace(raw)
	if k == "" {
		return "", errors.New("no key given: paste the key from the Senquip Portal (Account → API Access → Generate API Credentials)")
	}
	if strings.IndexFunc(k, unicode.IsSpace) >= 0 {
		return "", errors.New("the key has a space or line break inside it: copy it again as one piece, with nothing around it")
	}
	if strings.IndexFunc(k, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return "", errors.New("the key has control characters in it: copy it again from the Senquip Portal")
	}
	if len(k) > 512 {
		return "", errors.New("that is too long to be an API key: copy the key alone")
	}
	return k, nil
}

// Fingerprint is a short hash that tells keys apart without showing one.
func Fingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

// ValidateProfile refuses names that cannot be a keyring account or a
// file name: profile names are letters, digits, '.', '-' and '_'.
func ValidateProfile(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("profile name %q: use 1 to 64 letters, digits, '.', '-' or '_'", name)
	}
	for _, c := range name {
		ok := c == '.' || c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !ok {
			return fmt.Errorf("profile name %q: %q is not allowed; use letters, digits, '.', '-' or '_' (one profile per customer, e.g. acme)", name, c)
		}
	}
	if strings.HasPrefix(name, ".") {
		return fmt.Errorf("profile name %q must not start with a dot", name)
	}
	return nil
}
