package keys

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// Recording a profile keeps the hand-edited file as it was around it: a
// new profile gets its section, an API URL replaces the old one in place.
func TestRememberProfileKeepsTheHandEditedFile(t *testing.T) {
	dir := t.TempDir()
	hand := "# my customers\n[acme]\nread_only = true   # careful\napi_url = https://old.example.com\n\n[beta]\nshare = 20%\n"
	if err := os.WriteFile(ProfilesPath(dir), []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RememberProfile(dir, "zeta", ""); err != nil {
		t.Fatal(err)
	}
	if err := RememberProfile(dir, "acme", "https://new.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := RememberProfile(dir, "beta", "http://127.0.0.1:8088"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(ProfilesPath(dir))
	got := string(b)
	for _, want := range []string{"# my customers\n", "read_only = true   # careful\n", "[zeta]\n", "[beta]\napi_url = http://127.0.0.1:8088\nshare = 20%\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("file lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "old.example.com") || strings.Count(got, "api_url") != 2 {
		t.Errorf("the old api_url was not replaced in place:\n%s", got)
	}
	p, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p["acme"].APIURL != "https://new.example.com" || !p["acme"].ReadOnly || p["beta"].Share != 0.2 {
		t.Errorf("profiles read back: %+v", p)
	}
	if _, ok := p["zeta"]; !ok {
		t.Errorf("zeta not recorded: %+v", p)
	}
	names, _ := ProfileNames(dir)
	if strings.Join(names, ",") != "acme,beta,default,zeta" {
		t.Errorf("names %v", names)
	}
	st, _ := os.Stat(ProfilesPath(dir))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
}

// A profiles file with a mistake in it is not rewritten: the mistake is
// told, and the file stays as the user left it.
func TestRememberProfileLeavesABrokenFileAlone(t *testing.T) {
	dir := t.TempDir()
	bad := "[acme]\ncolour = blue\n"
	os.WriteFile(ProfilesPath(dir), []byte(bad), 0o600)
	err := RememberProfile(dir, "acme", "https://x.example.com")
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err %v", err)
	}
	if b, _ := os.ReadFile(ProfilesPath(dir)); string(b) != bad {
		t.Fatalf("file changed:\n%s", b)
	}
}

// The credentials file reaches the disk before it replaces the old one:
// when the disk cannot take it, saving fails with a message and the old
// key is still there, whole, with no temporary file left behind.
func TestCredentialsAreSyncedBeforeTheyReplaceTheOldFile(t *testing.T) {
	keyring.MockInit()
	s := newTestStore(t, "acme", envWith(nil))
	if err := s.SaveFile("secret-1"); err != nil {
		t.Fatal(err)
	}
	synced := 0
	syncFile = func(f *os.File) error {
		synced++
		return errors.New("input/output error")
	}
	t.Cleanup(func() { syncFile = (*os.File).Sync })
	err := s.SaveFile("secret-2")
	if synced == 0 || err == nil || !strings.Contains(err.Error(), "the previous file is kept") {
		t.Fatalf("a disk that cannot sync: synced %d times, err %v", synced, err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("the error shows the key: %v", err)
	}
	b, _ := os.ReadFile(s.CredentialsPath())
	if !strings.Contains(string(b), "api_key = secret-1\n") {
		t.Fatalf("old credentials lost:\n%s", b)
	}
	left, _ := filepath.Glob(filepath.Join(s.ConfigDir, ".credentials-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
