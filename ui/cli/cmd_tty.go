package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/charmbracelet/x/term"
)

// Answers and a setup password are read from the terminal itself, opened
// apart from stdin: its reads wait in the runtime's poller, so ctrl+c
// (or SIGTERM) cuts a read short instead of leaving it to swallow what
// the terminal says next, such as its answer to the colour query the
// error message makes.

// errCancelled is ctrl+c typed at a prompt.
var errCancelled = errors.New("cancelled at the prompt: nothing was sent")

// terminalIn reports whether a person at a terminal is on stdin. A reader
// may answer for itself: the tests' stand-in for a terminal does.
func terminalIn(r io.Reader) bool {
	if t, ok := r.(interface{ Terminal() bool }); ok {
		return t.Terminal()
	}
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// openTTY opens the terminal stdin is, when it is one.
func openTTY(stdin io.Reader) (*os.File, bool) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return nil, false
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, false
	}
	return tty, true
}

// untilDone cuts a read of tty short when ctx ends; a terminal the poller
// cannot hold reads as before, and a cut read is only abandoned.
func untilDone(ctx context.Context, tty *os.File) func() bool {
	return context.AfterFunc(ctx, func() { _ = tty.SetReadDeadline(time.Now()) })
}

// ttyLine reads one line as the terminal edits it (canonical mode).
func ttyLine(ctx context.Context, tty *os.File) (string, error) {
	defer untilDone(ctx, tty)()
	var b []byte
	buf := make([]byte, 256)
	for {
		n, err := tty.Read(buf)
		for _, c := range buf[:n] {
			if c == '\n' {
				return trimCR(b), nil
			}
			if len(b) < maxLine {
				b = append(b, c)
			}
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if err != nil {
			return trimCR(b), err
		}
	}
}

// ttySecret reads a line without echo. The terminal is raw meanwhile, so
// ctrl+c arrives as a key and cancels; backspace and ctrl+u edit.
func ttySecret(ctx context.Context, tty *os.File) (string, error) {
	rc, err := tty.SyscallConn()
	if err != nil {
		return "", err
	}
	var old *term.State
	var rawErr error
	// Fd() would take the file out of the poller; Control does not.
	if err := rc.Control(func(fd uintptr) { old, rawErr = term.MakeRaw(fd) }); err != nil || rawErr != nil {
		return "", fmt.Errorf("the terminal cannot hide what is typed: %v", errors.Join(err, rawErr))
	}
	defer func() { _ = rc.Control(func(fd uintptr) { _ = term.Restore(fd, old) }) }()
	defer untilDone(ctx, tty)()
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := tty.Read(one); err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", err
		}
		switch c := one[0]; c {
		case '\r', '\n':
			return string(b), nil
		case 3: // ctrl+c
			return "", errCancelled
		case 4: // ctrl+d
			if len(b) == 0 {
				return "", io.EOF
			}
		case 21: // ctrl+u
			b = b[:0]
		case 8, 127: // backspace
			for len(b) > 0 {
				last := b[len(b)-1]
				b = b[:len(b)-1]
				if last < 0x80 || last >= 0xC0 { // a whole UTF-8 character
					break
				}
			}
		default:
			if c >= ' ' && len(b) < maxLine {
				b = append(b, c)
			}
		}
	}
}
