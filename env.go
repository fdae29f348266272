package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
)

const defaultURLText = api.DefaultBaseURL

// env is what every command is given: streams, directories, the profile,
// the debug log, and a way to get an API client.
type env struct {
	o              *cmdOpts
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	logFile        *os.File
	profile        string
	configDir      string
	stateDir       string
	stopDemo       func()
}

func newEnv(o *cmdOpts, stdin io.Reader, stdout, stderr io.Writer) (*env, error) {
	e := &env{o: o, stdin: stdin, stdout: stdout, stderr: stderr, log: slog.New(slog.DiscardHandler)}
	e.profile = o.profile
	if e.profile == "" {
		e.profile = os.Getenv("SQC_PROFILE")
	}
	if e.profile == "" {
		e.profile = keys.DefaultProfile
	}
	if err := keys.ValidateProfile(e.profile); err != nil {
		return nil, err
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
	if e.stopDemo != nil {
		e.stopDemo()
	}
	if e.logFile != nil {
		_ = e.logFile.Close()
	}
}

func (e *env) routesPath() string {
	return filepath.Join(e.configDir, "routes", e.profile+".json")
}

// connection is a client and what the console shows about it.
type connection struct {
	client    *api.Client
	keySource string
}

// connect builds the API client: against an in-process simulator with
// --demo, else against the configured URL with the key from keys/.
func (e *env) connect() (*connection, error) {
	routes, importedURL, err := api.LoadRoutes(e.routesPath())
	if err != nil {
		return nil, err
	}
	opts := api.Options{Routes: routes, Logger: e.log}
	source := ""
	if e.o.demo {
		s := sim.New(sim.Options{Devices: 60, Seed: uint64(time.Now().Unix() / 86400)})
		url, stop, err := sim.Listen(s, "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("starting the simulated cloud: %v", err)
		}
		e.stopDemo = stop
		opts.BaseURL, opts.Key, source = url, s.Key(), "demo"
		opts.Routes = api.DefaultRoutes()
	} else {
		opts.BaseURL = firstNonEmpty(e.o.apiURL, os.Getenv("SENQUIP_API_URL"), importedURL, api.DefaultBaseURL)
		k, err := keys.Lookup(e.profile)
		if err != nil {
			return nil, err
		}
		opts.Key, source = k.Key, k.Source
	}
	c, err := api.New(opts)
	if err != nil {
		return nil, err
	}
	e.log.Info("client ready", "url", c.BaseURL(), "key_source", source)
	return &connection{client: c, keySource: source}, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// withTimeout bounds a one-shot command's call.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 2*time.Minute)
}
