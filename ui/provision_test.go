package ui

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// claimable returns a device the account can add: with a setup password
// or without one.
func (h *harness) claimable(t *testing.T, withPassword bool) (string, string) {
	t.Helper()
	ids := []string{}
	c := h.sim.Claimable()
	for id := range c {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if (c[id] != "") == withPassword {
			return id, c[id]
		}
	}
	t.Fatal("no such claimable device")
	return "", ""
}

func (h *harness) posts(op api.Op) []map[string]any {
	var out []map[string]any
	for _, r := range h.sim.Requests() {
		if r.Op == op && r.Method == "POST" {
			var body map[string]any
			_ = json.Unmarshal(r.Body, &body)
			body["status"] = r.Status
			out = append(out, body)
		}
	}
	return out
}

// addedAndListed holds once the list has been read again with the new
// device in it (31 of them) and the toast saying so is still there: the
// reload that focuses the device must not take the toast away before it
// could be read.
func addedAndListed(id string) func(string) bool {
	return func(v string) bool {
		return strings.Contains(v, "Devices 31") && strings.Contains(v, id+" added to the account: it appears in the list, focused")
	}
}

func TestAddDeviceWithoutPassword(t *testing.T) {
	t.Parallel()
	h := start(t, setup{})
	id, _ := h.claimable(t, false)
	h.scr.waitText(t, "Devices 30")
	h.key("a")
	h.scr.waitText(t, "Add a device to the account")
	h.key(strings.ToLower(id[:4]))
	h.scr.waitText(t, "4 of 9 letters or digits")
	h.key(strings.ToLower(id[4:]))
	h.scr.waitText(t, id) // upper-cased as typed
	h.key("tab")
	h.key("marine")
	h.scr.waitText(t, "▶") // not picked yet: the list of groups is offered
	h.key("enter")
	h.scr.waitFor(t, "the request to confirm", func(v string) bool {
		return strings.Contains(v, "POST ") && strings.Contains(v, "/devices/"+id+"/users") && strings.Contains(v, "[y/N]")
	})
	h.key("y")
	h.scr.waitFor(t, "the toast over the reloaded list", addedAndListed(id))
	p := h.posts(api.OpAddUser)
	if len(p) != 1 || p[0]["status"] != 200 || p[0]["groupid"] == nil || p[0]["groupName"] != nil {
		t.Fatalf("add-user posts %v", p)
	}
	final := h.quit(t)
	if final.FocusedID() != id {
		t.Fatalf("focused %s, want the new device %s", final.FocusedID(), id)
	}
}

func TestAddDeviceAsksForThePasswordAndSaysWhenItIsWrong(t *testing.T) {
	t.Parallel()
	h := start(t, setup{})
	id, pw := h.claimable(t, true)
	h.scr.waitText(t, "Devices 30")
	h.key("a")
	h.key(id)
	h.key("enter")
	h.scr.waitText(t, "[y/N]")
	h.key("y")
	h.scr.waitText(t, "enter its setup password")
	h.key("wrong-pw")
	if strings.Contains(h.scr.String(), "wrong-pw") {
		t.Fatal("the setup password is shown as typed")
	}
	h.key("enter")
	h.scr.waitFor(t, "the masked password in the request", func(v string) bool {
		return strings.Contains(v, `"setupPassword":"••••••"`) && strings.Contains(v, "[y/N]")
	})
	h.key("y")
	h.scr.waitText(t, "The setup password was refused")
	for range len("wrong-pw") {
		h.key("backspace")
	}
	h.key(pw)
	h.key("enter")
	h.scr.waitText(t, "[y/N]")
	h.key("y")
	h.scr.waitFor(t, "the toast over the reloaded list", addedAndListed(id))
	p := h.posts(api.OpAddUser)
	if len(p) != 3 || p[0]["setupPassword"] != nil || p[1]["setupPassword"] != "wrong-pw" || p[2]["setupPassword"] != pw || p[2]["status"] != 200 {
		t.Fatalf("posts %v: want no password, the wrong one, the right one", p)
	}
	h.quit(t)
}

// certFiles writes a real key, certificate and CA certificate (the CA
// under the name ca.pem, as a customer might have it) into a folder.
func certFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "device"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	c, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("device.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	write("device.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c}))
	write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c}))
	write("notes.txt", []byte("not a certificate"))
	write("huge.crt", []byte(strings.Repeat("A", api.MaxFileSize+1)))
	return dir
}

// fillMQTT types the MQTT form: three paths (empty skips), the broker,
// the client id as offered, and the CA choice.
func (h *harness) fillMQTT(keyPath, certPath, caPath string, loadedCA bool) {
	for _, p := range []string{keyPath, certPath, caPath} {
		h.key(p)
		h.key("tab")
	}
	h.key("broker.example.com:8883")
	h.key("tab")
	h.key("tab") // the client id: the device's ID, as offered
	if loadedCA {
		h.key("space")
	}
}

