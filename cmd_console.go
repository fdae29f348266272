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
	cfg := ui.Config{Profile: e.profile}
	if !e.o.demo {
		store, err := e.store()
		if err != nil {
			return err
		}
		cfg.Login = &ui.Login{Store: store, Connect: func(key string) (*api.Client, error) { return e.clientFor(key) }}
	}
	conn, err := e.connect()
	switch {
	case err == nil:
		cfg.Client, cfg.KeySource = conn.client, conn.keySource
	case errors.Is(err, keys.ErrNoKey):
		// no key yet: the console opens on its login screen
	default:
		return err
	}
	return ui.Run(ctx, cfg)
}
