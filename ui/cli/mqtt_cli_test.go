package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sqc/api"
)

// pemFiles writes a private key, its certificate and a CA certificate
// under the names given, in a fresh folder.
func pemFiles(t *testing.T, keyName, certName, caName string) (string, string, string) {
	t.Helper()
	dir := t.TempDir()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pump-3"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write(keyName, "PRIVATE KEY", der), write(certName, "CERTIFICATE", cert), write(caName, "CERTIFICATE", cert)
}

// Good files are loaded in order, each under its name, one line each.
func TestFilesLoadGoodFiles(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	key, cert, ca := pemFiles(t, "mqtt_client.key", "mqtt_client.crt", "broker-ca.pem")
	code, out, errs := sqc(t, "files", "load", id, key, cert, "--yes")
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	code, out2, errs := sqcAt(t, "y\n", "files", "load", id, ca, "--as", "mqtt_ca.pem")
	if code != 0 || !strings.Contains(errs, "Load 1 file onto "+id+", in this order? [y/N]") {
		t.Fatalf("--as: exit %d:\n%s%s", code, out2, errs)
	}
	for _, want := range []string{"mqtt_client.key  queued (202)", "mqtt_client.crt  queued (202)", "POST ", "multipart/form-data: file=mqtt_client.key"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	w := writes(s)
	if len(w) != 3 || !bytes.Contains(w[0].Body, []byte(`filename="mqtt_client.key"`)) || !bytes.Contains(w[2].Body, []byte(`filename="mqtt_ca.pem"`)) {
		t.Fatalf("%d loads, in the wrong order or names", len(w))
	}
	files := s.Files(id)
	for _, name := range api.MQTTFiles {
		if files[name] == 0 {
			t.Errorf("%s not on the device: %v", name, files)
		}
	}
}

// A file that is not PEM of its kind, too big, or ca.pem is refused
// with the reason before anything is sent, good files with it too.
func TestFilesLoadRefusesBadFiles(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	key, cert, _ := pemFiles(t, "mqtt_client.key", "mqtt_client.crt", "x.pem")
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "mqtt_ca.pem")
	os.WriteFile(notPEM, []byte("this is not a certificate\n"), 0o600)
	big := filepath.Join(t.TempDir(), "mqtt_client.crt")
	os.WriteFile(big, bytes.Repeat([]byte("A"), api.MaxFileSize+1), 0o600)
	caPEM := filepath.Join(t.TempDir(), "ca.pem")
	b, _ := os.ReadFile(cert)
	os.WriteFile(caPEM, b, 0o600)
	other := filepath.Join(t.TempDir(), "client.pem")
	os.WriteFile(other, b, 0o600)
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{key, notPEM}, "mqtt_ca.pem must be PEM text"},
		{[]string{big, key}, "a device takes at most"},
		{[]string{caPEM}, "device's own trust store (AWS and Azure roots)"},
		{[]string{cert, "--as", "ca.pem"}, "device's own trust store"},
		{[]string{key, "--as", "mqtt_client.crt"}, "holds PRIVATE KEY"},
		{[]string{cert, "--as", "mqtt_client.key"}, "private key"},
		{[]string{other}, "rename the file or give --as"},
		{[]string{filepath.Join(dir, "mqtt_client.key")}, "no such file"},
		{[]string{cert, caPEM}, "refused"},
	} {
		args := append([]string{"files", "load", id, "--yes"}, tc.args...)
		code, out, errs := sqc(t, args...)
		if code != 1 || !strings.Contains(out, tc.say) || !strings.Contains(errs, "nothing was sent") {
			t.Errorf("%v: exit %d:\n%s%s", tc.args, code, out, errs)
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests for refused files", n)
	}
	if code, _, errs := sqc(t, "files", "load", id, key, cert, "--as", "mqtt_client.key"); code != 2 || !strings.Contains(errs, "--as names one file") {
		t.Errorf("--as with two files: exit %d %s", code, errs)
	}
}