func TestMQTTCertificatesAndBroker(t *testing.T) {
	t.Parallel()
	dir := certFiles(t)
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.scr.waitText(t, "Devices 30")
	h.openOn(t, d.DeviceID, "m")
	h.scr.waitText(t, "MQTT for "+d.DeviceID)
	// Completion: the folder, then the one file starting with "device.k".
	h.key(dir + "/device.k")
	h.key("tab")
	h.scr.waitText(t, "device.key")
	h.key("ctrl+u") // the completed path is still the field's: type it anew

	h.fillMQTT(filepath.Join(dir, "device.key"), filepath.Join(dir, "device.crt"), filepath.Join(dir, "ca.pem"), true)
	h.key("enter")
	h.scr.waitFor(t, "every request in one confirm", func(v string) bool {
		return strings.Contains(v, "as mqtt_client.key") && strings.Contains(v, "as mqtt_client.crt") && strings.Contains(v, "ca.pem as mqtt_ca.pem") &&
			strings.Contains(v, "Send 4 requests?")
	})
	h.key("y")
	h.scr.waitText(t, "all 4 requests queued")
	files := h.sim.Files(d.DeviceID)
	if len(files) != 3 || files["mqtt_client.key"] == 0 || files["mqtt_ca.pem"] == 0 || files["ca.pem"] != 0 {
		t.Fatalf("files on the device: %v", files)
	}
	var patch string
	for _, r := range h.sim.Requests() {
		if r.Method == "PATCH" {
			patch = string(r.Body)
		}
	}
	for _, want := range []string{`"server":"broker.example.com:8883"`, `"enable":true`, `"ssl_ca_cert":"mqtt_ca.pem"`, `"ssl_key":"mqtt_client.key"`, `"client_id":"` + d.DeviceID + `"`} {
		if !strings.Contains(patch, want) {
			t.Errorf("config change %s lacks %s", patch, want)
		}
	}
	h.quit(t)
}

func TestMQTTRefusesBadFilesAndStopsAtAFailure(t *testing.T) {
	t.Parallel()
	dir := certFiles(t)
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.scr.waitText(t, "Devices 30")
	h.openOn(t, d.DeviceID, "m")
	h.fillMQTT(filepath.Join(dir, "device.key"), filepath.Join(dir, "notes.txt"), "", false)
	h.key("enter")
	h.scr.waitText(t, "must be PEM text holding a certificate")
	h.scr.waitText(t, "not PEM")
	h.key("shift+tab")
	h.key("shift+tab")
	h.key("shift+tab")
	h.key("shift+tab")
	h.key("ctrl+u")
	h.key(filepath.Join(dir, "huge.crt"))
	h.scr.waitText(t, "a device takes at most")
	if n := len(h.writes()); n != 0 {
		t.Fatalf("bad files sent %d requests", n)
	}
	h.key("ctrl+u")
	h.key(filepath.Join(dir, "device.crt"))
	h.sim.Inject(sim.Fault{Op: api.OpLoadFile, Status: 400, Message: "File rejected"})
	h.key("enter")
	h.scr.waitText(t, "Send 3 requests?")
	h.key("y")
	h.scr.waitText(t, "stopped at step 1 of 3: 0 done, 2 not sent")
	if n := len(h.writes()); n != 1 {
		t.Fatalf("%d requests after a failure at the first step, want 1", n)
	}
	h.quit(t)
}

// A link named as the key is refused, not followed to whatever key it
// points at, and a FIFO as the CA is refused without blocking the console.
func TestMQTTRefusesLinksAndFIFOs(t *testing.T) {
	dir := certFiles(t)
	link := filepath.Join(t.TempDir(), "mqtt_client.key")
	if err := os.Symlink(filepath.Join(dir, "device.key"), link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "mqtt_ca.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.scr.waitText(t, "Devices 30")
	h.openOn(t, d.DeviceID, "m")
	h.fillMQTT(link, filepath.Join(dir, "device.crt"), fifo, true)
	h.key("enter")
	h.scr.waitText(t, "a link to")
	h.scr.waitText(t, "links are not followed")
	h.scr.waitText(t, "not a regular file")
	if n := len(h.writes()); n != 0 {
		t.Fatalf("a link and a FIFO sent %d requests", n)
	}
	h.quit(t)
}

// The broker field refuses what `sqc mqtt set --server` refuses, with the
// same words, and nothing is read or sent for a form with such a broker.
func TestMQTTBrokerRefusedLikeTheCommandLine(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.scr.waitText(t, "Devices 30")
	before := len(h.sim.Requests())
	h.openOn(t, d.DeviceID, "m")
	h.scr.waitText(t, "MQTT for "+d.DeviceID)
	for range 3 {
		h.key("tab") // no files: the broker
	}
	h.key("broker example.com:8883")
	h.scr.waitText(t, `"broker example.com" is not a host name or address`)
	h.key("enter")
	h.scr.waitText(t, `Broker: "broker example.com" is not a host name or address`)
	h.key("ctrl+u")
	h.key("broker.example.com/mqtt:8883")
	h.scr.waitText(t, `"broker.example.com/mqtt" is not a host name or address`)
	h.key("enter")
	h.scr.waitText(t, `Broker: "broker.example.com/mqtt" is not a host name`)
	for _, r := range h.sim.Requests()[before:] {
		if r.DeviceID == d.DeviceID && (r.Op == api.OpGetConfig || r.Method != "GET") {
			t.Errorf("a form with a bad broker sent %s %s", r.Method, r.Op)
		}
	}
	h.quit(t)
}
