package api_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"sqc/api"
)

func TestUserFileReadsARegularFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mqtt_ca.pem")
	if err := os.WriteFile(p, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := api.ReadUserFile(p, 5)
	if err != nil || string(b) != "hello" {
		t.Fatalf("ReadUserFile = %q, %v; want hello", b, err)
	}
}

// A link named like the file the device wants must not carry another
// private key: it is refused, and the message names the target so the
// user can name it if it is the one they mean.
func TestUserFileRefusesASymlinkNamingItsTarget(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "other", "id_ed25519")
	if err := os.MkdirAll(filepath.Dir(secret), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte("-----BEGIN PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "mqtt_client.key")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	b, err := api.ReadUserFile(link, api.MaxFileSize)
	if err == nil {
		t.Fatalf("a symlink was read: %q", b)
	}
	for _, want := range []string{"symbolic link", secret, "name it itself"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The target itself, named, is read.
	if _, err := api.ReadUserFile(secret, api.MaxFileSize); err != nil {
		t.Fatalf("the target named itself: %v", err)
	}
}

// A FIFO must not block the open (no writer ever comes) nor be read: the
// test finishes at once, or it hangs until the test deadline.
func TestUserFileRefusesAFIFOWithoutBlocking(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mqtt_ca.pem")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	_, err := api.ReadUserFile(p, api.MaxFileSize)
	if err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Fatalf("ReadUserFile(FIFO) = %v, want a named pipe refused", err)
	}
}

// A 1 GiB sparse file is refused from its size alone; reading it would
// take seconds and a gigabyte of memory.
func TestUserFileRefusesAHugeFileBeforeReading(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mqtt_client.crt")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = api.ReadUserFile(p, api.MaxFileSize)
	var tb *api.FileTooBigError
	if !errors.As(err, &tb) || tb.Size != 1<<30 {
		t.Fatalf("ReadUserFile(1 GiB) = %v, want too big with its size", err)
	}
	if _, err := api.ReadLoadFile(p); err == nil || !strings.Contains(err.Error(), "a device takes at most") {
		t.Fatalf("ReadLoadFile(1 GiB) = %v, want the device's limit", err)
	}
}

func TestUserFileRefusesFoldersAndDevices(t *testing.T) {
	for path, want := range map[string]string{t.TempDir(): "folder", "/dev/null": "device file", filepath.Join(t.TempDir(), "none"): "no such file"} {
		if _, err := api.ReadUserFile(path, 10); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadUserFile(%s) = %v, want %q", path, err, want)
		}
	}
}

// A file that grows past the limit after it was opened stops at the limit.
func TestUserFileStopsAtTheLimitWhenTheFileGrows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "devices.csv")
	if err := os.WriteFile(p, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	rc, err := api.OpenUserFile(p, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if err := os.WriteFile(p, []byte("abcdefgh"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	var tb *api.FileTooBigError
	if !errors.As(err, &tb) || len(b) > 5 {
		t.Fatalf("read %q, %v; want stopped as too big", b, err)
	}
}
