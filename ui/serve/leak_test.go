package serve

import (
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// A session whose client is still typing (keys, half an escape sequence)
// as its console quits gives everything back: no reader is left holding
// bytes for a program that has ended, and with it the console.
func TestKeysTypedAsTheConsoleQuitsLeaveNoGoroutine(t *testing.T) {
	r := newRig(t, team, nil)
	first := r.open("bob", 100, 30)
	first.scr.waitFor(t, "the list", listedRe.MatchString)
	first.keys("Q")
	first.ended()
	first.close()
	eventually(t, "no session", func() bool { return r.srv.Sessions() == 0 })
	settle()
	base := serverGoroutines()
	for range 6 {
		tm := r.open("alice", 100, 30)
		tm.scr.waitFor(t, "the list", listedRe.MatchString)
		stop := make(chan struct{})
		var typing sync.WaitGroup
		typing.Go(func() {
			// Q, then keys and a partial escape until the session is gone:
			// some are read after the program has stopped taking them
			_, _ = io.WriteString(tm.in, "Q")
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := io.WriteString(tm.in, "jk\x1b["); err != nil {
					return
				}
			}
		})
		tm.ended()
		close(stop)
		typing.Wait()
		tm.close()
	}
	eventually(t, "every session gone", func() bool { return r.srv.Sessions() == 0 })
	var g, left int
	deadline := time.Now().Add(patience)
	for {
		settle()
		if g, left = serverGoroutines(), consoleGoroutines(); g <= base+2 && left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before the sessions, %d of them a console's; left:\n%s", g, base, left, goroutineSummary())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("6 sessions typing as they quit: goroutines %d before, %d after, none of a console", base, g)
}

// consoleGoroutines counts the goroutines running a console's program or
// reading its input (but the test's own virtual screens): once every
// session has ended, none is left.
func consoleGoroutines() int {
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "serve.newScreen") {
			continue
		}
		if strings.Contains(g, "charm.land/bubbletea/") || strings.Contains(g, "ultraviolet.") || strings.Contains(g, "serve.(*Server).feedInput") {
			n++
		}
	}
	return n
}
