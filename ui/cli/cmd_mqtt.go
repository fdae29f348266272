package cli

import (
	"context"
	"fmt"
	"strings"

	"sqc/api"
	"sqc/state"
)

func runMQTTSet(ctx context.Context, e *env, o *mqttSetOpts, args []string) error {
	id, err := api.NormaliseDeviceID(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	// The client files are loaded by sqc files load: the device is
	// pointed at both.
	setup := state.MQTTSetup{Server: strings.TrimSpace(o.server), ClientID: strings.TrimSpace(o.clientID), ClientCert: true, ClientKey: true}
	if err := api.CheckBroker(setup.Server); err != nil {
		return usagef("--server: %v", err)
	}
	if err := api.CheckMQTTClientID(setup.ClientID); err != nil {
		return usagef("--client-id: %v", err)
	}
	switch o.ca {
	case "internal":
		setup.CA = api.ProtectedFile
	case "file":
		setup.CA = api.FileMQTTCA
	default:
		return usagef("--ca %s: internal (%s, the device's own trust store) or file (%s, loaded by sqc files load)", api.Clean(o.ca), api.ProtectedFile, api.FileMQTTCA)
	}
	s, err := openWriteSession(e, o.yes, api.OpUpdateConfig)
	if err != nil {
		return err
	}
	defer s.close()
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
	if w.Changes, err = setup.Changes(cr.Config); err != nil {
		return fmt.Errorf("%s: %v: nothing was sent", id, err)
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
