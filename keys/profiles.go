package keys

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Profile is one account's settings from the hand-edited profiles file:
//
//	[acme]
//	api_url = https://cloud-api.v2.senquip.com
//	read_only = true
//	share = 50%
//	keep_history = 30d
//	notify = true
type Profile struct {
	Name     string
	APIURL   string
	ReadOnly bool
	// Share is the fraction of the account's quota this console may spend
	// on refreshing (colleagues may use the same key).
	Share float64
	// KeepHistory is how long the messages read are kept in the state
	// database; 0 is the default (30 days).
	KeepHistory time.Duration
	// Notify rings the bell and sends a desktop notification when a
	// device enters alarm (as --notify).
	Notify bool
}

// DefaultShare leaves half the quota to others.
const DefaultShare = 0.5

// ProfilesPath is the profiles file in a config directory.
func ProfilesPath(configDir string) string { return filepath.Join(configDir, "profiles.ini") }

// LoadProfiles reads the profiles file; a missing file has no profiles.
func LoadProfiles(configDir string) (map[string]Profile, error) {
	path := ProfilesPath(configDir)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Profile{}, nil
	}
	if err != nil {
		return nil, err
	}
	return parseProfiles(b, path)
}

func parseProfiles(b []byte, path string) (map[string]Profile, error) {
	out := map[string]Profile{}
	var cur *Profile
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%s line %d: %s", path, n, fmt.Sprintf(format, a...))
		}
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
			continue
		case strings.HasPrefix(line, "["):
			name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "["), "]"))
			if !strings.HasSuffix(line, "]") {
				return nil, bad("a section is [name]")
			}
			if err := ValidateProfile(name); err != nil {
				return nil, bad("%v", err)
			}
			if _, dup := out[name]; dup {
				return nil, bad("profile %s appears twice", name)
			}
			out[name] = Profile{Name: name, Share: DefaultShare}
			p := out[name]
			cur = &p
			continue
		}
		if cur == nil {
			return nil, bad("settings must follow a [profile] line")
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, bad("expected key = value")
		}
		if c := strings.Index(v, " #"); c >= 0 { // a comment after the value
			v = v[:c]
		}
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
		switch k {
		case "api_url":
			cur.APIURL = v
		case "read_only":
			ro, err := strconv.ParseBool(v)
			if err != nil {
				return nil, bad("read_only is true or false, not %q", v)
			}
			cur.ReadOnly = ro
		case "notify":
			n, err := strconv.ParseBool(v)
			if err != nil {
				return nil, bad("notify is true or false, not %q", v)
			}
			cur.Notify = n
		case "share":
			sh, err := parseShare(v)
			if err != nil {
				return nil, bad("%v", err)
			}
			cur.Share = sh
		case "keep_history":
			d, err := parseKeep(v)
			if err != nil {
				return nil, bad("%v", err)
			}
			cur.KeepHistory = d
		default:
			return nil, bad("unknown setting %q (known: api_url, read_only, share, keep_history, notify)", k)
		}
		out[cur.Name] = *cur
	}
	return out, sc.Err()
}

// parseKeep reads how long history is kept: 30d, 2w, 36h; from an hour
// (less would keep less than a chart's shortest range) to ten years.
func parseKeep(v string) (time.Duration, error) {
	unit := map[string]time.Duration{"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}
	var d time.Duration
	if len(v) > 1 {
		if per, ok := unit[v[len(v)-1:]]; ok {
			if n, err := strconv.Atoi(v[:len(v)-1]); err == nil && n > 0 && n <= 10*366 {
				d = time.Duration(n) * per
			}
		}
	}
	if d < time.Hour || d > 10*366*24*time.Hour {
		return 0, fmt.Errorf("keep_history is a span such as 30d, 2w or 36h, from 1h to 10 years, not %q", v)
	}
	return d, nil
}

// parseShare accepts 0.5 or 50%: a finite part of the quota, more than
// none and at most all of it. NaN and Inf parse as floats, so the range
// is checked the way NaN cannot pass.
func parseShare(v string) (float64, error) {
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err == nil && pct {
		f /= 100
	}
	if err != nil || !(f > 0 && f <= 1) {
		return 0, fmt.Errorf("share is a part of the quota more than 0 and at most 100%%, such as 50%% or 0.5, not %q", v)
	}
	return f, nil
}

// ProfileNames lists every profile known from the profiles file, the
// credentials file and the default, sorted.
func ProfileNames(configDir string) ([]string, error) {
	seen := map[string]bool{DefaultProfile: true}
	profiles, err := LoadProfiles(configDir)
	if err != nil {
		return nil, err
	}
	for n := range profiles {
		seen[n] = true
	}
	s := &Store{ConfigDir: configDir}
	if fp, err := s.FileProfiles(); err == nil {
		for _, n := range fp {
			seen[n] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}
