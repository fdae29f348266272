package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/charmbracelet/x/term"

	"sqc/api"
	"sqc/keys"
)

// readKey reads the key from a no-echo prompt on a terminal, or from
// stdin when it is a pipe. Never from argv.
func readKey(e *env) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
		fmt.Fprintf(e.stderr, "Senquip API key for profile %s (input hidden): ", e.profile)
		b, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the key: %v", err)
		}
		return keys.CleanKey(string(b))
	}
	b, err := io.ReadAll(io.LimitReader(bufio.NewReader(e.stdin), 4096))
	if err != nil {
		return "", fmt.Errorf("reading the key from stdin: %v", err)
	}
	return keys.CleanKey(string(b))
}

// verifyKey asks the server whether it takes the key.
func verifyKey(ctx context.Context, e *env, key string) error {
	c, err := e.clientFor(key)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return c.VerifyKey(ctx)
}

func authLogin(ctx context.Context, e *env, o *authLoginOpts, _ []string) error {
	store, err := e.store()
	if err != nil {
		return err
	}
	// --api-url is kept in the profile, so that what checked the key is
	// what the profile's commands use afterwards; a URL that could never
	// be used is refused before the key is typed.
	keepURL := ""
	if e.o.apiURL != "" {
		u, err := api.ParseBaseURL(e.o.apiURL)
		if err != nil {
			return usagef("--api-url: %v", err)
		}
		keepURL = u.String()
	}
	// Say there is no keyring before the key is typed, not after.
	if !o.insecureStorage {
		if err := store.CheckKeyring(); err != nil {
			return err
		}
	}
	key, err := readKey(e)
	if err != nil {
		return err
	}
	if !o.noVerify {
		if err := verifyKey(ctx, e, key); err != nil {
			return fmt.Errorf("%v; nothing was stored (--no-verify stores a key unchecked)", err)
		}
	}
	if o.insecureStorage {
		if err := store.SaveFile(key); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Stored the key for profile %s in %s (plain text, mode 0600). Move it to the OS keyring with sqc auth login when one is available.\n", e.profile, store.CredentialsPath())
	} else {
		if err := store.SaveKeyring(key); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Stored the key for profile %s in the OS keyring (%s).\n", e.profile, keys.Fingerprint(key))
	}
	return rememberProfile(e, keepURL)
}

// rememberProfile records the profile in the profiles file, with the API
// URL its key was checked against when one was given: a keyring cannot
// list what it holds, and sqc profiles lists what that file names.
func rememberProfile(e *env, apiURL string) error {
	if e.profile == keys.DefaultProfile && apiURL == "" {
		return nil // always listed; nothing to keep
	}
	path := keys.ProfilesPath(e.configDir)
	if err := keys.RememberProfile(e.configDir, e.profile, apiURL); err != nil {
		return fmt.Errorf("the key is stored, but profile %s could not be recorded in %s: %v", e.profile, path, err)
	}
	if apiURL != "" {
		fmt.Fprintf(e.stdout, "Profile %s uses %s from now on (api_url in %s).\n", e.profile, apiURL, path)
	}
	return nil
}

func authLogout(_ context.Context, e *env, _ []string) error {
	store, err := e.store()
	if err != nil {
		return err
	}
	removed, err := store.Delete()
	for _, r := range removed {
		fmt.Fprintf(e.stdout, "Removed the key for profile %s from the %s.\n", e.profile, r)
	}
	if len(removed) == 0 && err == nil {
		fmt.Fprintf(e.stdout, "No stored key for profile %s.\n", e.profile)
	}
	if os.Getenv(keys.EnvKey) != "" {
		fmt.Fprintf(e.stdout, "%s is still set in this shell: unset it too.\n", keys.EnvKey)
	}
	return err
}

func authStatus(ctx context.Context, e *env, o *authStatusOpts, _ []string) error {
	store, err := e.store()
	if err != nil {
		return err
	}
	url, from, err := e.apiURLFrom()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "profile   %s\napi url   %s (from %s)\n", e.profile, url, from)
	found, err := store.Lookup()
	if err != nil {
		fmt.Fprintf(e.stdout, "key       none\n")
		return err
	}
	fmt.Fprintf(e.stdout, "key       %s, %s\n", found.Source, keys.Fingerprint(found.Key))
	if o.noVerify {
		fmt.Fprintln(e.stdout, "server    not asked (--no-verify)")
		return nil
	}
	fmt.Fprintf(e.stdout, "checking  the key at %s\n", url)
	if err := verifyKey(ctx, e, found.Key); err != nil {
		if st := api.StatusOf(err); st != 0 {
			fmt.Fprintf(e.stdout, "server    %s answered %d\n", url, st)
			return err
		}
		fmt.Fprintf(e.stdout, "server    no answer from %s\n", url)
		return fmt.Errorf("%s could not be reached (its URL is from %s; --api-url or sqc auth login --api-url URL changes it): %w", url, from, err)
	}
	fmt.Fprintln(e.stdout, "server    accepts the key")
	return nil
}

func runProfiles(_ context.Context, e *env, _ []string) error {
	names, err := keys.ProfileNames(e.configDir)
	if err != nil {
		return err
	}
	if !slices.Contains(names, e.profile) {
		names = append(names, e.profile)
	}
	profiles, _ := keys.LoadProfiles(e.configDir)
	fmt.Fprintf(e.stdout, "%-16s %-24s %-10s %-6s %s\n", "PROFILE", "KEY", "READ-ONLY", "SHARE", "API URL")
	for _, n := range names {
		p, ok := profiles[n]
		if !ok {
			p = keys.Profile{Name: n, Share: keys.DefaultShare}
		}
		store := &keys.Store{Profile: n, ConfigDir: e.configDir}
		holders, herr := store.Holders()
		where := strings.Join(holders, ", ")
		if where == "" {
			where = "none"
		}
		if herr != nil && keys.IsUnavailable(herr) && len(holders) == 0 {
			where = "unknown (no keyring)"
		}
		url := p.APIURL
		if url == "" {
			url = "(default)"
		}
		mark := " "
		if n == e.profile {
			mark = "*"
		}
		fmt.Fprintf(e.stdout, "%s%-15s %-24s %-10t %-6s %s\n", mark, n, where, p.ReadOnly, fmt.Sprintf("%.0f%%", p.Share*100), url)
	}
	if os.Getenv(keys.EnvKey) != "" {
		fmt.Fprintf(e.stdout, "\n%s is set: it overrides every profile's stored key in this shell.\n", keys.EnvKey)
	}
	fmt.Fprintf(e.stdout, "\nprofiles file: %s\n", keys.ProfilesPath(e.configDir))
	return nil
}
