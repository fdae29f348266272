package main

import (
	"context"
	"errors"

	"sqc/api"
	"sqc/keys"
	"sqc/ui"
)

func runConsole(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usagef("unknown command %q: run sqc help", args[0])
	}
	cfg := ui.Config{Profile: e.profile, Share: keys.DefaultShare, Log: e.log}
	if e.o.device != "" {
		id, err := api.NormaliseDeviceID(e.o.device)
		if err != nil {
			return usagef("--device: %v", err)
		}
		cfg.Device = id
	}
	if e.o.demo {
		url, key, err := e.startDemo()
		if err != nil {
			return err
		}
		cfg.Key, cfg.KeySource = key, "demo"
		cfg.Connect = func(key string, hook func(*api.Options)) (*api.Client, error) {
			o := api.Options{BaseURL: url, Key: key, Logger: e.log}
			hook(&o)
			return api.New(o)
		}
		return ui.Run(ctx, cfg)
	}
	p, err := e.profileSettings()
	if err != nil {
		return err
	}
	store, err := e.store()
	if err != nil {
		return err
	}
	// Check the URL before the screen opens: a bad one is a plain error.
	if url, err := e.apiURL(); err != nil {
		return err
	} else if _, err := api.ParseBaseURL(url); err != nil {
		return err
	}
	cfg.Share, cfg.Store, cfg.StateDir = p.Share, store, e.stateDir
	cfg.Connect = e.hookedClient
	found, err := store.Lookup()
	switch {
	case err == nil:
		cfg.Key, cfg.KeySource = found.Key, found.Source
	case errors.Is(err, keys.ErrNoKey):
		// no key yet: the console opens on its login screen
	default:
		return err
	}
	return ui.Run(ctx, cfg)
}
