package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
	"sqc/state"
)

// env is what every command is given: streams, directories, the profile,
// the debug log, and a way to get an API client.
type env struct {
	o              *sharedOpts // the shared flags; a command's own are its alone
	stdin          io.Reader
	in             *bufio.Reader // stdin, buffered once for every reader of lines
	stdout, stderr io.Writer
	log            *slog.Logger
	logFile        *os.File
	profile        string
	configDir      string
	stateDir       string
	stopDemo       func()
	ledgers        map[string]*state.Ledger // by key fingerprint (ledger.go)
}

func newEnv(o *sharedOpts, stdin io.Reader, stdout, stderr io.Writer) (*env, error) {
	e := &env{o: o, stdin: stdin, stdout: stdout, stderr: stderr, log: slog.New(slog.DiscardHandler)}
	e.profile = o.profile
	if e.profile == "" {
		e.profile = os.Getenv("SQC_PROFILE")
	}
	if e.profile == "" {
		e.profile = keys.DefaultProfile
	}
	if err := keys.ValidateProfile(e.profile); err != nil {
		return nil, usagef("--profile: %v", err) // a mistake in the command line: exit 2
	}
	var err error
	if e.configDir, err = xdgDir("XDG_CONFIG_HOME", ".config"); err != nil {
		return nil, err
	}
	if e.stateDir, err = xdgDir("XDG_STATE_HOME", ".local/state"); err != nil {
		return nil, err
	}
	if o.debug {
		if err := os.MkdirAll(e.stateDir, 0o700); err != nil {
			return nil, err
		}
		path := filepath.Join(e.stateDir, "debug.log")
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, fmt.Errorf("debug log: %v", err)
		}
		e.logFile = f
		e.log = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e.log.Info("sqc started", "profile", e.profile, "pid", os.Getpid())
	}
	return e, nil
}

