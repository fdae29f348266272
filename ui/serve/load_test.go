package serve

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	gossh "golang.org/x/crypto/ssh"
)

// rssMB is the process's resident memory, from /proc.
func rssMB(t *testing.T) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status: RSS is measured on Linux")
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// deviceOpen reports whether the device at the list's cursor is the one
// the readings beside it show.
func deviceOpen(screen string) bool {
	_, after, ok := strings.Cut(screen, "▶  ")
	if !ok {
		return false
	}
	f := strings.Fields(after)
	return len(f) > 0 && strings.Contains(screen, "│ "+f[0]+"  ")
}

// serverGoroutines counts the goroutines of the process but the test's
// virtual screens (whose copy of the terminal's answers never ends).
func serverGoroutines() int {
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.HasPrefix(g, "goroutine ") && !strings.Contains(g, "serve.newScreen") && !keptAlive(g) {
			n++
		}
	}
	return n
}

// keptAlive is an idle HTTP connection between the engine's client and
// the simulated API, both ends in this process: the engine's, kept for
// its next reads (more are open after 50 sessions read at once), not a
// session's.
func keptAlive(g string) bool {
	return strings.Contains(g, "net/http.(*persistConn)") || strings.Contains(g, "created by net/http.(*Server).Serve")
}

// goroutineSummary counts the goroutines left by where they were made.
func goroutineSummary() string {
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	by := map[string]int{}
	full := ""
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "serve.newScreen") {
			continue
		}
		if full == "" && strings.Contains(g, "sendEvents") {
			full = g
		}
		lines := strings.Split(g, "\n")
		key := ""
		if len(lines) > 1 {
			key = lines[1]
		}
		for i, l := range lines {
			if strings.HasPrefix(l, "created by") && i+1 < len(lines) {
				key += " | " + l + " " + strings.TrimSpace(lines[i+1])
			}
		}
		by[key]++
	}
	var out []string
	for k, n := range by {
		out = append(out, fmt.Sprintf("%4d %s", n, k))
	}
	return strings.Join(out, "\n") + "\n" + full
}

func settle() {
	runtime.GC()
	debug.FreeOSMemory()
}

// rawTerm is a session whose output is only kept as bytes: 50 virtual
// screens in the test's own process would hide the server's memory.
type rawTerm struct {
	conn *gossh.Client
	in   io.Writer
	out  *syncBuf
}

func (r *rig) openRaw(name string) *rawTerm {
	r.t.Helper()
	c, err := r.dial(name)
	if err != nil {
		r.t.Fatalf("%s signs in: %v", name, err)
	}
	r.t.Cleanup(func() { c.Close() })
	s, err := c.NewSession()
	if err != nil {
		r.t.Fatal(err)
	}
	tm := &rawTerm{conn: c, out: &syncBuf{}}
	s.Stdout, s.Stderr = tm.out, tm.out
	if tm.in, err = s.StdinPipe(); err != nil {
		r.t.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		r.t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		r.t.Fatal(err)
	}
	return tm
}

