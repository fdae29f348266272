package pane

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/ui/look"
)

// MQTTPane loads a device's MQTT client certificates and points it at a
// broker: up to three file loads and one config change, confirmed
// together, sent in order, stopping at the first failure.
type MQTTPane struct {
	ctx    context.Context
	sh     *Shared
	con    Console
	w, h   int
	Dev    api.Device
	Form   look.Form
	files  map[string]*look.Field // by the name the device keeps the file under
	server *look.Field
	client *look.Field
	ca     *look.Field

	cfg     api.Config // the device's config, for the diff
	reading bool
	Steps   []MQTTStep
	Running bool
	Run     int // which set-up the steps are of: a late answer of another is dropped
	status  string
	isErr   bool
	Out     map[int]mqttOut // the steps the engine has out, by sequence number
}

// MQTTStep is one request of the flow and what became of it.
type MQTTStep struct {
	W      state.Write
	label  string
	result string
	Done   bool
	Failed bool
}

const (
	caLoaded   = api.FileMQTTCA + " (the CA file above)"
	caInternal = api.ProtectedFile + " (the device's own trust store: AWS and Azure roots)"
)

func NewMQTTPane(ctx context.Context, sh *Shared, con Console) *MQTTPane {
	p := &MQTTPane{ctx: ctx, sh: sh, con: con, files: map[string]*look.Field{}}
	for _, name := range api.MQTTFiles {
		what := "certificate"
		if name == api.FileMQTTKey {
			what = "private key"
		}
		p.files[name] = look.NewField("File for "+name, "a PEM "+what+" on this machine (tab completes the path); empty: not loaded", "~/certs/"+name, checkPath)
	}
	p.server = look.NewField("Broker", "host:port of the customer's MQTT broker", "broker.example.com:8883", problem(api.CheckBroker))
	p.client = look.NewField("Client ID", "the client id the broker expects from this device", "", problem(func(v string) error {
		return api.CheckMQTTClientID(strings.TrimSpace(v))
	}))
	p.ca = look.NewField("Trust the broker's certificate by", "↑/↓ or space choose", "", func(v string) string {
		if v != caLoaded && v != caInternal {
			return "pick one with ↑/↓"
		}
		return ""
	})
	p.ca.Options, p.ca.Fixed = []string{caInternal, caLoaded}, true
	return p
}

func checkPath(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	// Lstat, as the file is read: a link is refused, not followed.
	st, err := os.Lstat(look.ExpandHome(v))
	switch {
	case err != nil:
		return "no such file (tab completes a path)"
	case st.IsDir():
		return "a folder: tab completes the file's name"
	case st.Mode()&os.ModeSymlink != 0:
		if target, err := filepath.EvalSymlinks(look.ExpandHome(v)); err == nil {
			return "a link to " + api.Clean(target) + ": links are not followed, give that path itself"
		}
		return "a symbolic link: links are not followed, name the file itself"
	case !st.Mode().IsRegular():
		return "not a regular file: sqc reads only regular files"
	case st.Size() > api.MaxFileSize:
		return fmt.Sprintf("%d bytes: a device takes at most %d", st.Size(), api.MaxFileSize)
	}
	return ""
}

// problem is a field's check from a rule shared with the command line.
func problem(check func(string) error) func(string) string {
	return func(v string) string {
		if err := check(v); err != nil {
			return err.Error()
		}
		return ""
	}
}

// completePath extends a path to what the folder's entries share;
// false when there is nothing to add.
func completePath(v string) (string, bool) {
	full := look.ExpandHome(v)
	dir, base := filepath.Split(full)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return v, false
	}
	var match []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), base) {
			name := e.Name()
			if e.IsDir() {
				name += "/"
			}
			match = append(match, name)
		}
	}
	if len(match) == 0 {
		return v, false
	}
	common := match[0]
	for _, m := range match[1:] {
		for !strings.HasPrefix(m, common) {
			common = common[:len(common)-1]
		}
	}
	if len(common) <= len(base) {
		return v, false
	}
	return v + common[len(base):], true
}

func (p *MQTTPane) Open(d api.Device) tea.Cmd {
	if p.Dev.DeviceID != d.DeviceID {
		for _, f := range p.files {
			f.In.SetValue("")
		}
		p.server.In.SetValue("")
		p.client.In.SetValue(d.DeviceID)
		p.ca.In.SetValue(caInternal)
		p.cfg = nil
	}
	p.Dev, p.Steps, p.Running, p.status, p.isErr = d, nil, false, "", false
	p.Form = look.Form{Sh: &p.sh.Common, Fields: []*look.Field{p.files[api.FileMQTTKey], p.files[api.FileMQTTCert], p.files[api.FileMQTTCA], p.server, p.client, p.ca}}
	return p.Form.FocusOn(0)
}

func (p *MQTTPane) SetSize(w, h int) { p.w, p.h = w, h }

