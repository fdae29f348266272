package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"sqc/api"
	"sqc/keys"
	"sqc/ui/serve"
)

type serveOpts struct {
	listen, authKeys    string
	idle                time.Duration
	maxSessions, perKey int
}

func serveFlags(fs *pflag.FlagSet, o *serveOpts) {
	fs.StringVar(&o.listen, "listen", serve.DefaultListen, "address to listen on (host:port)")
	fs.StringVar(&o.authKeys, "authorized-keys", "", "the keys let in, OpenSSH format (default: authorized_keys in sqc's config folder)")
	fs.DurationVar(&o.idle, "idle-timeout", serve.DefaultIdleTimeout, "close a session with no key pressed for this long (0: never)")
	fs.IntVar(&o.maxSessions, "max-sessions", serve.DefaultMaxSessions, "most sessions open at once")
	fs.IntVar(&o.perKey, "max-per-key", serve.DefaultMaxPerKey, "most sessions one key may have open at once")
}

const serveLong = "Serve the console over SSH: each engineer who connects (ssh -t -p 2323 HOST) gets a full console of their own (focus, filter, panes) over one shared engine, so the team costs one set of reads, one quota and one audit log, and the API key never leaves this machine. It is found as the console finds it: SENQUIP_API_KEY, the keyring, or the key file (sqc auth login --profile P, run here).\n\n" +
	"Who may connect is an authorized_keys file in OpenSSH's format, a key a line. The key's comment is the name its writes are audited under; sqc-role=writer before the key lets it send writes, and a key without it is a viewer, whose console sends none:\n" +
	"  sqc-role=writer ssh-ed25519 AAAAC3Nz… alice@laptop\n" +
	"  ssh-ed25519 AAAAC3Nz… bob@desk\n" +
	"A line that cannot be used is named by its number and skipped; the others work. The file is read again when it changes, at the next sign-in: no restart is needed to add or remove a key. Passwords and keyboard-interactive sign-in are off; unknown keys are refused.\n\n" +
	"The host key is made once in sqc's state folder (ssh_host_ed25519_key, mode 0600; one others may read is refused), and its fingerprint printed at start so users can check it when ssh first asks. The address and the fingerprint go to stdout, then what happens to stderr (and to the debug log with --debug). SIGTERM or SIGINT closes every session and stops."

func runServe(ctx context.Context, e *env, o *serveOpts, _ []string) error {
	if o.maxSessions < 1 || o.perKey < 1 {
		return usagef("--max-sessions and --max-per-key take a number of sessions, 1 or more")
	}
	if o.idle < 0 {
		return usagef("--idle-timeout takes a duration such as 30m, or 0 for never")
	}
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return usagef("--listen takes host:port, such as 127.0.0.1:2323 (%v)", err)
	}
	log := e.log
	if e.logFile == nil {
		log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	path := o.authKeys
	if path == "" {
		path = filepath.Join(e.configDir, "authorized_keys")
	}
	access, err := serve.OpenAccess(path, log)
	if err != nil {
		return err
	}
	if a, err := access.Current(); err == nil {
		for _, p := range a.Problems {
			fmt.Fprintf(e.stderr, "sqc serve: %s: %s (skipped; the other keys work)\n", path, p)
		}
	}
	signer, err := serve.LoadHostKey(filepath.Join(e.stateDir, serve.HostKeyFile))
	if err != nil {
		return err
	}
	eng, err := e.serveEngine(ctx, log)
	if err != nil {
		return err
	}
	defer func() {
		wait, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := eng.Close(wait); err != nil {
			log.Warn("could not save state at exit", "err", err)
		}
	}()
	idle := o.idle
	if idle == 0 {
		idle = -1 // the server's never
	}
	srv, err := serve.New(serve.Options{Engine: eng.Engine, Profile: e.profile, StateDir: e.stateDir, Access: access, HostKey: signer,
		IdleTimeout: idle, MaxSessions: o.maxSessions, MaxPerKey: o.perKey, ASCII: e.o.ascii, Log: log})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another sqc serve running? choose another with --listen)", o.listen, err)
	}
	fmt.Fprintf(e.stdout, "sqc serve: profile %s on %s\nhost key %s\nconnect with: ssh -t -p %s HOST\n",
		e.profile, l.Addr(), serve.Fingerprint(signer.PublicKey()), portOf(l.Addr()))
	served := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				served <- fmt.Errorf("sqc serve failed: %v", r)
			}
		}()
		served <- srv.Serve(l)
	}()
	select {
	case err = <-served:
	case <-ctx.Done():
	}
	wait, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(err, srv.Shutdown(wait))
}

func portOf(a net.Addr) string {
	_, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return port
}

// serveEngine is the one engine of the served profile, on the key as the
// console finds it (or the demo's).
func (e *env) serveEngine(ctx context.Context, log *slog.Logger) (*serve.Engine, error) {
	cfg := serve.EngineConfig{Profile: e.profile, Share: keys.DefaultShare, Log: log, Context: ctx}
	if e.o.demo {
		url, key, err := e.startDemo()
		if err != nil {
			return nil, err
		}
		cfg.Key = key
		cfg.Connect = func(key string, hook func(*api.Options)) (*api.Client, error) {
			o := api.Options{BaseURL: url, Key: key, Logger: log}
			hook(&o)
			return api.New(o)
		}
	} else {
		p, err := e.profileSettings()
		if err != nil {
			return nil, err
		}
		store, err := e.store()
		if err != nil {
			return nil, err
		}
		found, err := store.Lookup()
		if err != nil && !errors.Is(err, keys.ErrNoKey) {
			return nil, err
		}
		if url, err := e.apiURL(); err != nil {
			return nil, err
		} else if _, err := api.ParseBaseURL(url); err != nil {
			return nil, err
		}
		cfg.Key, cfg.Share, cfg.KeepHistory, cfg.StateDir, cfg.Connect = found.Key, p.Share, p.KeepHistory, e.stateDir, e.hookedClient
	}
	eng, notes, err := serve.StartEngine(cfg)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		log.Warn("state", "note", n)
	}
	return eng, nil
}
