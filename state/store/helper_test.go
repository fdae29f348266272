package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a second process on the same database: with
// SQC_STORE_CHILD set, TestMain runs what it names and exits.
func TestMain(m *testing.M) {
	if what := os.Getenv("SQC_STORE_CHILD"); what != "" {
		os.Exit(runChild(what, os.Getenv("SQC_STORE_PATH")))
	}
	os.Exit(m.Run())
}

func runChild(what, path string) int {
	ctx := context.Background()
	switch what {
	case "count":
		n, _ := strconv.Atoi(os.Getenv("SQC_STORE_N"))
		s, _, err := Open(path, Options{BusyTimeout: 30 * time.Second})
		if err != nil {
			fmt.Println(err)
			return 1
		}
		defer s.Close()
		at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
		rem := 7
		for i := range n {
			c := Calls{Key: "k1", At: at, Sent: 1}
			if i%10 == 0 {
				c.DeviceID, c.Remaining = "DEV1", &rem
			}
			if err := s.Count(ctx, c); err != nil {
				fmt.Println(err)
				return 1
			}
		}
		return 0
	case "open":
		s, _, err := Open(path, Options{})
		if err != nil {
			fmt.Println(err)
			return 2
		}
		defer s.Close()
		if err := s.Count(ctx, Calls{Key: "k1", At: time.Now(), Sent: 1}); err != nil {
			fmt.Println(err)
			return 2
		}
		fmt.Println("opened")
		return 0
	}
	return 3
}

// child runs the test binary as another process doing what; asNobody runs
// it as an unprivileged user, so that file modes apply to it.
func child(t *testing.T, what, path string, asNobody bool, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "SQC_STORE_CHILD="+what, "SQC_STORE_PATH="+path)...)
	if asNobody {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	return cmd
}

func openTemp(t *testing.T) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "sqc-test.db")
	s, _, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

type execResult struct {
	cmd *exec.Cmd
	out *bytesBuffer
}

type bytesBuffer = strings.Builder

func start(t *testing.T, cmd *exec.Cmd) *execResult {
	t.Helper()
	r := &execResult{cmd: cmd, out: &bytesBuffer{}}
	cmd.Stdout, cmd.Stderr = r.out, r.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *execResult) wait() (string, error) {
	err := r.cmd.Wait()
	return r.out.String(), err
}