// The provisioning example's change, diffed against the device's config:
// a setting it has already is not sent again.
func TestMQTTSet(t *testing.T) {
	s := writeSetup(t)
	ids := hostedIDs(t, s, 2)
	code, out, errs := sqc(t, "mqtt", "set", ids[0], "--server", "mq.example.com:8883", "--client-id", "pump-3", "--yes")
	if code != 0 || !strings.Contains(out, ids[0]+"  queued (202)") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	const internal = `{"config":{"endpoint":{"mqtt":{"client_id":"pump-3","enable":true,"server":"mq.example.com:8883","ssl_cert":"mqtt_client.crt","ssl_key":"mqtt_client.key"}}}}`
	code, out, errs = sqc(t, "mqtt", "set", ids[1], "--server", "10.0.0.5:1883", "--client-id", "12345", "--ca", "file", "--yes")
	if code != 0 || !strings.Contains(out, `- endpoint.mqtt.ssl_ca_cert "ca.pem"`) || !strings.Contains(out, "load it first") {
		t.Fatalf("--ca file: exit %d:\n%s%s", code, out, errs)
	}
	const file = `{"config":{"endpoint":{"mqtt":{"client_id":"12345","enable":true,"server":"10.0.0.5:1883","ssl_ca_cert":"mqtt_ca.pem","ssl_cert":"mqtt_client.crt","ssl_key":"mqtt_client.key"}}}}`
	w := writes(s)
	if len(w) != 2 || string(w[0].Body) != internal || string(w[1].Body) != file {
		t.Fatalf("sent:\n%s\n%s", w[0].Body, w[len(w)-1].Body)
	}
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"--client-id", "x"}, "--server"},
		{[]string{"--server", "mq.example.com", "--client-id", "x"}, "host:port"},
		{[]string{"--server", "mq:99999", "--client-id", "x"}, "1 to 65535"},
		{[]string{"--server", "mq example.com:8883", "--client-id", "x"}, `"mq example.com" is not a host name or address: no spaces or slashes`},
		{[]string{"--server", "mq.example.com/a:8883", "--client-id", "x"}, "no spaces or slashes"},
		{[]string{"--server", "mq\x07:8883", "--client-id", "x"}, "the host has control characters"},
		{[]string{"--server", "mq:8883"}, "--client-id"},
		{[]string{"--server", "mq:8883", "--client-id", "x", "--ca", "aws"}, "--ca aws"},
	} {
		args := append([]string{"mqtt", "set", ids[0], "--yes"}, tc.args...)
		if code, _, errs := sqc(t, args...); code != 2 || !strings.Contains(errs, tc.say) {
			t.Errorf("%v: exit %d %s", tc.args, code, errs)
		}
	}
	if code, _, errs := sqc(t, "mqtt", "set", ids[0], "--server", "mq:8883", "--client-id", "x", "--yes", "--read-only"); code != 1 || !strings.Contains(errs, "read-only") {
		t.Errorf("read-only: exit %d %s", code, errs)
	}
	if n := len(writes(s)); n != 2 {
		t.Fatalf("%d writes after refusals, want 2", n)
	}
}

// A file named like the one the device wants is read only if it is that
// file: a link to another private key, a FIFO that would block the open
// for ever and a 1 GiB sparse file are each refused at once, with the
// reason, and nothing is sent.
func TestFilesLoadRefusesLinksFIFOsAndHugeFiles(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	otherKey, _, _ := pemFiles(t, "id_other.key", "x.crt", "y.pem")
	dir := t.TempDir()
	link := filepath.Join(dir, "mqtt_client.key")
	if err := os.Symlink(otherKey, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "mqtt_ca.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(t.TempDir(), "mqtt_client.crt")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tc := range []struct {
		path string
		say  []string
	}{
		{link, []string{"symbolic link to " + otherKey, "name it itself"}},
		{fifo, []string{"named pipe (FIFO)"}},
		{huge, []string{"1073741824 bytes: a device takes at most"}},
	} {
		code, out, errs := sqc(t, "files", "load", id, "--yes", tc.path)
		for _, say := range tc.say {
			if code != 1 || !strings.Contains(out, say) || !strings.Contains(errs, "nothing was sent") {
				t.Errorf("%s: exit %d, want %q refused:\n%s%s", tc.path, code, say, out, errs)
			}
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests for refused files", n)
	}
}
