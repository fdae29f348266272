package keys

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The insecure credentials file: plain text, mode 0600, written only when
// the user asks for it with --insecure-storage, refused when others can
// read it (as ssh refuses such keys).

const fileHeader = "# sqc credentials, written by `sqc auth login --insecure-storage`.\n# Plain text: keep this file mode 0600, or move the keys to the OS keyring.\n"

// CredentialsPath is where the insecure file lives.
func (s *Store) CredentialsPath() string { return filepath.Join(s.ConfigDir, "credentials") }

// readFile returns every profile's key in the file; a missing file is empty.
func (s *Store) readFile() (map[string]string, error) {
	path := s.CredentialsPath()
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseCredentials(b, path)
}

func parseCredentials(b []byte, path string) (map[string]string, error) {
	out := map[string]string{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(line[1 : len(line)-1])
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || strings.TrimSpace(k) != "api_key" || section == "" {
				return nil, fmt.Errorf("%s line %d: expected [profile] and then api_key = KEY", path, n)
			}
			out[section] = strings.TrimSpace(v)
		}
	}
	return out, sc.Err()
}

// writeFile replaces the file atomically with mode 0600.
func (s *Store) writeFile(keys map[string]string) error {
	if err := os.MkdirAll(s.ConfigDir, 0o700); err != nil {
		return err
	}
	path := s.CredentialsPath()
	if len(keys) == 0 {
		err := os.Remove(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	names := make([]string, 0, len(keys))
	for p := range keys {
		names = append(names, p)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(fileHeader)
	for _, p := range names {
		fmt.Fprintf(&b, "\n[%s]\napi_key = %s\n", p, keys[p])
	}
	return writePrivateAs(s.ConfigDir, path, ".credentials-*", b.String())
}
