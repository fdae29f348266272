package state

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"sqc/state/store"
)

// Suffixes of the old state files once the database holds them: imported
// ones are kept under the first, unreadable ones under the second; none
// is deleted.
const (
	ImportedSuffix = ".imported"
	DamagedSuffix  = ".damaged"
)

// ImportReport says what importing the old files did, a line each.
type ImportReport struct {
	Imported []string // a file and what it held
	SetAside []string // a file or lines that could not be read, and where they are
}

// ImportOldFiles reads the files sqc kept for one key before it had a
// database (the offline cache, the quota ledger, drafts, bulk jobs with
// their journals, the audit log) into db, each once, and renames each
// with ImportedSuffix. A file that cannot be read is renamed with
// DamagedSuffix and reported; lines that cannot be read are reported,
// and the file that holds them is kept. One bad file never stops the
// others. With log nil nothing is logged.
func ImportOldFiles(ctx context.Context, db store.Store, dir, fingerprint string, now time.Time, log *slog.Logger) (ImportReport, error) {
	return importParts(ctx, db, dir, fingerprint, now, log, AllParts)
}

// Parts names kinds of old file, so that each is imported only once the
// code that reads it uses the database: a file imported (and renamed)
// while its reader still looks for the file would be lost to it.
type Parts uint8

const (
	PartCache Parts = 1 << iota
	PartLedger
	PartDrafts
	PartJobs
	PartAudit

	AllParts = PartCache | PartLedger | PartDrafts | PartJobs | PartAudit
)

func importParts(ctx context.Context, db store.Store, dir, fingerprint string, now time.Time, log *slog.Logger, parts Parts) (ImportReport, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	im := importer{ctx: ctx, db: db, fp: fingerprint, now: now, log: log}
	if dir == "" {
		return im.rep, nil
	}
	if parts&PartCache != 0 {
		im.cache(CachePath(dir, fingerprint))
	}
	if parts&PartLedger != 0 {
		im.ledger(filepath.Join(dir, "quota-"+sanitise(fingerprint)+".json"))
	}
	if parts&PartDrafts != 0 {
		im.drafts(filepath.Dir(draftFile(dir, fingerprint, "x")))
	}
	if parts&PartJobs != 0 {
		im.jobs(jobsDir(dir, fingerprint))
	}
	if parts&PartAudit != 0 {
		im.audit(filepath.Join(dir, "audit.log"))
	}
	return im.rep, errors.Join(im.errs...)
}

type importer struct {
	ctx  context.Context
	db   store.Store
	fp   string
	now  time.Time
	log  *slog.Logger
	rep  ImportReport
	errs []error
}

// commit writes what a file held and renames the file (and its
// companions, such as a job's journal): the database records the import
// in the same transaction, so a crash between the two never imports a
// file twice.
func (im *importer) commit(imp store.Import, what string, files ...string) {
	imp.File, imp.Note, imp.At = files[0], what, im.now
	if _, err := im.db.Import(im.ctx, imp); err != nil {
		im.errs = append(im.errs, err)
		return
	}
	for _, f := range files {
		if err := os.Rename(f, f+ImportedSuffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			im.errs = append(im.errs, err)
		}
	}
	im.rep.Imported = append(im.rep.Imported, files[0]+": "+what)
	im.log.Info("state: old file imported into the database", "file", files[0], "held", what)
}

// damaged renames files that cannot be read, keeping them for whoever
// wants to look.
func (im *importer) damaged(why error, files ...string) {
	for _, f := range files {
		if err := os.Rename(f, f+DamagedSuffix); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				im.errs = append(im.errs, err)
			}
			continue
		}
		line := fmt.Sprintf("%s could not be read (%v): kept as %s", f, why, f+DamagedSuffix)
		im.rep.SetAside = append(im.rep.SetAside, line)
		im.log.Warn("state: old file set aside", "file", f, "err", why, "kept", f+DamagedSuffix)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (im *importer) cache(path string) {
	if !exists(path) {
		return
	}
	f := NewFleet()
	snap, err := f.readCache(path, im.log)
	if err != nil {
		im.damaged(err, path)
		return
	}
	var imp store.Import
	for _, cd := range snap.devices {
		js, err := cd.dev.MarshalJSON()
		if err != nil {
			continue
		}
		imp.Devices = append(imp.Devices, store.Device{ID: cd.dev.DeviceID, JSON: js})
		if !cd.msg.has() {
			continue
		}
		body, err := appendJSON(nil, cd.msg.packed, f.keys.names)
		if err != nil {
			continue
		}
		imp.Messages = append(imp.Messages, store.Message{DeviceID: cd.dev.DeviceID, TS: tsTime(cd.msg.ts), Fetched: cd.fetched,
			JSON: body, Summary: encodeSummary(cd.msg.worst, cd.msg.reason)})
	}
	// The focused device's sparkline points were drawn from messages; the
	// history table holds the messages themselves from now on.
	im.commit(imp, fmt.Sprintf("%d devices, %d latest messages", len(imp.Devices), len(imp.Messages)), path)
}

