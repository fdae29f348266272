package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
	"sqc/state/store"
	"sqc/ui/chart"
)

type historyOpts struct {
	since, until          string
	fields                []string
	csv, json, plot, offl bool
	yes                   bool // fetch without asking, however many requests
}

// runHistory prints a device's messages over a range: what the database
// holds, and (unless --offline) the spans it lacks fetched and kept, so
// that the same range asked again costs nothing.
func runHistory(ctx context.Context, e *env, o *historyOpts, args []string) error {
	id, err := api.NormaliseDeviceID(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	if n := btoi(o.csv) + btoi(o.json) + btoi(o.plot); n > 1 {
		return usagef("--csv, --json and --plot each choose the output: give one")
	}
	span, err := historySpan(o.since, o.until, time.Now())
	if err != nil {
		return usagef("%v", err)
	}
	msgs, err := historyOf(ctx, e, id, span, o)
	if err != nil {
		return err
	}
	switch {
	case o.json:
		return writeHistoryJSON(e.stdout, id, msgs)
	case o.plot:
		return writeHistoryPlot(e.stdout, msgs, o.fields, span, plotWidth(e.stdout))
	}
	return writeHistoryCSV(e.stdout, msgs, o.fields)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// historySpan reads --since and --until as the console's typed range: a
// length back from now or from --until, or the ends themselves.
func historySpan(since, until string, now time.Time) (state.Span, error) {
	if until == "" {
		return state.ParseRange(since, now, time.Local)
	}
	from := since
	if _, err := state.ParseRange(since, now, time.Local); err == nil && !strings.Contains(since, "..") && !strings.HasPrefix(since, "-") {
		// a length: back from --until
		end, err := state.ParseRange("-1s.."+until, now, time.Local)
		if err != nil {
			return state.Span{}, err
		}
		d, _ := state.ParseRange(since, end.To, time.Local)
		return state.Span{From: d.From, To: end.To}, nil
	}
	return state.ParseRange(from+".."+until, now, time.Local)
}

// historyOf is the device's messages over span, in time order: the
// database's, then what it lacks fetched page by page and kept.
func historyOf(ctx context.Context, e *env, id string, span state.Span, o *historyOpts) ([]api.DataMessage, error) {
	ks, err := e.store()
	if err != nil {
		return nil, err
	}
	var db *state.DB
	fp := ""
	if found, err := ks.Lookup(); err == nil {
		fp = keys.Fingerprint(found.Key)
		db, err = state.OpenDB(e.stateDir, e.profile, fp, time.Now(), e.log)
		if err != nil {
			warn(e, "the history is not kept: %v", err)
		} else {
			defer db.Close()
		}
	}
	var st store.Store // a nil *state.DB must not become a non-nil Store
	if db != nil {
		st = db
	}
	msgs, have, err := state.StoredHistory(ctx, st, id, span)
	if err != nil {
		return nil, err
	}
	if o.offl {
		return msgs, nil
	}
	f := state.NewRangeFetch(id, span, have, time.Now(), medianStep(msgs))
	if n := f.Estimate(); n > askAbove && !f.Done() && !o.yes {
		q := fmt.Sprintf("what is not stored of %s over %s costs about %d requests to fetch%s.", id, span, n, budgetShare(ctx, st, fp, n))
		if !terminalIn(e.stdin) {
			return nil, fmt.Errorf("%s stdin is not a terminal, so no one can answer y/N: add --yes to fetch, or --offline for what is stored; nothing was fetched", q)
		}
		fmt.Fprint(e.stderr, api.Clean(strings.ToUpper(q[:1])+q[1:])+" Fetch? [y/N] ")
		answer, err := e.answer(ctx)
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintln(e.stderr)
			if ctx.Err() != nil {
				return nil, errors.New("nothing was fetched")
			}
			return nil, err
		}
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			if errors.Is(err, io.EOF) {
				fmt.Fprintln(e.stderr)
			}
			warn(e, "not fetched: printing the %d messages stored (--offline does this without asking)", len(msgs))
			return msgs, nil
		}
	}
	conn, err := e.connect()
	if err != nil {
		return nil, err
	}
	for !f.Done() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pctx, cancel := withTimeout(ctx)
		before := len(f.Covered)
		page, err := f.Next(pctx, conn.client)
		if err == nil {
			err = state.KeepFetched(pctx, st, id, page, f.Covered[before:], time.Now())
		}
		cancel()
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, page...)
	}
	if f.Stopped != "" {
		warn(e, "%s", f.Stopped)
	}
	e.log.Info("history fetched", "device", id, "requests", f.Requests, "messages", f.Got)
	return state.SortMessages(msgs), nil
}

