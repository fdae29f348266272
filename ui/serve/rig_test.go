package serve

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"sqc/api"
	"sqc/api/sim"
)

const rigKey = "serve-test-key-0123456789"

// patience is how long a test waits for a state before it fails: long,
// since it costs nothing when the state comes and two busy cores run the
// suite.
const patience = 45 * time.Second

// rig is `sqc serve` on loopback over a simulated account: one engine,
// the server, and keys for the members its authorized_keys lists.
type rig struct {
	t    *testing.T
	sim  *sim.Server
	eng  *Engine
	srv  *Server
	addr string
	dir  string
	keys map[string]gossh.Signer // by name
	ak   string                  // the authorized_keys file
}

// member is a key the rig makes: listed with its role, or not at all.
type member struct {
	name string
	role string // "writer", "viewer" (no option), or "" for a key not listed
}

var team = []member{{"alice", "writer"}, {"bob", "viewer"}, {"eve", ""}}

func newRig(t *testing.T, members []member, tune func(*Options)) *rig {
	t.Helper()
	r := &rig{t: t, dir: t.TempDir(), keys: map[string]gossh.Signer{}}
	r.sim = sim.New(sim.Options{Devices: 8, Key: rigKey, HostedFraction: 1})
	hs := httptest.NewServer(r.sim)
	t.Cleanup(hs.Close)
	var lines []string
	for _, m := range members {
		s := r.makeKey(m.name)
		line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + m.name + "@test"
		switch m.role {
		case "writer":
			lines = append(lines, "sqc-role=writer "+line)
		case "viewer":
			lines = append(lines, line)
		}
	}
	r.ak = filepath.Join(r.dir, "authorized_keys")
	if err := os.WriteFile(r.ak, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("SQC_SERVE_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	eng, _, err := StartEngine(EngineConfig{Profile: "acme", Key: rigKey, StateDir: filepath.Join(r.dir, "state"), Log: log,
		Connect: func(key string, hook func(*api.Options)) (*api.Client, error) {
			o := api.Options{BaseURL: hs.URL, Key: key}
			hook(&o)
			return api.New(o)
		}})
	if err != nil {
		t.Fatal(err)
	}
	r.eng = eng
	access, err := OpenAccess(r.ak, log)
	if err != nil {
		t.Fatal(err)
	}
	hk, err := LoadHostKey(filepath.Join(r.dir, "state", HostKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Engine: eng.Engine, Profile: "acme", StateDir: filepath.Join(r.dir, "state"), Access: access, HostKey: hk, Log: log, DialogGuard: -1}
	if tune != nil {
		tune(&o)
	}
	r.srv, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	served := make(chan struct{})
	go func() { defer close(served); _ = r.srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-served
		if err := eng.Close(ctx); err != nil {
			t.Errorf("engine close: %v", err)
		}
	})
	return r
}

// makeKey makes a member's key, and its private key file for ssh.
func (r *rig) makeKey(name string) gossh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		r.t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		r.t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, name)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir, name+".key"), pem.EncodeToMemory(block), 0o600); err != nil {
		r.t.Fatal(err)
	}
	r.keys[name] = s
	return s
}

// dial signs in with a member's key over Go's SSH client.
func (r *rig) dial(name string) (*gossh.Client, error) {
	return gossh.Dial("tcp", r.addr, &gossh.ClientConfig{User: name, Auth: []gossh.AuthMethod{gossh.PublicKeys(r.keys[name])},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: patience})
}

// term is a session with a terminal, read into a virtual screen.
type term struct {
	t    *testing.T
	conn *gossh.Client
	sess *gossh.Session
	in   io.WriteCloser
	scr  *screen
}

// open signs a member in and opens a console w×h.
func (r *rig) open(name string, w, h int) *term {
	r.t.Helper()
	c, err := r.dial(name)
	if err != nil {
		r.t.Fatalf("%s signs in: %v", name, err)
	}
	tm := &term{t: r.t, conn: c}
	r.t.Cleanup(tm.close)
	if tm.sess, err = c.NewSession(); err != nil {
		r.t.Fatal(err)
	}
	_ = tm.sess.Setenv("LANG", "C.UTF-8")
	if err := tm.sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		r.t.Fatal(err)
	}
	out, err := tm.sess.StdoutPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	tm.sess.Stderr = io.Discard
	if tm.in, err = tm.sess.StdinPipe(); err != nil {
		r.t.Fatal(err)
	}
	tm.scr = newScreen(out, max(w, 1), max(h, 1))
	if err := tm.sess.Shell(); err != nil {
		r.t.Fatal(err)
	}
	return tm
}

func (tm *term) keys(s string) {
	if _, err := io.WriteString(tm.in, s); err != nil {
		tm.t.Logf("keys %q: %v", s, err)
	}
}

func (tm *term) close() { _ = tm.conn.Close() }

// ended waits for the server to end the session.
func (tm *term) ended() {
	tm.t.Helper()
	done := make(chan error, 1)
	go func() { done <- tm.sess.Wait() }()
	select {
	case <-done:
	case <-time.After(patience):
		tm.t.Fatalf("the session never ended:\n%s", tm.scr.String())
	}
}

// screen replays what the server writes into a virtual terminal.
type screen struct {
	mu   sync.Mutex
	emu  *vt.Emulator
	done chan struct{}
}

func newScreen(out io.Reader, w, h int) *screen {
	s := &screen{emu: vt.NewEmulator(w, h), done: make(chan struct{})}
	go func() { _, _ = io.Copy(io.Discard, s.emu) }() // answers to terminal queries
	go func() {
		defer close(s.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				s.mu.Lock()
				_, _ = s.emu.Write(buf[:n])
				s.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.String()
}

func (s *screen) waitFor(t *testing.T, what string, cond func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if cond(s.String()) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("screen never showed %s:\n%s", what, s.String())
}

func (s *screen) waitText(t *testing.T, text string) {
	t.Helper()
	s.waitFor(t, text, func(v string) bool { return strings.Contains(v, text) })
}

// eventually polls cond until it holds or fails the test with what.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("never: %s", what)
}

// openssh is the path of the OpenSSH client, or skips the test.
func openssh(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("no OpenSSH client (ssh) on this machine: install openssh-client to run this test (CI does)")
	}
	return p
}

// sshArgs are the arguments of an OpenSSH client signing in as name.
func (r *rig) sshArgs(name string, extra ...string) []string {
	_, port, _ := net.SplitHostPort(r.addr)
	args := []string{"-i", filepath.Join(r.dir, name+".key"), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-F", "/dev/null", "-p", port}
	return append(append(args, extra...), "127.0.0.1")
}

func marshalAuthorized(s gossh.Signer) []byte { return gossh.MarshalAuthorizedKey(s.PublicKey()) }

func (s *screen) resize(w, h int) {
	s.mu.Lock()
	s.emu.Resize(w, h)
	s.mu.Unlock()
}
