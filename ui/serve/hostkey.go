package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// HostKeyFile is the host key's name in the state folder.
const HostKeyFile = "ssh_host_ed25519_key"

// LoadHostKey reads the server's host key from path, creating it (0600)
// the first time. A key that others can read is refused rather than used:
// whoever can read it can pose as the server to every engineer.
func LoadHostKey(path string) (gossh.Signer, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createHostKey(path)
	case err != nil:
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("host key %s has mode %04o: others may read it; run chmod 600 %s (or delete it to make a new key, which clients will see as a changed host)", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	s, err := gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("host key %s is not a private key sqc can read (%v): move it away and sqc serve makes a new one", path, err)
	}
	return s, nil
}

func createHostKey(path string) (gossh.Signer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("host key folder: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "sqc serve host key")
	if err != nil {
		return nil, err
	}
	// O_EXCL: a second server starting at the same moment keeps the first's key
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	_, werr := f.Write(pem.EncodeToMemory(block))
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return gossh.NewSignerFromKey(priv)
}

// Fingerprint is how ssh shows a key (SHA256:…), for users to check the
// host they reach is this one.
func Fingerprint(k gossh.PublicKey) string { return gossh.FingerprintSHA256(k) }
