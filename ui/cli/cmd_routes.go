package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"sqc/api"
)

func runRoutes(_ context.Context, e *env, _ []string) error { return showRoutes(e) }

func showRoutes(e *env) error {
	routes, baseURL, err := api.LoadRoutes(e.routesPath())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tMETHOD\tPATH\tSOURCE")
	for _, r := range routes.All() {
		// An imported collection is a file from elsewhere: its paths are cut and cleaned like server strings.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Op, r.Method, cell(r.Path, 80, e.ellipsis()), cell(r.Source, 60, e.ellipsis()))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if baseURL != "" {
		fmt.Fprintf(e.stdout, "\nbase URL from the imported collection: %s\n", baseURL)
	}
	fmt.Fprintf(e.stdout, "\nprofile %s: %s\n", e.profile, e.routesPath())
	for _, r := range routes.All() {
		if r.Source != api.SourceBuiltin {
			fmt.Fprintln(e.stdout, "sqc routes reset goes back to the built-in routes")
			break
		}
	}
	return nil
}

func importRoutes(_ context.Context, e *env, args []string) error {
	file := args[0]
	data, err := api.ReadUserFile(file, api.MaxCollectionSize)
	if err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	current, keptBase, err := api.LoadRoutes(e.routesPath())
	if err != nil {
		return err
	}
	res, err := api.ImportPostman(data, current, filepath.Base(file))
	if err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	base, baseNote, err := collectionBase(e, res)
	if err != nil {
		return err
	}
	if base == "" {
		base = keptBase
	}
	if len(res.Matched) > 0 {
		if err := api.SaveRoutes(e.routesPath(), res.Routes, base); err != nil {
			return err
		}
	}
	for _, r := range res.Matched {
		fmt.Fprintf(e.stdout, "replaced  %-24s %s %s\n", r.Op, r.Method, cell(r.Path, 80, e.ellipsis()))
	}
	for _, op := range res.Unmatched {
		fmt.Fprintf(e.stdout, "unmatched %-24s kept the built-in row\n", op)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(e.stdout, "skipped   %s\n", cell(s, 120, e.ellipsis()))
	}
	if baseNote != "" {
		fmt.Fprintf(e.stdout, "base URL  %s\n", baseNote)
	}
	if len(res.Matched) > 0 {
		fmt.Fprintf(e.stdout, "saved to %s (sqc routes reset goes back to the built-in routes)\n", e.routesPath())
	}
	return refusedRoutes(e, res.Refused)
}

// refusedRoutes reports the operations a collection named with another
// method than theirs. Each kept the row it had; the import still fails,
// so that a script does not take the table for the collection's.
func refusedRoutes(e *env, refused []*api.MethodError) error {
	if len(refused) == 0 {
		return nil
	}
	var ops []string
	for _, me := range refused {
		fmt.Fprintf(e.stderr, "refused   %s\n", api.CleanText(me.Error()))
		ops = append(ops, string(me.Op))
	}
	return fmt.Errorf("refused %s of the collection (%s): they keep their current rows; the rest, if any, was saved",
		api.Plural(len(refused), "operation"), strings.Join(ops, ", "))
}

// resetRoutes forgets an imported collection: the built-in table again.
func resetRoutes(_ context.Context, e *env, _ []string) error {
	path := e.routesPath()
	err := os.Remove(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(e.stdout, "profile %s already uses the built-in routes\n", e.profile)
		return nil
	case err != nil:
		return err
	}
	fmt.Fprintf(e.stdout, "removed %s: profile %s uses the built-in routes again\n", path, e.profile)
	return nil
}

// collectionBase is the collection's baseUrl when sqc takes it, and what
// to say of it. A collection is data from outside: it may move the API's
// paths on the host the key already goes to, never send the key to
// another host. Another host is named by the user, with --api-url at
// login, SENQUIP_API_URL or the profile's api_url.
func collectionBase(e *env, res *api.ImportResult) (base, note string, err error) {
	if res.BaseURL == "" {
		if res.BaseURLRefused != "" {
			return "", "not used: " + res.BaseURLRefused, nil
		}
		return "", "", nil
	}
	cur, _, err := e.apiURLFrom()
	if err != nil {
		return "", "", err
	}
	shown := cell(res.BaseURL, 80, e.ellipsis())
	if !sameHost(res.BaseURL, cur) || !sameHost(res.BaseURL, api.DefaultBaseURL) {
		return "", fmt.Sprintf("%s not used: the key goes only to %s, and a collection cannot move it to another host; "+
			"to use that server, name it yourself (sqc auth login --api-url URL, or SENQUIP_API_URL)", shown, cell(cur, 80, e.ellipsis())), nil
	}
	return res.BaseURL, shown, nil
}