// xdgDir is $VAR/sqc, or ~/FALLBACK/sqc when VAR is unset.
func xdgDir(env, fallback string) (string, error) {
	if d := os.Getenv(env); d != "" {
		return filepath.Join(d, "sqc"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no $%s and no home directory: set %s", env, env)
	}
	return filepath.Join(home, fallback, "sqc"), nil
}

func (e *env) close() {
	e.closeLedgers()
	if e.stopDemo != nil {
		e.stopDemo()
	}
	if e.logFile != nil {
		_ = e.logFile.Close()
	}
}

// input is stdin buffered: answers, IDs and a password are read from one
// buffer, so none of them swallows the next.
func (e *env) input() *bufio.Reader {
	if e.in == nil {
		e.in = bufio.NewReader(e.stdin)
	}
	return e.in
}

func (e *env) routesPath() string {
	return filepath.Join(e.configDir, "routes", e.profile+".json")
}

// connection is a client and what the console shows about it.
type connection struct {
	client    *api.Client
	keySource string
}

// store is the key store of the profile.
func (e *env) store() (*keys.Store, error) { return keys.NewStore(e.profile, e.configDir) }

// profileSettings reads the profile's settings; a profile without a
// section in the profiles file has the defaults.
func (e *env) profileSettings() (keys.Profile, error) {
	profiles, err := keys.LoadProfiles(e.configDir)
	if err != nil {
		return keys.Profile{}, err
	}
	if p, ok := profiles[e.profile]; ok {
		return p, nil
	}
	return keys.Profile{Name: e.profile, Share: keys.DefaultShare}, nil
}

// apiURL applies the override order: --api-url > SENQUIP_API_URL > the
// profile's > an imported collection's > the default.
func (e *env) apiURL() (string, error) {
	url, _, err := e.apiURLFrom()
	return url, err
}

// apiURLFrom is apiURL and where it came from, as auth status says it.
func (e *env) apiURLFrom() (url, from string, err error) {
	_, imported, err := api.LoadRoutes(e.routesPath())
	if err != nil {
		return "", "", err
	}
	if imported != "" && !sameHost(imported, api.DefaultBaseURL) {
		// a route file written before imports were held to the API's
		// host: its baseUrl may move paths, never the key's host
		e.log.Warn("the imported collection's baseUrl names another host: not used", "url", imported)
		imported = ""
	}
	p, err := e.profileSettings()
	if err != nil {
		return "", "", err
	}
	for _, c := range []struct{ url, from string }{
		{e.o.apiURL, "--api-url"},
		{os.Getenv("SENQUIP_API_URL"), "SENQUIP_API_URL"},
		{p.APIURL, "profile " + e.profile + " in " + keys.ProfilesPath(e.configDir)},
		{imported, "the imported collection's baseUrl"},
	} {
		if c.url != "" {
			return c.url, c.from, nil
		}
	}
	return api.DefaultBaseURL, "the default", nil
}

// clientFor builds a client of the configured API for a key, counted in
// the key's quota ledger.
func (e *env) clientFor(key string) (*api.Client, error) {
	return e.hookedClient(key, func(o *api.Options) { e.counted(key, o) })
}

// hookedClient is clientFor with the console's hooks set on its options.
func (e *env) hookedClient(key string, hook func(*api.Options)) (*api.Client, error) {
	routes, _, err := api.LoadRoutes(e.routesPath())
	if err != nil {
		return nil, err
	}
	url, err := e.apiURL()
	if err != nil {
		return nil, err
	}
	o := api.Options{BaseURL: url, Key: key, Routes: routes, Logger: e.log}
	if hook != nil {
		hook(&o)
	}
	return api.New(o)
}

// startDemo serves a simulated cloud on loopback; it returns its URL and key.
func (e *env) startDemo() (string, string, error) {
	s := sim.New(sim.Options{Devices: 60, Seed: uint64(time.Now().Unix() / 86400)})
	errLog := io.Discard // the console owns the terminal
	if e.logFile != nil {
		errLog = e.logFile
	}
	url, stop, err := sim.Listen(s, "127.0.0.1:0", errLog)
	if err != nil {
		return "", "", fmt.Errorf("starting the simulated cloud: %v", err)
	}
	e.stopDemo = stop
	return url, s.Key(), nil
}

// connect builds the API client: against an in-process simulator with
// --demo, else against the configured URL with the profile's key.
func (e *env) connect() (*connection, error) { return e.connectWith(nil) }

// connectWith is connect with hook given the key (never to keep) and the
// client's options to set. Every request of the client is counted in the
// key's quota ledger.
func (e *env) connectWith(hook func(key string, o *api.Options)) (*connection, error) {
	hookFor := func(key string) func(*api.Options) {
		return func(o *api.Options) {
			e.counted(key, o)
			if hook != nil {
				hook(key, o)
			}
		}
	}
	if e.o.demo {
		url, key, err := e.startDemo()
		if err != nil {
			return nil, err
		}
		o := api.Options{BaseURL: url, Key: key, Logger: e.log}
		hookFor(key)(&o)
		c, err := api.New(o)
		if err != nil {
			return nil, err
		}
		return &connection{client: c, keySource: "demo"}, nil
	}
	store, err := e.store()
	if err != nil {
		return nil, err
	}
	found, err := store.Lookup()
	if err != nil {
		return nil, err
	}
	c, err := e.hookedClient(found.Key, hookFor(found.Key))
	if err != nil {
		return nil, err
	}
	e.log.Info("client ready", "url", c.BaseURL(), "key_source", found.Source, "key", keys.Fingerprint(found.Key))
	return &connection{client: c, keySource: found.Source}, nil
}

// readOnly reports whether every write is refused: --read-only, or the
// profile's read_only = true. A profiles file that cannot be read counts
// as read-only: better to refuse a write than to send one the user barred.
func (e *env) readOnly() bool {
	if e.o.readOnly {
		return true
	}
	p, err := e.profileSettings()
	return err != nil || p.ReadOnly
}

// asciiSymbols reports whether to draw with ASCII only (| * > ^ - instead
// of │ ● ▶ ▲ ·): --ascii, or a locale that is not UTF-8.
func (e *env) asciiSymbols() bool { return e.o.ascii || !utf8Locale(os.Getenv) }

// ellipsis marks a cut cell: … or, in ASCII, "...".
func (e *env) ellipsis() string {
	if e.asciiSymbols() {
		return "..."
	}
	return "…"
}

// utf8Locale reads the locale as POSIX does: the first of LC_ALL,
// LC_CTYPE and LANG that is set decides; none set is the C locale, ASCII.
func utf8Locale(getenv func(string) string) bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := strings.ToLower(getenv(k)); v != "" {
			return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
		}
	}
	return false
}

// withTimeout bounds a one-shot command's call.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 2*time.Minute)
}

// sameHost reports whether two API URLs name one scheme and host.
func sameHost(a, b string) bool {
	ua, err1 := api.ParseBaseURL(a)
	ub, err2 := api.ParseBaseURL(b)
	return err1 == nil && err2 == nil && strings.EqualFold(ua.Scheme+"://"+ua.Host, ub.Scheme+"://"+ub.Host)
}