// Typing: the form takes every key until it is sent; then the steps'
// results stay on screen and the console's keys work again.
func (p *MQTTPane) Typing() bool { return len(p.Steps) == 0 }
func (p *MQTTPane) Hints() []look.Hint {
	if len(p.Steps) > 0 {
		return nil
	}
	return p.Form.Hints()
}
func (p *MQTTPane) HelpGroups() []look.HelpGroup {
	if p.sh.ReadOnly {
		return nil
	}
	return []look.HelpGroup{{Title: "provisioning", Keys: []key.Binding{p.sh.Keys.AddDevice, p.sh.Keys.MQTT}}}
}
func (p *MQTTPane) Paste(msg tea.PasteMsg) tea.Cmd { return p.Form.Paste(msg) }

func (p *MQTTPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if len(p.Steps) > 0 {
		if !p.Running && look.Matches(msg, p.sh.Keys.MQTT) { // again, from the form as it was
			p.Steps, p.status, p.isErr = nil, "", false
			return true, p.Form.FocusOn(0)
		}
		return false, nil // back and the console's keys work; the requests still go out
	}
	if msg.String() == "esc" {
		return true, look.ClosePane
	}
	if msg.String() == "tab" {
		for _, f := range p.files {
			if f == p.Form.Focused() {
				if v, ok := completePath(f.In.Value()); ok {
					f.In.SetValue(v)
					f.In.CursorEnd()
					f.Validate()
					return true, nil
				}
			}
		}
	}
	enter, cmd := p.Form.Key(msg)
	if !enter {
		p.status = ""
		return true, cmd
	}
	return true, func() tea.Msg { return toMQTT(mqttPlanMsg{}) }
}

// plan checks every field and file and builds the requests, in order.
func (p *MQTTPane) plan() ([]MQTTStep, error) {
	if i := p.Form.FirstProblem(); i >= 0 {
		f := p.Form.Fields[i]
		return nil, fmt.Errorf("%s: %s", f.Label, f.Msg)
	}
	var steps []MQTTStep
	loaded := map[string]bool{}
	files := map[string][]byte{}
	for _, name := range api.MQTTFiles {
		path := strings.TrimSpace(p.files[name].In.Value())
		if path == "" {
			continue
		}
		b, err := api.ReadLoadFile(look.ExpandHome(path))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		if err := api.CheckPEM(name, b); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		loaded[name], files[name] = true, b
		steps = append(steps, MQTTStep{W: state.Write{Op: api.OpLoadFile, Device: p.Dev, FileName: name, File: b},
			label: fmt.Sprintf("load %s as %s (%d bytes)", filepath.Base(path), name, len(b))})
	}
	if k, c := files[api.FileMQTTKey], files[api.FileMQTTCert]; k != nil && c != nil {
		if _, err := tls.X509KeyPair(c, k); err != nil {
			return nil, fmt.Errorf("the key and the certificate do not belong together (%v): pick the key the certificate was made for", err)
		}
	}
	setup := state.MQTTSetup{Server: strings.TrimSpace(p.server.In.Value()), ClientID: p.client.In.Value(), CA: api.ProtectedFile,
		ClientCert: loaded[api.FileMQTTCert], ClientKey: loaded[api.FileMQTTKey]}
	if p.ca.Chosen() == caLoaded {
		if !loaded[api.FileMQTTCA] {
			return nil, fmt.Errorf("the broker is to be trusted by mqtt_ca.pem, but no CA file is given: give one, or pick the device's own trust store")
		}
		setup.CA = api.FileMQTTCA
	}
	changes, err := setup.Changes(p.cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: nothing is sent", p.Dev.DeviceID, err)
	}
	if len(changes) > 0 {
		steps = append(steps, MQTTStep{W: state.Write{Op: api.OpUpdateConfig, Device: p.Dev, Changes: changes}, label: "point the device at " + setup.Server})
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("nothing to send: the device is set up like this already")
	}
	return steps, nil
}

func (p *MQTTPane) View() string {
	st := p.sh.St
	out := []string{st.Title.Render("MQTT for "+p.Dev.DeviceID) + "  " + look.Clean(p.Dev.Name)}
	if len(p.Steps) == 0 { // the form, its problem first, where a short screen still shows it
		if p.status != "" || p.reading {
			out = append(out, p.statusLines()...)
		}
		out = append(out, "")
		out = append(out, p.Form.View(p.w, p.h-len(out))...)
		return strings.Join(out[:min(len(out), max(1, p.h))], "\n")
	}
	out = append(out, "")
	for i, s := range p.Steps {
		mark := st.Dim.Render(fmt.Sprintf("%d/%d", i+1, len(p.Steps)))
		line := " " + mark + " " + s.label
		switch {
		case s.Failed:
			line += " · " + st.ErrText.Render(s.result)
		case s.Done:
			line += " · " + st.Ok.Render(s.result)
		case p.Running:
			line += st.Dim.Render(" · waiting")
		}
		out = append(out, strings.Split(look.Wrap(line, p.w), "\n")...)
	}
	if p.status != "" {
		out = append(out, "")
		out = append(out, p.statusLines()...)
	}
	return strings.Join(out[:min(len(out), max(1, p.h))], "\n")
}

func (p *MQTTPane) statusLines() []string {
	st := p.sh.St
	if p.reading {
		return []string{st.Warn.Render("reading the device's config for the diff…")}
	}
	style := st.Dim
	if p.isErr {
		style = st.ErrText
	}
	return strings.Split(style.Render(look.Wrap(p.status, p.w)), "\n")
}
