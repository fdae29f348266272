//go:build linux

package cli

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal that no terminal emulator serves: a
// query written to it is never answered, as on a jump host's plain
// terminal or an SSH session that dropped.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	var unlock, n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlockpt: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("ptsname: %v", e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// A failing command at a terminal prints its one line and leaves. Before,
// the error was printed through a library that first asked the terminal
// for its background colour (OSC 11 and a device attributes query) and
// waited seconds for an answer a plain terminal never sends; the queries
// were left on the user's screen, and a signalled console whose terminal
// had gone waited out its whole grace second on them.
func TestErrorAtATerminalAsksTheTerminalNothing(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"bogus"}, {"data", "bad id"}} {
		m, s := openPTY(t)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "TERM=xterm-256color", "SENQUIP_API_KEY="+testKey, "SENQUIP_API_URL=http://127.0.0.1:1")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		out, _ := io.ReadAll(m) // EIO once the program has gone
		_ = cmd.Wait()
		_ = m.Close()
		got := string(out)
		if strings.Contains(got, "\x1b]11;") || strings.Contains(got, "\x1b[c") {
			t.Errorf("sqc %s queried the terminal: %q", strings.Join(args, " "), got)
		}
		if !strings.Contains(got, "sqc: ") || cmd.ProcessState.ExitCode() == 0 {
			t.Errorf("sqc %s: exit %d, %q", strings.Join(args, " "), cmd.ProcessState.ExitCode(), got)
		}
	}
}