// askAbove is the fetch cost, in requests, from which history asks
// first, as the console's history pane does.
const askAbove = 3

// budgetShare says what n requests are of what is left of today's
// budget, as the database knows it (the device list sets the budget).
func budgetShare(ctx context.Context, db store.Store, fp string, n int) string {
	if db == nil || fp == "" {
		return ""
	}
	q, err := quotaOf(ctx, db, fp, time.Now())
	switch {
	case err != nil || q.DailyLimit <= 0:
		return " (today's budget is not known here: sqc devices reads the device list that sets it)"
	case q.Left <= 0:
		return fmt.Sprintf(" (today's %d are used up)", q.DailyLimit)
	}
	return fmt.Sprintf(", %.1f%% of the %d left today", 100*float64(n)/float64(q.Left), q.Left)
}

func medianStep(msgs []api.DataMessage) time.Duration {
	if len(msgs) < 3 {
		return 0
	}
	steps := make([]time.Duration, 0, len(msgs)-1)
	for i := 1; i < len(msgs); i++ {
		steps = append(steps, msgs[i].Time().Sub(msgs[i-1].Time()))
	}
	slices.Sort(steps)
	return steps[len(steps)/2]
}

// historyKeys are the columns: those asked for, else every key the
// messages hold (the most present first), their time apart.
func historyKeys(msgs []api.DataMessage, want []string) []string {
	if len(want) > 0 {
		return want
	}
	count := map[string]int{}
	for i := range msgs {
		for _, f := range msgs[i].Fields {
			if f.Key != "ts" && f.Key != "time" && f.Key != "deviceid" {
				count[f.Key]++
			}
		}
	}
	out := make([]string, 0, len(count))
	for k := range count {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if count[out[i]] != count[out[j]] {
			return count[out[i]] > count[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// writeHistoryCSV writes a row per message: its time in RFC 3339, then
// each key's value as the server sent it (a string unquoted).
func writeHistoryCSV(w io.Writer, msgs []api.DataMessage, want []string) error {
	cols := historyKeys(msgs, want)
	cw := api.NewCSVWriter(w)
	if err := cw.Write(append([]string{"time"}, cols...)...); err != nil {
		return err
	}
	row := make([]string, len(cols)+1)
	for i := range msgs {
		row[0] = msgs[i].Time().UTC().Format(time.RFC3339Nano)
		for j, k := range cols {
			row[j+1] = ""
			f, ok := msgs[i].Get(k)
			if !ok {
				continue
			}
			if s, isText := f.Text(); isText {
				row[j+1] = s
			} else {
				row[j+1] = string(f.Raw)
			}
		}
		if err := cw.Write(row...); err != nil {
			return err
		}
	}
	return cw.Flush()
}

func writeHistoryJSON(w io.Writer, id string, msgs []api.DataMessage) error {
	b, err := json.MarshalIndent(map[string]any{"deviceid": id, "data": msgs}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(api.SafeJSON(b), '\n'))
	return err
}

// writeHistoryPlot draws the fields asked for (else the three numeric
// ones with the most values) as text charts on one time axis.
func writeHistoryPlot(w io.Writer, msgs []api.DataMessage, want []string, span state.Span, width int) error {
	var picked []state.FieldSeries
	for _, f := range state.NumericFields(msgs) {
		if len(want) > 0 && !slices.Contains(want, f.Key) || len(want) == 0 && len(picked) == 3 {
			continue
		}
		picked = append(picked, f)
	}
	series := chart.SeriesOf(picked)
	if len(series) == 0 {
		_, err := fmt.Fprintf(w, "no numeric values in %s (%d messages)\n", span, len(msgs))
		return err
	}
	c := chart.Draw(series, chart.Options{Width: width, Height: 8, From: span.From, To: span.To, Loc: time.Local})
	_, err := io.WriteString(w, strings.Join(c.Lines, "\n")+"\n")
	return err
}

// plotWidth is the terminal's width when stdout is one, else 80.
func plotWidth(out io.Writer) int {
	if f, ok := out.(term.File); ok && term.IsTerminal(f.Fd()) {
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 20 {
			return w
		}
	}
	return 80
}
