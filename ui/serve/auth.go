package serve

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// Member is who a key lets in: the name writes are audited under (the
// key's comment) and whether the console may send writes.
type Member struct {
	Name   string
	Writer bool
	Line   int // in the authorized_keys file
}

// Role is what a member is said to be.
func (m Member) Role() string {
	if m.Writer {
		return "writer"
	}
	return "viewer"
}

const roleOption = "sqc-role"

// Access is the keys an authorized_keys file lets in, and what was wrong
// with the lines it could not use (each named by its line number).
type Access struct {
	keys     map[string]Member // by the key's wire form
	Problems []string
}

// Len is how many keys are let in.
func (a *Access) Len() int { return len(a.keys) }

// Lookup is the member a public key belongs to.
func (a *Access) Lookup(k gossh.PublicKey) (Member, bool) {
	if a == nil || k == nil {
		return Member{}, false
	}
	m, ok := a.keys[string(k.Marshal())]
	return m, ok
}

// ParseAccess reads an authorized_keys file in OpenSSH's format, one key
// a line: `[sqc-role=writer|viewer] TYPE BASE64 [NAME]`. A key without
// sqc-role is a viewer. A line that cannot be used is skipped and named;
// the other keys still work. An OpenSSH option sqc does not enforce
// (from=, command=, …) refuses its line rather than let the key in
// without the restriction its writer meant.
func ParseAccess(b []byte) *Access {
	a := &Access{keys: map[string]Member{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m, key, err := parseLine(line, n)
		if err != nil {
			a.Problems = append(a.Problems, fmt.Sprintf("line %d: %v", n, err))
			continue
		}
		if prev, dup := a.keys[key]; dup {
			a.Problems = append(a.Problems, fmt.Sprintf("line %d: the same key as line %d; line %d's is used", n, prev.Line, prev.Line))
			continue
		}
		a.keys[key] = m
	}
	if err := sc.Err(); err != nil {
		a.Problems = append(a.Problems, fmt.Sprintf("line %d: %v; the lines after it are not read", n+1, err))
	}
	return a
}

func parseLine(line string, n int) (Member, string, error) {
	pub, comment, options, rest, err := gossh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return Member{}, "", errors.New("not a public key (the format is: [sqc-role=writer] ssh-ed25519 AAAA… name)")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return Member{}, "", errors.New("more than one key on the line")
	}
	m := Member{Line: n, Name: cleanName(comment)}
	if m.Name == "" {
		m.Name = Fingerprint(pub)
	}
	for _, o := range options {
		name, val, _ := strings.Cut(o, "=")
		if !strings.EqualFold(name, roleOption) {
			return Member{}, "", fmt.Errorf("option %q is not enforced by sqc serve: remove it (or put this key's restrictions elsewhere)", name)
		}
		switch strings.ToLower(strings.Trim(val, `"`)) {
		case "writer":
			m.Writer = true
		case "viewer":
			m.Writer = false
		default:
			return Member{}, "", fmt.Errorf("sqc-role=%s: the role is writer or viewer", strings.Trim(val, `"`))
		}
	}
	return m, string(pub.Marshal()), nil
}

// cleanName keeps a comment fit for the screen and the audit log: no
// escapes or control characters, at most 64 columns.
func cleanName(s string) string {
	s = ansi.Strip(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return ansi.Truncate(strings.TrimSpace(s), 64, "…")
}

// AccessFile is an authorized_keys file, read again when it changes (its
// size or time), at the next sign-in: a key added or removed takes effect
// without a restart. One that cannot be read lets no one in.
type AccessFile struct {
	path string
	log  *slog.Logger

	mu    sync.Mutex
	size  int64
	mtime time.Time
	cur   *Access
	err   error
}

// OpenAccess reads the file; it must exist and let someone in.
func OpenAccess(path string, log *slog.Logger) (*AccessFile, error) {
	f := &AccessFile{path: path, log: log}
	a, err := f.load()
	if err != nil {
		return nil, err
	}
	if a.Len() == 0 {
		return nil, fmt.Errorf("%s lets no key in%s: add a line such as `sqc-role=writer ssh-ed25519 AAAA… alice@laptop` (a key's .pub file)", path, problemsSuffix(a.Problems))
	}
	return f, nil
}

func problemsSuffix(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return " (" + strings.Join(p, "; ") + ")"
}

// Current is the access as the file says now.
func (f *AccessFile) Current() (*Access, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loadLocked()
}

func (f *AccessFile) load() (*Access, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loadLocked()
}

func (f *AccessFile) loadLocked() (*Access, error) {
	st, err := os.Stat(f.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("authorized keys %s: no such file: create it with a line per key, `sqc-role=writer ssh-ed25519 AAAA… alice@laptop` (no sqc-role: a viewer)", f.path)
		}
		f.cur, f.err = nil, err
		return nil, err
	}
	if f.cur != nil && st.Size() == f.size && st.ModTime().Equal(f.mtime) {
		return f.cur, nil
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		f.cur, f.err = nil, fmt.Errorf("authorized keys %s: %w", f.path, err)
		return nil, f.err
	}
	a := ParseAccess(b)
	reread := f.size != 0 || !f.mtime.IsZero()
	f.cur, f.err, f.size, f.mtime = a, nil, st.Size(), st.ModTime()
	if !reread {
		return a, nil // the command says what the first reading found
	}
	for _, p := range a.Problems {
		f.log.Warn("authorized keys: a line is skipped", "file", f.path, "problem", p)
	}
	f.log.Info("authorized keys read", "file", f.path, "keys", a.Len(), "skipped", len(a.Problems))
	return a, nil
}
