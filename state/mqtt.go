package state

import (
	"fmt"
	"strings"

	"sqc/api"
)

// MQTTSetup is the change of Senquip's provisioning example
// (senquip-api.md): the endpoint on, the broker, the client files, and the
// CA the device trusts the broker by. The console's form and `sqc mqtt set`
// both build their config change here.
type MQTTSetup struct {
	Server   string
	ClientID string
	// CA is the file the device trusts the broker by: api.ProtectedFile
	// (its own trust store) or api.FileMQTTCA (a CA loaded for it).
	CA string
	// ClientCert and ClientKey point the device at mqtt_client.crt and
	// mqtt_client.key; left false, the device keeps what it has.
	ClientCert, ClientKey bool
}

// Check says what is wrong with the setup, naming the setting.
func (s MQTTSetup) Check() error {
	if err := api.CheckBroker(s.Server); err != nil {
		return fmt.Errorf("broker: %v", err)
	}
	if err := api.CheckMQTTClientID(strings.TrimSpace(s.ClientID)); err != nil {
		return fmt.Errorf("client id: %v", err)
	}
	if s.CA != api.ProtectedFile && s.CA != api.FileMQTTCA {
		return fmt.Errorf("CA %q: %s (the device's own trust store) or %s (a CA loaded onto it)", api.Clean(s.CA), api.ProtectedFile, api.FileMQTTCA)
	}
	return nil
}

// Changes is the setup against the device's config, in the example's
// order: a setting the device holds already is not sent again, and a value
// it holds keeps its type (a device whose enable is 0/1 is refused, naming
// the key, rather than sent a bool it may not take); a setting it lacks is
// added as the example has it.
func (s MQTTSetup) Changes(cfg api.Config) ([]Change, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	settings := []struct {
		key   string
		value any
		on    bool
	}{
		{"endpoint.mqtt.enable", true, true},
		{"endpoint.mqtt.server", strings.TrimSpace(s.Server), true},
		{"endpoint.mqtt.client_id", strings.TrimSpace(s.ClientID), true},
		{"endpoint.mqtt.ssl_cert", api.FileMQTTCert, s.ClientCert},
		{"endpoint.mqtt.ssl_key", api.FileMQTTKey, s.ClientKey},
		{"endpoint.mqtt.ssl_ca_cert", s.CA, true},
	}
	var out []Change
	for _, st := range settings {
		if !st.on {
			continue
		}
		old, had := cfg.Get(st.key)
		c := Change{Key: st.key, Old: old, New: st.value, Added: !had}
		if had && old != nil {
			v, err := ParseValue(st.key, old, fmt.Sprint(st.value))
			if err != nil {
				return nil, err
			}
			c.New = v
		}
		out = Stage(out, c)
	}
	return out, nil
}
