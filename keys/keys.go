// Package keys finds the Senquip API key of a profile and knows profiles.
package keys

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// DefaultProfile is used when none is named.
const DefaultProfile = "default"

// EnvKey is the variable that carries a key for one session or script.
const EnvKey = "SENQUIP_API_KEY"

// Found is a key and where it came from, as the console's header shows it.
type Found struct {
	Key    string
	Source string // "env", "keyring", "file (insecure)"
}

// ErrNoKey says no store holds a key for the profile.
var ErrNoKey = errors.New("no API key: set " + EnvKey + " (generate one in the Senquip Portal under Account → API Access)")

// Lookup finds the key for a profile.
func Lookup(profile string) (Found, error) {
	if k := strings.TrimSpace(os.Getenv(EnvKey)); k != "" {
		return Found{Key: k, Source: "env"}, nil
	}
	return Found{}, ErrNoKey
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
