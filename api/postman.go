package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Import of Senquip's published Postman collection (v2.0 or v2.1), which
// replaces our assumed paths with the real ones.

type pmCollection struct {
	Info *struct {
		Name   string `json:"name"`
		Schema string `json:"schema"`
	} `json:"info"`
	Item     []pmItem `json:"item"`
	Variable []struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	} `json:"variable"`
}

type pmItem struct {
	Name    string     `json:"name"`
	Item    []pmItem   `json:"item"`
	Request *pmRequest `json:"request"`
}

type pmRequest struct {
	Method string          `json:"method"`
	URL    json.RawMessage `json:"url"`
}

type pmURL struct {
	Raw  string   `json:"raw"`
	Path []string `json:"path"`
}

// ImportResult says what an import changed.
type ImportResult struct {
	Routes    *Routes
	Matched   []Route
	Unmatched []Op     // operations the collection lacks: built-in row kept
	Skipped   []string // items that could not be used, with the reason
	// Refused are the operations the collection names with another method
	// than theirs: each keeps the row it had, and says what was found.
	Refused []*MethodError
	BaseURL string // the collection's baseUrl variable, when it is a URL
	// BaseURLRefused says why a baseUrl the collection has was not taken
	// (plain http to another host, no host, another scheme).
	BaseURLRefused string
}

// ImportPostman reads a collection and returns a new table: the matched
// rows replaced, every other row as it was in base. base is not changed.
func ImportPostman(data []byte, base *Routes, source string) (*ImportResult, error) {
	var col pmCollection
	if err := json.Unmarshal(data, &col); err != nil {
		return nil, fmt.Errorf("not a Postman collection: %v", err)
	}
	if col.Info == nil || !strings.Contains(col.Info.Schema, "schema.getpostman.com/json/collection/v2.") {
		return nil, errors.New("not a Postman collection v2.0 or v2.1 (info.schema is missing or different): export it from Postman as Collection v2.1")
	}
	res := &ImportResult{Routes: base.Clone()}
	found := map[Op]bool{}
	refused := map[Op]bool{}
	var walk func(items []pmItem)
	walk = func(items []pmItem) {
		for _, it := range items {
			if len(it.Item) > 0 {
				walk(it.Item)
			}
			if it.Request == nil {
				continue
			}
			op, ok := matchOpName(it.Name)
			if !ok {
				continue
			}
			path, err := pmPath(it.Request.URL)
			if err == nil {
				row := Route{Op: op, Method: strings.ToUpper(strings.TrimSpace(it.Request.Method)), Path: path, Source: importedPrefix + source}
				if row.Method == "" {
					row.Method = "GET"
				}
				var me *MethodError
				if err = res.Routes.Set(row); errors.As(err, &me) {
					if !refused[op] {
						res.Refused = append(res.Refused, me)
					}
					refused[op] = true
					continue
				}
				if err == nil {
					if !found[op] {
						res.Matched = append(res.Matched, row)
					}
					found[op] = true
					continue
				}
			}
			res.Skipped = append(res.Skipped, fmt.Sprintf("%q: %v", it.Name, err))
		}
	}
	walk(col.Item)
	// An operation named with a wrong method anywhere is refused whole: a
	// collection that says two things of one operation cannot be trusted
	// for its path either.
	for op := range refused {
		delete(found, op)
		_ = res.Routes.Set(base.Get(op))
	}
	res.Matched = slices.DeleteFunc(res.Matched, func(r Route) bool { return refused[r.Op] })
	if len(found) == 0 && len(refused) > 0 {
		return res, nil
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("the collection has no request named like an operation (%s, ...): route table unchanged", OpListDevices)
	}
	for _, op := range Ops {
		if !found[op] && !refused[op] {
			res.Unmatched = append(res.Unmatched, op)
		}
	}
	for _, v := range col.Variable {
		if s, ok := v.Value.(string); ok && strings.EqualFold(v.Key, "baseUrl") {
			if _, err := ParseBaseURL(s); err == nil {
				res.BaseURL = s
			} else {
				res.BaseURLRefused = CleanText(err.Error())
			}
		}
	}
	return res, nil
}

// matchOpName matches an item name to an operation, ignoring case,
// punctuation and any folder prefix ("General / Get Device").
func matchOpName(name string) (Op, bool) {
	n := normName(name)
	best, bestLen := Op(""), 0
	for _, op := range Ops {
		o := normName(string(op))
		if (n == o || strings.HasSuffix(n, " "+o)) && len(o) > bestLen {
			best, bestLen = op, len(o)
		}
	}
	return best, bestLen > 0
}

func normName(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	})
	return strings.Join(f, " ")
}

// pmPath turns a Postman URL into a path template of ours.
func pmPath(raw json.RawMessage) (string, error) {
	var u pmURL
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		u.Raw = s
	} else if err := json.Unmarshal(raw, &u); err != nil {
		return "", fmt.Errorf("url is neither a string nor an object")
	}
	segs := u.Path
	if len(segs) == 0 {
		r := u.Raw
		if i := strings.IndexAny(r, "?#"); i >= 0 {
			r = r[:i]
		}
		if i := strings.Index(r, "://"); i >= 0 {
			r = r[i+3:]
		}
		// Drop the host part: "{{baseUrl}}", "host.example", "host:443".
		if i := strings.Index(r, "/"); i >= 0 {
			r = r[i:]
		} else {
			r = ""
		}
		segs = strings.Split(strings.Trim(r, "/"), "/")
	}
	var out []string
	for _, seg := range segs {
		seg = strings.TrimSpace(seg)
		if seg == "" {
			continue
		}
		low := strings.ToLower(seg)
		switch {
		case low == ":deviceid" || low == "{{deviceid}}" || low == ":device_id" || low == "{{device_id}}":
			out = append(out, DeviceParam)
		case strings.HasPrefix(seg, ":") || strings.Contains(seg, "{{"):
			return "", fmt.Errorf("path variable %s is not one we know", seg)
		default:
			out = append(out, seg)
		}
	}
	if len(out) == 0 {
		return "", fmt.Errorf("url has no path")
	}
	return "/" + strings.Join(out, "/"), nil
}

// importedPrefix starts the Source of a row that came from a collection.
const importedPrefix = "imported from "

// RouteFile is how an imported table is kept with a profile.
type RouteFile struct {
	BaseURL string  `json:"baseUrl,omitempty"`
	Routes  []Route `json:"routes"`
}

// LoadRoutes reads a stored table over the defaults. A missing file is
// not an error: the built-in table is used.
func LoadRoutes(path string) (*Routes, string, error) {
	r := DefaultRoutes()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var f RouteFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, "", fmt.Errorf("%s: %v (delete it to return to the built-in routes)", path, err)
	}
	for _, row := range f.Routes {
		if err := r.Set(row); err != nil {
			return nil, "", fmt.Errorf("%s: %w (sqc routes reset goes back to the built-in routes)", path, err)
		}
	}
	return r, f.BaseURL, nil
}

// SaveRoutes writes the imported rows (only those not built-in).
func SaveRoutes(path string, r *Routes, baseURL string) error {
	f := RouteFile{BaseURL: baseURL}
	for _, row := range r.All() {
		if row.Source != SourceBuiltin {
			f.Routes = append(f.Routes, row)
		}
	}
	sort.Slice(f.Routes, func(i, j int) bool { return f.Routes[i].Op < f.Routes[j].Op })
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
