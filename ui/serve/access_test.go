package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAccessNamesABrokenLineAndTheOtherKeysStillSignIn(t *testing.T) {
	r := newRig(t, team, nil)
	good, err := os.ReadFile(r.ak)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(good)), "\n")
	broken := lines[0] + "\nssh-ed25519 AAAAnot-base64!! carol@x\nsqc-role=admin " + strings.TrimPrefix(lines[0], "sqc-role=writer ") + "\n" + lines[1] + "\n"
	a := ParseAccess([]byte(broken))
	if a.Len() != 2 {
		t.Fatalf("%d keys let in, want alice's and bob's", a.Len())
	}
	if len(a.Problems) != 2 || !strings.HasPrefix(a.Problems[0], "line 2: not a public key") || !strings.HasPrefix(a.Problems[1], "line 3: sqc-role=admin") {
		t.Fatalf("problems %q: want line 2 (not a key) and line 3 (the role)", a.Problems)
	}
	if err := os.WriteFile(r.ak, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob"} {
		c, err := r.dial(name)
		if err != nil {
			t.Fatalf("%s is refused beside a broken line: %v", name, err)
		}
		c.Close()
	}
}

func TestAccessRolesAndNames(t *testing.T) {
	r := newRig(t, team, nil)
	cur, err := r.srv.o.Access.Current()
	if err != nil {
		t.Fatal(err)
	}
	w, ok := cur.Lookup(r.keys["alice"].PublicKey())
	if !ok || !w.Writer || w.Name != "alice@test" {
		t.Fatalf("alice is %+v, want the writer alice@test", w)
	}
	v, ok := cur.Lookup(r.keys["bob"].PublicKey())
	if !ok || v.Writer || v.Name != "bob@test" {
		t.Fatalf("bob is %+v, want the viewer bob@test", v)
	}
	if _, ok := cur.Lookup(r.keys["eve"].PublicKey()); ok {
		t.Fatal("eve's key, not in the file, is let in")
	}
}

func TestAccessOptionSqcDoesNotEnforceRefusesTheLine(t *testing.T) {
	r := newRig(t, team, nil)
	b, _ := os.ReadFile(r.ak)
	a := ParseAccess([]byte(`from="10.0.0.0/8" ` + strings.Split(string(b), "\n")[1]))
	if a.Len() != 0 || len(a.Problems) != 1 || !strings.Contains(a.Problems[0], `"from" is not enforced`) {
		t.Fatalf("a from= key: %d let in, problems %q", a.Len(), a.Problems)
	}
}

func TestAccessFileReadAgainWhenItChanges(t *testing.T) {
	r := newRig(t, team, nil)
	if c, err := r.dial("eve"); err == nil {
		c.Close()
		t.Fatal("eve signs in before her key is added")
	}
	b, _ := os.ReadFile(r.ak)
	pub := strings.TrimSpace(string(marshalAuthorized(r.keys["eve"]))) + " eve@test\n"
	if err := os.WriteFile(r.ak, append(b, pub...), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := r.dial("eve")
	if err != nil {
		t.Fatalf("eve's key, added while serving, is refused: %v", err)
	}
	c.Close()
	if err := os.Remove(r.ak); err != nil {
		t.Fatal(err)
	}
	if c, err := r.dial("alice"); err == nil {
		c.Close()
		t.Fatal("with the file gone, a key still signs in")
	}
}

func TestOpenAccessWithNoUsableKeySaysHow(t *testing.T) {
	p := filepath.Join(t.TempDir(), "authorized_keys")
	os.WriteFile(p, []byte("# nobody yet\nnot a key\n"), 0o600)
	_, err := OpenAccess(p, nil)
	if err == nil || !strings.Contains(err.Error(), "lets no key in") || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "sqc-role=writer ssh-ed25519") {
		t.Fatalf("err %v: want what is wrong (line 2) and what to add", err)
	}
	_, err = OpenAccess(filepath.Join(t.TempDir(), "none"), nil)
	if err == nil || !strings.Contains(err.Error(), "no such file: create it") {
		t.Fatalf("err %v: want the missing file named with the fix", err)
	}
}
