package keys

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name; the account is the profile name.
const Service = "sqc"

// KeyringTimeout bounds every keyring call: a locked collection can wait
// for a password prompt no one will ever see over SSH.
const KeyringTimeout = 3 * time.Second

// UnavailableError says why the keyring cannot be used.
type UnavailableError struct{ Reason string }

func (e *UnavailableError) Error() string { return "the OS keyring is unavailable: " + e.Reason }

// IsUnavailable reports a keyring that cannot be used at all.
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}

// keyringCheck finds reasons to skip the keyring without calling it. On
// Linux without a session bus the D-Bus library would try to launch one.
func (s *Store) keyringCheck() error {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "openbsd" && runtime.GOOS != "netbsd" {
		return nil
	}
	if s.getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return nil
	}
	if dir := s.getenv("XDG_RUNTIME_DIR"); dir != "" {
		if st, err := os.Stat(filepath.Join(dir, "bus")); err == nil && st.Mode()&os.ModeSocket != 0 {
			return nil
		}
	}
	return &UnavailableError{Reason: "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus), as in an SSH session or a container"}
}

// bounded runs one keyring call with the timeout. A call that never
// returns is left behind; the console goes on without the keyring.
func (s *Store) bounded(fn func() error) error {
	if err := s.keyringCheck(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(s.timeout())
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return &UnavailableError{Reason: err.Error()}
		}
		return err
	case <-t.C:
		return &UnavailableError{Reason: fmt.Sprintf("it did not answer within %s (a locked collection waiting for a password?)", s.timeout())}
	}
}

func (s *Store) keyringGet() (string, error) {
	var key string
	err := s.bounded(func() error {
		var err error
		key, err = keyring.Get(Service, s.Profile)
		return err
	})
	return key, err
}

func (s *Store) keyringSet(key string) error {
	return s.bounded(func() error { return keyring.Set(Service, s.Profile, key) })
}

func (s *Store) keyringDelete() error {
	return s.bounded(func() error { return keyring.Delete(Service, s.Profile) })
}