// encodeSummary is what the device list shows of a latest message, as
// the database keeps it next to the device: the worst event level
// (varint) and its reason.
func encodeSummary(worst int, reason string) []byte {
	b := binary.AppendVarint(nil, int64(worst))
	return append(b, reason...)
}

// decodeSummary reads encodeSummary's bytes; false when they are not.
func decodeSummary(b []byte) (worst int, reason string, ok bool) {
	v, n := binary.Varint(b)
	if n <= 0 || v < noEvents || v > maxLevel {
		return 0, "", false
	}
	return int(v), string(b[n:]), true
}

func (im *importer) ledger(path string) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		im.errs = append(im.errs, err)
		return
	}
	if !json.Valid(b) {
		im.damaged(errors.New("not JSON"), path)
		return
	}
	f, err := readLedgerFile(path, im.log)
	if err != nil {
		im.errs = append(im.errs, err)
		return
	}
	var imp store.Import
	if day, err := time.Parse(time.DateOnly, f.Day); err == nil && (f.Used > 0 || f.RateLimited > 0) {
		imp.Calls = append(imp.Calls, store.Calls{Key: im.fp, At: day, Sent: f.Used, RateLimited: f.RateLimited})
	}
	if month, err := time.Parse("2006-01", f.Month); err == nil {
		ids := make([]string, 0, len(f.Remaining))
		for id := range f.Remaining {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			n := f.Remaining[id]
			imp.Calls = append(imp.Calls, store.Calls{Key: im.fp, At: month, DeviceID: id, Remaining: &n})
		}
	}
	im.commit(imp, fmt.Sprintf("%d calls and %d 429s on %s, %d devices' calls left in %s", f.Used, f.RateLimited, f.Day, len(f.Remaining), f.Month), path)
}

func (im *importer) drafts(folder string) {
	files, _ := filepath.Glob(filepath.Join(folder, "*.json"))
	for _, path := range files {
		d, ok, err := readDraftFile(path)
		if err != nil {
			im.damaged(err, path)
			continue
		}
		var imp store.Import
		if ok {
			changes, err := json.Marshal(d.Changes)
			if err != nil {
				im.damaged(err, path)
				continue
			}
			imp.Drafts = []store.Draft{{Key: im.fp, DeviceID: d.DeviceID, SavedAt: d.SavedAt, Changes: changes}}
		}
		im.commit(imp, fmt.Sprintf("draft of %s, %d changes", d.DeviceID, len(d.Changes)), path)
	}
}

func (im *importer) jobs(folder string) {
	files, _ := filepath.Glob(filepath.Join(folder, "*.json"))
	sort.Strings(files)
	for _, path := range files {
		im.job(path)
	}
}

