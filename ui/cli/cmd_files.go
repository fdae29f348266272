package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"sqc/api"
	"sqc/state"
)

// localFile is a file to load and the name the device keeps it under.
type localFile struct {
	path, name string
	content    []byte
}

func runFilesLoad(ctx context.Context, e *env, o *filesLoadOpts, args []string) error {
	id, err := api.NormaliseDeviceID(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	paths := args[1:]
	if o.as != "" && len(paths) != 1 {
		return usagef("--as names one file: give one FILE with it")
	}
	// Every file is checked before anything is sent: a key loaded without
	// its certificate leaves the device half set up.
	var files []localFile
	refused := 0
	byName := map[string]string{}
	for _, p := range paths {
		f, err := readLocalFile(p, o.as)
		if err == nil {
			if other, dup := byName[f.name]; dup {
				err = fmt.Errorf("%s and %s would both be %s", api.Clean(other), api.Clean(p), f.name)
			}
			byName[f.name] = p
		}
		if err != nil {
			refused++
			fmt.Fprintf(e.stdout, "%s  refused: %s\n", api.Clean(p), api.Clean(err.Error()))
			continue
		}
		files = append(files, f)
	}
	if refused > 0 {
		return fmt.Errorf("%d of %s refused: nothing was sent", refused, api.Plural(len(paths), "file"))
	}
	s, err := openWriteSession(e, o.yes, api.OpLoadFile)
	if err != nil {
		return err
	}
	defer s.close()
	dev := api.Device{DeviceID: id}
	if n, ok := s.gate.CallsLeft(dev); ok && n < len(files) {
		return fmt.Errorf("%s is not on a Hosted plan and has %d API calls left this month; these files need %d: nothing was sent", id, n, len(files))
	}
	writes := make([]state.Write, len(files))
	for i, f := range files {
		writes[i] = state.Write{Op: api.OpLoadFile, Device: dev, FileName: f.name, File: f.content}
		lines, err := s.confirmation(writes[i])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d. load %s as %s (%d bytes)\n", i+1, api.Clean(f.path), f.name, len(f.content))
		showLines(e, lines)
	}
	if err := s.confirm(ctx, fmt.Sprintf("Load %s onto %s, in this order?", api.Plural(len(files), "file"), id)); err != nil {
		return err
	}
	var failed error
	for _, w := range writes {
		if failed != nil || ctx.Err() != nil {
			fmt.Fprintf(e.stdout, "%s  not sent: an earlier file failed or the command was stopped\n", w.FileName)
			continue
		}
		res, err := s.send(ctx, w)
		fmt.Fprintf(e.stdout, "%s  %s\n", w.FileName, api.Clean(state.Outcome(res, err)))
		switch {
		case unknownOutcome(err):
			failed = fmt.Errorf("%s may or may not be on the device (no answer), and the files after it were not sent", w.FileName)
		case err != nil:
			failed = fmt.Errorf("%s was not loaded, and the files after it were not sent", w.FileName)
		}
	}
	if failed == nil {
		failed = ctx.Err()
	}
	return failed
}

// readLocalFile reads a file to load and checks it as the device will:
// one of the three MQTT names, never ca.pem, PEM of the right kind, not
// too big. Only a regular file named itself is read (not a link, a FIFO
// or a device), and a big one is refused before it is read.
func readLocalFile(path, as string) (localFile, error) {
	name := as
	if name == "" {
		name = filepath.Base(path)
	}
	f := localFile{path: path, name: name}
	switch {
	case strings.EqualFold(name, api.ProtectedFile):
		return f, fmt.Errorf("%s is the device's own trust store (AWS and Azure roots) and is never replaced: load the broker's CA as %s (--as %s)", api.ProtectedFile, api.FileMQTTCA, api.FileMQTTCA)
	case !slices.Contains(api.MQTTFiles, name):
		return f, fmt.Errorf("the device takes %s: rename the file or give --as NAME", strings.Join(api.MQTTFiles, ", "))
	}
	b, err := api.ReadLoadFile(path)
	if err != nil {
		return f, err
	}
	if err := api.CheckPEM(name, b); err != nil {
		return f, err
	}
	f.content = b
	return f, nil
}