func TestFiftySessionsOpenADeviceAndLeaveNothingBehind(t *testing.T) {
	r := newRig(t, team, func(o *Options) { o.MaxPerKey = 50 })
	// the engine at rest, its list read: the baseline
	first := r.open("bob", 100, 30)
	first.scr.waitFor(t, "the list", listedRe.MatchString)
	first.keys("Q")
	first.ended()
	eventually(t, "no session", func() bool { return r.srv.Sessions() == 0 })
	settle()
	baseG, baseRSS := serverGoroutines(), rssMB(t)
	var terms []*rawTerm
	for i := range 50 {
		name := "alice"
		if i%2 == 1 {
			name = "bob"
		}
		terms = append(terms, r.openRaw(name))
	}
	before := len(r.sim.Requests())
	for i, tm := range terms {
		eventually(t, "a console's list", func() bool {
			out := ansi.Strip(tm.out.String())
			for _, d := range r.sim.Devices() {
				if strings.Contains(out, d.DeviceID) {
					return true
				}
			}
			return false
		})
		_, _ = io.WriteString(tm.in, strings.Repeat("j", i%8)+"\r")
	}
	// each session opened the device at its cursor, 8 between them: each
	// is read (enter reads the device now)
	eventually(t, "every device opened read", func() bool {
		read := map[string]bool{}
		for _, q := range r.sim.Requests()[before:] {
			if q.DeviceID != "" {
				read[q.DeviceID] = true
			}
		}
		return len(read) == 8
	})
	if n := r.srv.Sessions(); n != 50 {
		t.Fatalf("%d sessions, want 50", n)
	}
	settle()
	peakG, peakRSS := serverGoroutines(), rssMB(t)
	for _, tm := range terms {
		tm.conn.Close() // dropped, not quit
	}
	terms = nil
	eventually(t, "every session gone", func() bool { return r.srv.Sessions() == 0 })
	var g int
	deadline := time.Now().Add(patience)
	for {
		settle()
		if g = serverGoroutines(); g <= baseG+5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d at rest before the sessions; left:\n%s", g, baseG, goroutineSummary())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var rss float64
	deadline = time.Now().Add(patience)
	for !raceOn {
		settle()
		if rss = rssMB(t); rss <= baseRSS+20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("RSS %.1f MB after the sessions, %.1f MB at rest before them (%.1f MB with them open)", rss, baseRSS, peakRSS)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("50 sessions: goroutines %d at rest, %d with 50 open, %d after; RSS %.1f MB at rest, %.1f MB with 50 open, %.1f MB after",
		baseG, peakG, g, baseRSS, peakRSS, rss)
	if w := r.writes(); len(w) != 0 {
		t.Fatalf("%d writes sent", len(w))
	}
}

func TestTwoHundredConnectionsFromOneKeyCannotShutOthersOut(t *testing.T) {
	r := newRig(t, team, nil) // 50 sessions, 10 a key
	const wantRefusal = "alice@test has 10 sessions open already"
	var (
		mu      sync.Mutex
		refused int
		clients []*gossh.Client
		wrongs  []string
		wg      sync.WaitGroup
		sem     = make(chan struct{}, 16)
	)
	for range 200 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := r.dial("alice")
			if err != nil {
				mu.Lock()
				wrongs = append(wrongs, err.Error())
				mu.Unlock()
				return
			}
			mu.Lock()
			clients = append(clients, c)
			mu.Unlock()
			s, err := c.NewSession()
			if err != nil {
				return
			}
			stderr := &syncBuf{}
			s.Stdout, s.Stderr = io.Discard, stderr
			_ = s.RequestPty("xterm", 24, 80, gossh.TerminalModes{})
			if err := s.Shell(); err != nil {
				return
			}
			go func() {
				err := s.Wait()
				mu.Lock()
				defer mu.Unlock()
				switch {
				case strings.Contains(stderr.String(), wantRefusal):
					refused++
				case err != nil && stderr.String() == "":
					// the test closing the connection of a console
				default:
					wrongs = append(wrongs, "ended: "+stderr.String())
				}
			}()
		}()
	}
	wg.Wait()
	eventually(t, "190 refused with the reason, 10 consoles", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return refused == 190 && r.srv.Sessions() == 10
	})
	b := r.open("bob", 100, 30)
	b.scr.waitFor(t, "bob's list beside alice's 200 tries", listedRe.MatchString)
	mu.Lock()
	for _, c := range clients {
		c.Close()
	}
	if len(wrongs) > 0 {
		t.Errorf("not told why: %q", wrongs)
	}
	mu.Unlock()
	eventually(t, "only bob's session", func() bool { return r.srv.Sessions() == 1 })
	t.Logf("200 connections of one key: %d refused with the reason, 10 consoles (the cap), bob served", refused)
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
