package keys

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// RememberProfile makes sure the profiles file has a section for the
// profile, so that sqc profiles lists it whichever store holds its key (a
// keyring cannot be asked which accounts it holds), and, when apiURL is
// given, that the section's api_url is apiURL. The file is edited by
// hand too: every other line, comment and setting is kept as it was. A
// file that does not parse is left alone and its error returned.
func RememberProfile(configDir, name, apiURL string) error {
	if err := ValidateProfile(name); err != nil {
		return err
	}
	if strings.ContainsAny(apiURL, "\r\n") || strings.Contains(apiURL, " #") {
		return errors.New("an API URL is one line without \" #\"")
	}
	path := ProfilesPath(configDir)
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	profiles, err := parseProfiles(b, path)
	if err != nil {
		return err
	}
	if p, ok := profiles[name]; ok && (apiURL == "" || p.APIURL == apiURL) {
		return nil
	}
	text := strings.TrimSuffix(string(b), "\n")
	var lines []string
	if text != "" {
		lines = strings.Split(text, "\n")
	}
	lines = setProfileURL(lines, name, apiURL)
	return writePrivate(configDir, path, strings.Join(lines, "\n")+"\n")
}

// setProfileURL adds the profile's section when there is none, and sets
// its api_url when apiURL is given: the line that had one is replaced,
// else one goes under the section's heading.
func setProfileURL(lines []string, name, apiURL string) []string {
	setting := "api_url = " + apiURL
	head := -1
	for i, l := range lines {
		if sectionName(l) == name {
			head = i
			break
		}
	}
	if head < 0 {
		if len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) != "" {
			lines = append(lines, "")
		}
		lines = append(lines, "["+name+"]")
		if apiURL != "" {
			lines = append(lines, setting)
		}
		return lines
	}
	for i := head + 1; i < len(lines) && sectionName(lines[i]) == ""; i++ {
		if k, _, ok := strings.Cut(lines[i], "="); ok && strings.TrimSpace(k) == "api_url" {
			lines[i] = setting
			return lines
		}
	}
	return append(lines[:head+1], append([]string{setting}, lines[head+1:]...)...)
}

// sectionName is the profile a [name] line opens, or "".
func sectionName(line string) string {
	l := strings.TrimSpace(line)
	if !strings.HasPrefix(l, "[") || !strings.HasSuffix(l, "]") {
		return ""
	}
	return strings.TrimSpace(l[1 : len(l)-1])
}

// writePrivate replaces a file at once (a crash leaves the old or the
// new one, never half), readable by its owner only. The new file reaches
// the disk before the rename: without it a power cut soon after can leave
// the new name on an empty file, and the key it held is gone.
func writePrivate(dir, path, content string) error {
	return writePrivateAs(dir, path, ".profiles-*", content)
}

// syncFile is how a file reaches the disk; a test replaces it to see what
// a failing disk does.
var syncFile = (*os.File).Sync

func writePrivateAs(dir, path, pattern, content string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := syncFile(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s to the disk: %w (the previous file is kept)", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes the rename itself durable. Not every system can sync a
// folder (Windows cannot); the file's own sync is what matters most.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
