package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"sqc/api"
	"sqc/state"
)

// mqttSetting is one key of Senquip's provisioning example and its value.
type mqttSetting struct {
	key   string
	value any
}

// mqttSettings is the change of the provisioning example (senquip-api.md):
// the endpoint on, the broker, the client files, and the CA to trust.
func mqttSettings(server, clientID, ca string) []mqttSetting {
	caFile := api.ProtectedFile // the device's own trust store
	if ca == "file" {
		caFile = api.FileMQTTCA
	}
	return []mqttSetting{
		{"endpoint.mqtt.enable", true},
		{"endpoint.mqtt.server", server},
		{"endpoint.mqtt.client_id", clientID},
		{"endpoint.mqtt.ssl_cert", api.FileMQTTCert},
		{"endpoint.mqtt.ssl_key", api.FileMQTTKey},
		{"endpoint.mqtt.ssl_ca_cert", caFile},
	}
}

func runMQTTSet(ctx context.Context, e *env, o *mqttSetOpts, args []string) error {
	id, err := api.NormaliseDeviceID(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	server, clientID := strings.TrimSpace(o.server), strings.TrimSpace(o.clientID)
	if err := checkHostPort(server); err != nil {
		return usagef("--server: %v", err)
	}
	switch {
	case clientID == "":
		return usagef("--client-id: the broker needs the client id it expects from this device")
	case api.Clean(clientID) != clientID:
		return usagef("--client-id: control characters are not allowed")
	case o.ca != "internal" && o.ca != "file":
		return usagef("--ca %s: internal (ca.pem, the device's own trust store) or file (mqtt_ca.pem, loaded by sqc files load)", api.Clean(o.ca))
	}
	s, err := openSession(e, o.yes)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.writable(api.OpUpdateConfig); err != nil {
		return err
	}
	if err := s.mayAsk(""); err != nil {
		return err
	}
	w := state.Write{Op: api.OpUpdateConfig, Device: api.Device{DeviceID: id}}
	if err := s.gate.Check(w); err != nil {
		return err
	}
	rctx, cancel := withTimeout(ctx)
	cr, err := s.client.GetConfig(rctx, id)
	cancel()
	if err != nil {
		return err
	}
	s.spent(id, cr.Remaining)
	w.Device.Remaining = cr.Remaining
	for _, m := range mqttSettings(server, clientID, o.ca) {
		c, err := mqttChange(cr.Config, m)
		if err != nil {
			return fmt.Errorf("%s: %v: nothing was sent", id, err)
		}
		w.Changes = state.Stage(w.Changes, c)
	}
	if len(w.Changes) == 0 {
		_, err := fmt.Fprintf(e.stdout, "%s  unchanged: its MQTT endpoint is set up like this already\n", id)
		return err
	}
	lines, err := s.confirmation(w)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, id)
	showLines(e, lines)
	if o.ca == "file" {
		fmt.Fprintf(e.stdout, "The device trusts the broker by %s: load it first (sqc files load %s FILE --as %s).\n\n", api.FileMQTTCA, id, api.FileMQTTCA)
	}
	if err := s.confirm(ctx, "Send this config update to "+id+"?"); err != nil {
		return err
	}
	res, err := s.send(ctx, w)
	fmt.Fprintf(e.stdout, "%s  %s\n", id, api.Clean(state.Outcome(res, err)))
	switch {
	case unknownOutcome(err):
		return fmt.Errorf("whether %s took the MQTT settings is unknown: read them back (sqc config get %s) before sending again", id, id)
	case err != nil:
		return fmt.Errorf("%s did not take the MQTT settings", id)
	}
	return nil
}

// mqttChange is one setting against the device's config: a value the
// device holds keeps its type (a device whose enable is 0/1 is refused,
// naming the key); a setting it lacks is added as the example has it.
func mqttChange(cfg api.Config, m mqttSetting) (state.Change, error) {
	old, had := cfg.Get(m.key)
	if !had || old == nil {
		return state.Change{Key: m.key, Old: old, New: m.value, Added: !had}, nil
	}
	text := fmt.Sprint(m.value)
	v, err := state.ParseValue(m.key, old, text)
	if err != nil {
		return state.Change{}, err
	}
	return state.Change{Key: m.key, Old: old, New: v}, nil
}

func checkHostPort(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil || host == "" {
		return errors.New("write host:port, e.g. broker.example.com:8883")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return errors.New("the port is a number from 1 to 65535")
	}
	if api.Clean(host) != host || strings.ContainsAny(host, " /") {
		return fmt.Errorf("%q is not a host name or address", api.Clean(host))
	}
	return nil
}
