package keys

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/zalando/go-keyring"
)

// Store finds and keeps one profile's key.
type Store struct {
	Profile   string
	ConfigDir string // $XDG_CONFIG_HOME/sqc
	// Getenv reads the environment; tests replace it.
	Getenv  func(string) string
	Timeout time.Duration // KeyringTimeout
}

// NewStore checks the profile name and returns its store.
func NewStore(profile, configDir string) (*Store, error) {
	if err := ValidateProfile(profile); err != nil {
		return nil, err
	}
	return &Store{Profile: profile, ConfigDir: configDir}, nil
}

func (s *Store) getenv(k string) string {
	if s.Getenv != nil {
		return s.Getenv(k)
	}
	return os.Getenv(k)
}

func (s *Store) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return KeyringTimeout
}

// Lookup reads the key: SENQUIP_API_KEY, then the keyring, then the
// insecure file. The error of a miss says what was tried and what to do.
func (s *Store) Lookup() (Found, error) {
	if k := s.getenv(EnvKey); k != "" {
		key, err := CleanKey(k)
		if err != nil {
			return Found{}, fmt.Errorf("%s: %v", EnvKey, err)
		}
		return Found{Key: key, Source: SourceEnv}, nil
	}
	key, kerr := s.keyringGet()
	if kerr == nil {
		return Found{Key: key, Source: SourceKeyring}, nil
	}
	keys, ferr := s.readFile()
	if ferr != nil {
		return Found{}, ferr
	}
	if k, ok := keys[s.Profile]; ok {
		return Found{Key: k, Source: SourceFile}, nil
	}
	why := "the keyring holds none"
	if IsUnavailable(kerr) {
		why = kerr.Error()
	}
	return Found{}, fmt.Errorf("%w for profile %s (%s): run sqc auth login --profile %s, or set %s for this session", ErrNoKey, s.Profile, why, s.Profile, EnvKey)
}

// SaveKeyring stores the key in the keyring. When the keyring cannot be
// used the error names why and both ways out; nothing is written.
func (s *Store) SaveKeyring(key string) error {
	err := s.keyringSet(key)
	if IsUnavailable(err) {
		return s.noKeyring(err)
	}
	return err
}

// CheckKeyring tells, without calling the keyring, whether it is sure to
// be unavailable (no session bus, as over SSH), with the same message as
// SaveKeyring: a login can say so before the user types the key.
func (s *Store) CheckKeyring() error {
	if err := s.keyringCheck(); err != nil {
		return s.noKeyring(err)
	}
	return nil
}

func (s *Store) noKeyring(err error) error {
	return fmt.Errorf("%w.\nNothing was stored. Either set %s for this session, or store the key in a plain-text file readable only by you: sqc auth login --profile %s --insecure-storage", err, EnvKey, s.Profile)
}

// SaveFile stores the key in the insecure file, on the user's explicit word.
func (s *Store) SaveFile(key string) error {
	keys, err := s.readFile()
	if err != nil {
		return err
	}
	keys[s.Profile] = key
	return s.writeFile(keys)
}

// Delete removes the key from every store that holds it and says which.
// The environment cannot be changed from here; the caller says so.
func (s *Store) Delete() ([]string, error) {
	var removed []string
	var errs []error
	switch err := s.keyringDelete(); {
	case err == nil:
		removed = append(removed, SourceKeyring)
	case errors.Is(err, keyring.ErrNotFound), IsUnavailable(err):
	default:
		errs = append(errs, err)
	}
	keys, err := s.readFile()
	if err != nil {
		errs = append(errs, err)
	} else if _, ok := keys[s.Profile]; ok {
		delete(keys, s.Profile)
		if err := s.writeFile(keys); err != nil {
			errs = append(errs, err)
		} else {
			removed = append(removed, SourceFile)
		}
	}
	return removed, errors.Join(errs...)
}

// Holders lists the stores that hold a key for the profile, without
// reading the environment; an unreadable store is reported in err.
func (s *Store) Holders() ([]string, error) {
	var out []string
	var errs []error
	switch _, err := s.keyringGet(); {
	case err == nil:
		out = append(out, SourceKeyring)
	case IsUnavailable(err):
		errs = append(errs, err)
	}
	keys, err := s.readFile()
	if err != nil {
		errs = append(errs, err)
	} else if _, ok := keys[s.Profile]; ok {
		out = append(out, SourceFile)
	}
	return out, errors.Join(errs...)
}

// FileProfiles lists the profiles that have a key in the insecure file.
func (s *Store) FileProfiles() ([]string, error) {
	keys, err := s.readFile()
	if err != nil {
		return nil, err
	}
	var out []string
	for p := range keys {
		out = append(out, p)
	}
	return out, nil
}
