package api

import (
	"encoding/pem"
	"fmt"
	"strings"
)

// The MQTT client files a device takes (senquip-api.md, provisioning).
const (
	FileMQTTKey  = "mqtt_client.key"
	FileMQTTCert = "mqtt_client.crt"
	FileMQTTCA   = "mqtt_ca.pem"
)

// MQTTFiles are the names Load File onto Device is used with for MQTT.
var MQTTFiles = []string{FileMQTTKey, FileMQTTCert, FileMQTTCA}

// CheckPEM checks that content is what a device expects under name: a
// private key for mqtt_client.key, certificates for the others. It says
// what was found instead, so the user knows which file they picked.
func CheckPEM(name string, content []byte) error {
	if err := ValidateFile(name, len(content)); err != nil {
		return err
	}
	wantKey := strings.HasSuffix(name, ".key")
	var found []string
	rest := content
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		found = append(found, b.Type)
		isKey := strings.HasSuffix(b.Type, "PRIVATE KEY")
		if wantKey && isKey && !strings.Contains(b.Type, "ENCRYPTED") {
			return nil
		}
		if !wantKey && b.Type == "CERTIFICATE" {
			return nil
		}
	}
	want := "a certificate (BEGIN CERTIFICATE)"
	if wantKey {
		want = "an unencrypted private key (BEGIN PRIVATE KEY, RSA or EC PRIVATE KEY)"
	}
	if len(found) == 0 {
		return fmt.Errorf("%s must be PEM text holding %s; the file is not PEM", name, want)
	}
	return fmt.Errorf("%s must hold %s; the file holds %s", name, want, strings.Join(found, ", "))
}
