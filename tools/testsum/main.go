// Command testsum runs go test -json and tells what it runs as it goes: a
// line per package when it ends, a note while a package is silent for long,
// the output of every test that failed, and at the end each skipped test
// with the reason it gave. It exits with go test's status.
//
//	go run ./testsum -- go test -race -count=1 -json ./...
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type pkg struct {
	start   time.Time
	tests   int
	output  map[string][]string // per test ("" the package's own)
	failed  []string
	skipped []string
}

type skip struct{ pkg, test, reason string }

type summary struct {
	mu      sync.Mutex
	out     io.Writer
	pkgs    map[string]*pkg
	skips   []skip
	failed  bool
	lastOut time.Time
}

func (s *summary) get(name string) *pkg {
	p := s.pkgs[name]
	if p == nil {
		p = &pkg{start: time.Now(), output: map[string][]string{}}
		s.pkgs[name] = p
	}
	return p
}

func (s *summary) printf(format string, a ...any) {
	fmt.Fprintf(s.out, format, a...)
	s.lastOut = time.Now()
}

// line takes one line of go test's standard output: a JSON event, or text
// (a build error, say) that is passed through.
func (s *summary) line(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var e event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &e) != nil {
		s.printf("%s\n", b)
		return
	}
	if e.Package == "" {
		if e.Output != "" {
			s.printf("%s", e.Output)
		}
		return
	}
	p := s.get(e.Package)
	switch e.Action {
	case "build-output":
		s.printf("%s", e.Output)
	case "output":
		p.output[e.Test] = append(p.output[e.Test], e.Output)
	case "run":
		if !strings.Contains(e.Test, "/") {
			p.tests++
		}
	case "fail":
		if e.Test != "" {
			p.failed = append(p.failed, e.Test)
			return
		}
		s.failed = true
		s.done(e, p, "FAIL")
	case "skip":
		if e.Test != "" {
			p.skipped = append(p.skipped, e.Test)
			s.skips = append(s.skips, skip{e.Package, e.Test, reason(p.output[e.Test])})
			return
		}
		s.done(e, p, "skip")
	case "pass":
		if e.Test == "" {
			s.done(e, p, "ok")
		}
	}
}

// done prints a package's line, and what its failed tests said.
func (s *summary) done(e event, p *pkg, verdict string) {
	delete(s.pkgs, e.Package)
	what := fmt.Sprintf("%d tests", p.tests)
	if p.tests == 1 {
		what = "1 test"
	}
	if p.tests == 0 {
		what = "no tests"
	}
	if n := len(p.skipped); n > 0 {
		what += fmt.Sprintf(", %d skipped", n)
	}
	if n := len(p.failed); n > 0 {
		what += fmt.Sprintf(", %d failed", n)
	}
	if verdict == "FAIL" {
		for _, t := range p.failed {
			if slices.ContainsFunc(p.failed, func(u string) bool { return strings.HasPrefix(u, t+"/") }) {
				continue // its subtests say why
			}
			s.printf("%s", strings.Join(p.output[t], ""))
		}
		if len(p.failed) == 0 { // a panic, a build failure, a timeout
			s.printf("%s", strings.Join(p.output[""], ""))
		}
	}
	s.printf("%-4s %-12s %6.1fs  %s\n", verdict, e.Package, e.Elapsed, what)
}

// reason is what a skipped test said, without the lines go test adds.
func reason(lines []string) string {
	var words []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		words = append(words, t)
	}
	if len(words) == 0 {
		return "(no reason given)"
	}
	return strings.Join(words, " ")
}

// quiet says which packages are still running when nothing was printed
// for a while, so a slow package is not mistaken for a hung one.
func (s *summary) quiet(every time.Duration) {
	for range time.Tick(every / 3) {
		s.mu.Lock()
		if time.Since(s.lastOut) >= every && len(s.pkgs) > 0 {
			var names []string
			for n, p := range s.pkgs {
				names = append(names, fmt.Sprintf("%s (%ds)", n, int(time.Since(p.start).Seconds())))
			}
			sort.Strings(names)
			s.printf("     still running: %s\n", strings.Join(names, ", "))
		}
		s.mu.Unlock()
	}
}

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: testsum -- go test -json [flags] [packages]")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	s := &summary{out: os.Stdout, pkgs: map[string]*pkg{}, lastOut: time.Now()}
	go s.quiet(30 * time.Second)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		s.line(sc.Bytes())
	}
	err = cmd.Wait()

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.skips) > 0 {
		s.printf("\nskipped:\n")
		for _, k := range s.skips {
			s.printf("  %s %s: %s\n", k.pkg, k.test, k.reason)
		}
	}
	code := 0
	if err != nil {
		code = 1
		if x, ok := err.(*exec.ExitError); ok && x.ExitCode() > 0 {
			code = x.ExitCode()
		}
	} else if s.failed {
		code = 1
	}
	os.Exit(code)
}
