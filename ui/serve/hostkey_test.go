package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHostKeyMadeOnceWithMode0600(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state", HostKeyFile)
	a, err := LoadHostKey(p)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("host key file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	b, err := LoadHostKey(p)
	if err != nil {
		t.Fatal(err)
	}
	if Fingerprint(a.PublicKey()) != Fingerprint(b.PublicKey()) {
		t.Fatal("a second start made a new host key: every client would see a changed host")
	}
}

func TestHostKeyOthersCanReadIsRefusedWithTheFix(t *testing.T) {
	p := filepath.Join(t.TempDir(), HostKeyFile)
	if _, err := LoadHostKey(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadHostKey(p)
	if err == nil || !strings.Contains(err.Error(), "mode 0644") || !strings.Contains(err.Error(), "chmod 600 "+p) {
		t.Fatalf("err %v: want the mode refused with chmod 600", err)
	}
}

func TestHostKeyNotAKeySaysWhatToDo(t *testing.T) {
	p := filepath.Join(t.TempDir(), HostKeyFile)
	os.WriteFile(p, []byte("hello"), 0o600)
	if _, err := LoadHostKey(p); err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Fatalf("err %v", err)
	}
}