// job imports one job and replays its journal. A line that cannot be
// read is reported; when it is not the last one, a device's "sending"
// mark may be in it, so the job is imported stopped: a resume never
// sends what is still pending, and nothing is written twice.
func (im *importer) job(path string) {
	journal := path[:len(path)-len(".json")] + ".log"
	b, err := os.ReadFile(path)
	if err != nil {
		im.errs = append(im.errs, err)
		return
	}
	var j BulkJob
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&j); err != nil || j.ID == "" {
		if err == nil {
			err = errors.New("no job ID")
		}
		im.damaged(err, path, journal)
		return
	}
	var bad []int
	lines := 0
	if f, err := os.Open(journal); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines++
			var l journalLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.I < 0 || l.I >= len(j.Items) || j.Items[l.I].DeviceID != l.DeviceID {
				bad = append(bad, lines)
				continue
			}
			j.Items[l.I].Status, j.Items[l.I].Message, j.Items[l.I].At = l.Status, l.Message, l.At
		}
		if err := sc.Err(); err != nil {
			bad = append(bad, lines+1)
		}
		f.Close()
	}
	what := fmt.Sprintf("bulk job %s, %d devices, %d journal lines", j.ID, len(j.Items), lines)
	if len(bad) > 0 {
		if !(len(bad) == 1 && bad[0] == lines) { // a last line cut short is a stop mid-write
			j.Cancelled = true
			what += " (imported stopped: a damaged line may have held a device's sending mark)"
		}
		line := fmt.Sprintf("%s lines %v could not be read: kept in %s", journal, bad, journal+ImportedSuffix)
		im.rep.SetAside = append(im.rep.SetAside, line)
		im.log.Warn("state: journal lines set aside", "file", journal, "lines", bad)
	}
	changes, err := json.Marshal(j.Changes)
	if err != nil {
		im.damaged(err, path, journal)
		return
	}
	job := store.Job{ID: j.ID, Key: im.fp, Profile: j.Profile, Created: j.Created, Changes: changes, Cancelled: j.Cancelled, Settled: j.Settled}
	for _, it := range j.Items {
		item := store.JobItem{DeviceID: it.DeviceID, Name: it.Name, Plan: it.Plan, Status: string(it.Status), Message: it.Message, At: it.At}
		if it.Changes != nil {
			if item.Changes, err = json.Marshal(it.Changes); err != nil {
				im.damaged(err, path, journal)
				return
			}
		}
		job.Items = append(job.Items, item)
	}
	im.commit(store.Import{Jobs: []store.Job{job}}, what, path, journal)
}

// audit imports the audit log: every profile's lines, each with its
// profile. A line that is neither an entry nor the indented detail of
// one is reported by number and stays in the renamed file.
func (im *importer) audit(path string) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		im.errs = append(im.errs, err)
		return
	}
	defer f.Close()
	var imp store.Import
	var bad []int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "    ") && len(imp.Audit) > 0 {
			e := &imp.Audit[len(imp.Audit)-1]
			e.Detail += strings.TrimPrefix(line, "    ") + "\n"
			continue
		}
		e, ok := parseAuditLine(line)
		if !ok {
			bad = append(bad, n)
			continue
		}
		imp.Audit = append(imp.Audit, e)
	}
	if err := sc.Err(); err != nil {
		bad = append(bad, n+1)
	}
	f.Close()
	what := fmt.Sprintf("%d audit entries", len(imp.Audit))
	if len(bad) > 0 {
		im.rep.SetAside = append(im.rep.SetAside, fmt.Sprintf("%s lines %v could not be read: kept in %s", path, bad, path+ImportedSuffix))
		im.log.Warn("state: audit lines set aside", "file", path, "lines", bad)
	}
	im.commit(imp, what, path)
}

// parseAuditLine reads one entry as Audit.Record and Audit.Settled wrote
// it: an RFC 3339 time, then key=value pairs, values quoted or bare.
func parseAuditLine(line string) (store.AuditEntry, bool) {
	var e store.AuditEntry
	stamp, rest, _ := strings.Cut(line, " ")
	at, err := time.Parse(time.RFC3339, stamp)
	if err != nil {
		return e, false
	}
	e.At = at
	var extra []string
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimLeft(rest, " ") {
		k, v, ok := strings.Cut(rest, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \"") {
			return e, false
		}
		rest = v
		if strings.HasPrefix(v, `"`) {
			q, err := strconv.QuotedPrefix(v)
			if err != nil {
				return e, false
			}
			v, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else {
			v, rest, _ = strings.Cut(v, " ")
		}
		switch k {
		case "profile":
			e.Profile = v
		case "device":
			e.Device = v
		case "op":
			e.Op = v
		case "status":
			e.Status, _ = strconv.Atoi(v)
		case "outcome", "settled":
			e.Outcome = v
		case "message":
			e.Message = v
		default:
			extra = append(extra, k+"="+strconv.Quote(v))
		}
	}
	if e.Profile == "" && e.Device == "" && e.Op == "" {
		return e, false
	}
	if len(extra) > 0 {
		e.Detail = strings.Join(extra, " ") + "\n"
	}
	return e, true
}
