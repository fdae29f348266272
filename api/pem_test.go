package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

// testPEM makes a real EC key and a self-signed certificate for it.
func testPEM(t *testing.T) (key, cert []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sqc test"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	c, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c})
}

func TestCheckPEM(t *testing.T) {
	key, cert := testPEM(t)
	for _, c := range []struct {
		name    string
		content []byte
		want    string // "" for accepted, else part of the error
	}{
		{api.FileMQTTKey, key, ""},
		{api.FileMQTTCert, cert, ""},
		{api.FileMQTTCA, cert, ""},
		{api.FileMQTTKey, cert, "holds CERTIFICATE"},
		{api.FileMQTTCert, key, "holds PRIVATE KEY"},
		{api.FileMQTTCert, []byte("hello"), "not PEM"},
		{api.FileMQTTCert, []byte(strings.Repeat("A", api.MaxFileSize+1)), "the most a device takes"},
		{"ca.pem", cert, "trust store"},
		{api.FileMQTTKey, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), "unencrypted"},
	} {
		err := api.CheckPEM(c.name, c.content)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}
