package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"sqc/api"
)

func runRoutes(_ context.Context, e *env, args []string) error {
	switch {
	case len(args) == 0:
		return showRoutes(e)
	case args[0] == "import" && len(args) == 2:
		return importRoutes(e, args[1])
	default:
		return usagef("usage: sqc routes | sqc routes import FILE")
	}
}

func showRoutes(e *env) error {
	routes, baseURL, err := api.LoadRoutes(e.routesPath())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tMETHOD\tPATH\tSOURCE")
	for _, r := range routes.All() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Op, r.Method, r.Path, r.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if baseURL != "" {
		fmt.Fprintf(e.stdout, "\nbase URL from the imported collection: %s\n", baseURL)
	}
	fmt.Fprintf(e.stdout, "\nprofile %s: %s\n", e.profile, e.routesPath())
	return nil
}

func importRoutes(e *env, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	current, _, err := api.LoadRoutes(e.routesPath())
	if err != nil {
		return err
	}
	res, err := api.ImportPostman(data, current, filepath.Base(file))
	if err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	if err := api.SaveRoutes(e.routesPath(), res.Routes, res.BaseURL); err != nil {
		return err
	}
	for _, r := range res.Matched {
		fmt.Fprintf(e.stdout, "replaced  %-24s %s %s\n", r.Op, r.Method, r.Path)
	}
	for _, op := range res.Unmatched {
		fmt.Fprintf(e.stdout, "unmatched %-24s kept the built-in row\n", op)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(e.stdout, "skipped   %s\n", s)
	}
	if res.BaseURL != "" {
		fmt.Fprintf(e.stdout, "base URL  %s\n", res.BaseURL)
	}
	fmt.Fprintf(e.stdout, "saved to %s\n", e.routesPath())
	return nil
}
