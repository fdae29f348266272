package main

import (
	"context"

	"sqc/ui"
)

func runConsole(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usagef("unknown command %q: run sqc help", args[0])
	}
	conn, err := e.connect()
	if err != nil {
		return err
	}
	return ui.Run(ctx, ui.Config{Client: conn.client, Profile: e.profile, KeySource: conn.keySource})
}
