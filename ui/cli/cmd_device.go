package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"sqc/api"
	"sqc/state"
)

func runDeviceAdd(ctx context.Context, e *env, o *deviceAddOpts, args []string) error {
	group, err := groupFlags(o)
	if err != nil {
		return err
	}
	if o.from != "" {
		switch {
		case len(args) > 0:
			return usagef("device add takes a device ID or --from FILE.csv, not both")
		case o.passwordStdin:
			return usagef("--setup-password-stdin is for one device: with --from, each row's setup_password column holds its own")
		}
		return addFromCSV(ctx, e, o.from, o.yes, group)
	}
	id, err := api.NormaliseDeviceID(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	s, err := openWriteSession(e, o.yes, api.OpAddUser)
	if err != nil {
		return err
	}
	defer s.close()
	w := state.Write{Op: api.OpAddUser, Device: api.Device{DeviceID: id}, User: group}
	lines, err := s.confirmation(w)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Add "+id+" to the account")
	showLines(e, lines)
	if err := s.confirm(ctx, "Add "+id+" to the account?"); err != nil {
		return err
	}
	res, err := s.send(ctx, w)
	if api.IsPasswordRequired(err) {
		if !o.passwordStdin {
			return fmt.Errorf("%s is registered elsewhere and needs its setup password: give it on stdin with --setup-password-stdin (never as an argument)", id)
		}
		pw, rerr := e.readSecret(ctx, "Setup password of "+id+" (input hidden): ")
		if pw = strings.TrimSpace(pw); rerr != nil || pw == "" {
			return fmt.Errorf("%s needs its setup password and none came on stdin: nothing more was sent", id)
		}
		fmt.Fprintf(e.stdout, "%s  Password Required: sending once more with the setup password\n", id)
		w.User.SetupPassword = pw
		res, err = s.send(ctx, w)
		if api.IsPasswordRequired(err) || api.StatusOf(err) == 403 {
			return fmt.Errorf("%s: the setup password was refused (%v): check it as printed with the device", id, err)
		}
	}
	if err != nil {
		return errors.New(state.Outcome(res, err))
	}
	_, err = fmt.Fprintf(e.stdout, "%s  added to the account (%s)\n", id, api.Clean(state.Outcome(res, nil)))
	return err
}

// groupFlags is the group a device is added to: by name or id, not both.
func groupFlags(o *deviceAddOpts) (api.AddUserRequest, error) {
	var req api.AddUserRequest
	if o.group != "" && o.groupID != "" {
		return req, usagef("--group or --group-id, not both")
	}
	if o.group != "" {
		name, err := checkGroupName(o.group)
		if err != nil {
			return req, usagef("--group: %v", err)
		}
		req.GroupName = name
	}
	if o.groupID != "" {
		if err := checkGroupID(o.groupID); err != nil {
			return req, usagef("--group-id: %v", err)
		}
		req.GroupID = o.groupID
	}
	return req, nil
}

// maxGroupName bounds a group's name as we send it; Senquip publishes
// no limit.
const maxGroupName = 128

func checkGroupName(s string) (string, error) {
	name := strings.TrimSpace(s)
	switch {
	case name == "":
		return "", errors.New("the group's name is empty")
	case len(name) > maxGroupName:
		return "", fmt.Errorf("the group's name is longer than %d bytes", maxGroupName)
	case api.Clean(name) != name:
		return "", errors.New("the group's name holds control characters")
	}
	return name, nil
}

func checkGroupID(id string) error {
	if id == "" || len(id) > 64 {
		return errors.New("a group id is 1 to 64 letters, digits, - or _")
	}
	for _, c := range id {
		if c != '-' && c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return fmt.Errorf("%q: a group id is letters, digits, - or _", api.Clean(id))
		}
	}
	return nil
}
