package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
	"sqc/state/store"
)

type auditOpts struct {
	device string
	since  time.Duration
	json   bool
}

// runAudit prints the audit log kept in the profile's database: every
// write and its outcome, for a ticket. It sends no request.
func runAudit(ctx context.Context, e *env, o *auditOpts, _ []string) error {
	if o.since < 0 {
		return usagef("--since: %v is negative: give how far back to look, such as 24h", o.since)
	}
	db, _, err := e.openStore()
	if err != nil {
		return err
	}
	defer db.Close()
	q := store.AuditQuery{Device: strings.ToUpper(strings.TrimSpace(o.device))}
	if o.since > 0 {
		q.Since = time.Now().Add(-o.since)
	}
	entries, err := db.AuditLog(ctx, q)
	if err != nil {
		return err
	}
	if o.json {
		type line struct {
			At      time.Time `json:"at"`
			Profile string    `json:"profile"`
			Device  string    `json:"deviceid"`
			Op      string    `json:"op"`
			Status  int       `json:"status,omitempty"`
			Outcome string    `json:"outcome"`
			Message string    `json:"message,omitempty"`
			Detail  []string  `json:"detail,omitempty"`
			Who     string    `json:"who"` // "" before names were kept
		}
		out := struct {
			Entries []line `json:"entries"`
		}{Entries: []line{}}
		for _, a := range entries {
			out.Entries = append(out.Entries, line{a.At, a.Profile, a.Device, a.Op, a.Status, a.Outcome, a.Message, detailLines(a.Detail), api.Clean(a.Who)})
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(api.SafeJSON(append(b, '\n')))
		return err
	}
	var b strings.Builder
	for _, a := range entries {
		// who last: the fields before it kept their places for the
		// scripts that read the lines
		fmt.Fprintf(&b, "%s profile=%s device=%s op=%s status=%d outcome=%s message=%s who=%s\n", a.At.UTC().Format(time.RFC3339),
			api.Clean(a.Profile), api.Clean(a.Device), strconv.Quote(a.Op), a.Status, strconv.Quote(a.Outcome), strconv.Quote(api.Clean(a.Message)),
			strconv.Quote(api.Clean(a.Who)))
		for _, l := range detailLines(a.Detail) {
			b.WriteString("    " + api.Clean(l) + "\n")
		}
	}
	if len(entries) == 0 {
		fmt.Fprintln(e.stderr, "no writes recorded"+auditScope(q))
	}
	_, err = e.stdout.Write([]byte(b.String()))
	return err
}

func auditScope(q store.AuditQuery) string {
	s := ""
	if q.Device != "" {
		s += " for " + q.Device
	}
	if !q.Since.IsZero() {
		s += " since " + q.Since.UTC().Format(time.RFC3339)
	}
	return s
}

func detailLines(d string) []string {
	d = strings.TrimRight(d, "\n")
	if d == "" {
		return nil
	}
	return strings.Split(d, "\n")
}

// openStore opens the database of the profile's key, which the console
// and the commands keep, importing the ledger and audit log an earlier
// sqc kept in files; a key never used on this machine has none, and
// nothing is created for it. It returns the key's fingerprint too.
func (e *env) openStore() (*state.DB, string, error) {
	ks, err := e.store()
	if err != nil {
		return nil, "", err
	}
	found, err := ks.Lookup()
	if err != nil {
		return nil, "", err
	}
	fp := keys.Fingerprint(found.Key)
	path := store.Path(e.stateDir, e.profile, fp)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !state.HasOldLedgerOrAudit(e.stateDir, fp) {
		return nil, "", fmt.Errorf("nothing is recorded yet for profile %s on this machine (no %s): the console and the commands start it when they run", e.profile, path)
	}
	db, err := state.OpenDB(e.stateDir, e.profile, fp, time.Now(), e.log)
	if err != nil {
		return nil, "", err
	}
	for _, n := range db.Notes {
		warn(e, "%s", n)
	}
	return db, fp, nil
}
