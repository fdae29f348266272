package state

import (
	"fmt"
	"strings"
	"testing"

	"sqc/api"
)

func mqttConfig(t *testing.T, js string) api.Config {
	t.Helper()
	c, err := api.DecodeConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The setup against a device's config: what is sent, what is already so,
// and what is refused before anything is sent.
func TestMQTTSetupChanges(t *testing.T) {
	fresh := `{"endpoint":{"mqtt":{"enable":false,"server":"","client_id":"","ssl_cert":"","ssl_key":"","ssl_ca_cert":"ca.pem"}}}`
	done := `{"endpoint":{"mqtt":{"enable":true,"server":"mq.example.com:8883","client_id":"pump-3","ssl_cert":"mqtt_client.crt","ssl_key":"mqtt_client.key","ssl_ca_cert":"ca.pem"}}}`
	all := MQTTSetup{Server: " mq.example.com:8883 ", ClientID: "pump-3", CA: api.ProtectedFile, ClientCert: true, ClientKey: true}
	for _, tc := range []struct {
		name  string
		setup MQTTSetup
		cfg   string
		want  []string // key=new, in order; nil with say: refused
		say   string
	}{
		{"a fresh device gets every setting but the CA it has", all, fresh,
			[]string{"endpoint.mqtt.enable=true", "endpoint.mqtt.server=mq.example.com:8883", "endpoint.mqtt.client_id=pump-3", "endpoint.mqtt.ssl_cert=mqtt_client.crt", "endpoint.mqtt.ssl_key=mqtt_client.key"}, ""},
		{"a device set up like this already gets nothing", all, done, []string{}, ""},
		{"a loaded CA is pointed at", MQTTSetup{Server: "mq.example.com:8883", ClientID: "pump-3", CA: api.FileMQTTCA, ClientCert: true, ClientKey: true}, done,
			[]string{"endpoint.mqtt.ssl_ca_cert=mqtt_ca.pem"}, ""},
		{"client files not given are left as the device has them", MQTTSetup{Server: "10.0.0.5:1883", ClientID: "x", CA: api.ProtectedFile}, done,
			[]string{"endpoint.mqtt.server=10.0.0.5:1883", "endpoint.mqtt.client_id=x"}, ""},
		{"settings the device lacks are added", all, `{"endpoint":{}}`,
			[]string{"endpoint.mqtt.enable=true", "endpoint.mqtt.server=mq.example.com:8883", "endpoint.mqtt.client_id=pump-3", "endpoint.mqtt.ssl_cert=mqtt_client.crt", "endpoint.mqtt.ssl_key=mqtt_client.key", "endpoint.mqtt.ssl_ca_cert=ca.pem"}, ""},
		{"an enable held as a number is refused, naming the key", all, `{"endpoint":{"mqtt":{"enable":0}}}`, nil, "endpoint.mqtt.enable takes a number"},
		{"a broker with a space", MQTTSetup{Server: "mq example.com:8883", ClientID: "x", CA: api.ProtectedFile}, fresh, nil, `broker: "mq example.com" is not a host name`},
		{"a broker with a slash", MQTTSetup{Server: "mq.example.com/a:8883", ClientID: "x", CA: api.ProtectedFile}, fresh, nil, "no spaces or slashes"},
		{"a broker without a port", MQTTSetup{Server: "mq.example.com", ClientID: "x", CA: api.ProtectedFile}, fresh, nil, "broker: write host:port"},
		{"no client id", MQTTSetup{Server: "mq:8883", ClientID: " ", CA: api.ProtectedFile}, fresh, nil, "client id: the broker needs"},
		{"an unknown CA file", MQTTSetup{Server: "mq:8883", ClientID: "x", CA: "aws.pem"}, fresh, nil, `CA "aws.pem"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.setup.Changes(mqttConfig(t, tc.cfg))
			if tc.say != "" {
				if err == nil || !strings.Contains(err.Error(), tc.say) {
					t.Fatalf("err %v, want %q", err, tc.say)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, c := range got {
				keys = append(keys, fmt.Sprintf("%s=%v", c.Key, c.New))
			}
			if strings.Join(keys, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("changes\n %v\nwant\n %v", keys, tc.want)
			}
		})
	}
}
