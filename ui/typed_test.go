package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// typedInput runs a program on a terminal's input: the bytes written are
// read and decoded by Bubble Tea as a terminal's are, so a test sees the
// events a real terminal gives (an esc and a key in one read are alt+key,
// with no text), not events made by hand.
type typedInput struct {
	in   *io.PipeWriter
	scr  *screen
	done chan tea.Model
}

func runTyped(t *testing.T, m tea.Model, w, h int, profile colorprofile.Profile) *typedInput {
	t.Helper()
	pr, pw := io.Pipe()
	out := &lockedBuffer{}
	p := tea.NewProgram(m, tea.WithInput(pr), tea.WithOutput(out), tea.WithoutSignals(),
		tea.WithWindowSize(w, h), tea.WithColorProfile(profile),
		tea.WithEnvironment([]string{"TERM=xterm-256color"}))
	ti := &typedInput{in: pw, scr: newScreenOn(out, w, h), done: make(chan tea.Model, 1)}
	exited := make(chan error, 1)
	go func() {
		final, err := p.Run()
		exited <- err
		ti.done <- final
	}()
	p.Send(tea.WindowSizeMsg{Width: w, Height: h})
	t.Cleanup(func() {
		p.Kill() // a test that failed before its quit
		_ = pr.Close()
		if err := <-exited; err != nil && !errors.Is(err, tea.ErrProgramKilled) && !t.Failed() {
			t.Errorf("the program failed: %v", err)
		}
	})
	return ti
}

// write sends bytes in one write, as a terminal sends what it got in one
// read: "\x1bj" is esc and j typed within the escape time.
func (ti *typedInput) write(b string) { _, _ = ti.in.Write([]byte(b)) }

// key types a named key as a terminal encodes it.
func (ti *typedInput) key(s string) {
	raw := map[string]string{"enter": "\r", "esc": "\x1b", "tab": "\t", "space": " ", "backspace": "\x7f",
		"shift+tab": "\x1b[Z", "ctrl+u": "\x15", "ctrl+c": "\x03"}
	if b, ok := raw[s]; ok {
		ti.write(b)
		return
	}
	ti.write(s)
}

// final is the model the program ended with.
func (ti *typedInput) final(t *testing.T) *Model {
	t.Helper()
	select {
	case m := <-ti.done:
		m.(*Model).finish(context.Background()) // as Run does once the program has ended
		return m.(*Model)
	case <-time.After(5 * time.Second):
		t.Fatalf("the console did not quit:\n%s", ti.scr.String())
		return nil
	}
}

// ended reports whether the program has quit, without waiting.
func (ti *typedInput) ended() bool { return len(ti.done) > 0 }

// lockedBuffer is the program's output, read by the screen as written.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Read(p)
}
