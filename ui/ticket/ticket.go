// Package ticket writes a device's triage report as Markdown, for a
// support ticket: who the device is, its state and why, its latest
// readings, what happened over a range (events, charts, min/max), its
// config with what is pending, and what sqc did to it. It never writes
// the API key, a setup password or a private key: it is never given the
// first two, and config values whose name says secret are masked.
package ticket

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/store"
	"sqc/ui/chart"
)

// Input is everything a ticket says; what is unknown is left zero and the
// ticket says it is unknown.
type Input struct {
	Made     time.Time
	Loc      *time.Location // nil: UTC
	Profile  string
	Device   api.Device
	Health   state.Health
	LastSeen time.Time
	Latest   *api.DataMessage
	Range    state.Span
	History  []api.DataMessage // the range's messages, in any order
	Config   api.Config        // nil when not read
	ConfigAt time.Time
	Pending  []state.Change // sent, not yet applied
	Draft    []state.Change // staged, not sent
	Calls    []api.Call
	Audit    []store.AuditEntry
	Conn     string
	// Fields to chart; empty: the numeric fields with the most values.
	Fields []string
	Width  int // of the text chart; 0 is 80
}

// Markdown writes the report.
func Markdown(in Input) string {
	if in.Loc == nil {
		in.Loc = time.UTC
	}
	if in.Width <= 0 {
		in.Width = 80
	}
	msgs := slices.Clone(in.History)
	slices.SortStableFunc(msgs, func(a, b api.DataMessage) int { return cmp.Compare(a.TS, b.TS) })
	msgs = slices.CompactFunc(msgs, func(a, b api.DataMessage) bool { return a.TS == b.TS })

	var b strings.Builder
	d := in.Device
	name := text(d.Name)
	if name == "" {
		name = "(no name)"
	}
	fmt.Fprintf(&b, "# %s — %s\n\n", text(d.DeviceID), name)
	fmt.Fprintf(&b, "Made by sqc at %s (profile %s; connection: %s).\n\n", in.when(in.Made), text(orDash(in.Profile)), text(orDash(in.Conn)))

	b.WriteString("## Device\n\n| | |\n|---|---|\n")
	row(&b, "ID", d.DeviceID)
	row(&b, "Name", d.Name)
	row(&b, "Group", strings.TrimSpace(d.GroupName+" "+paren(d.GroupID)))
	row(&b, "Model", d.Model)
	row(&b, "Firmware", d.Firmware)
	row(&b, "Plan", d.Plan)
	if d.Remaining != nil {
		row(&b, "API calls left this month", fmt.Sprint(*d.Remaining))
	}
	row(&b, "State", in.Health.String()+why(in.Latest))
	if in.LastSeen.IsZero() {
		row(&b, "Last seen", "never")
	} else {
		row(&b, "Last seen", fmt.Sprintf("%s (%s before this report)", in.when(in.LastSeen), ago(in.Made.Sub(in.LastSeen))))
	}
	b.WriteString("\n")

	in.readings(&b)
	in.rangeSections(&b, msgs)
	in.config(&b)
	in.activity(&b)
	return b.String()
}

func (in Input) when(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.In(in.Loc).Format("2006-01-02 15:04:05 MST")
}

// why names the event that set the state: the worst of the latest message.
func why(m *api.DataMessage) string {
	if m == nil || len(m.Events) == 0 {
		return ""
	}
	worst := slices.MaxFunc(m.Events, func(a, b api.Event) int { return cmp.Compare(a.Level, b.Level) })
	return fmt.Sprintf(" — %s: %s", worst.Class(), worst.Msg)
}

func (in Input) readings(b *strings.Builder) {
	b.WriteString("## Latest readings\n\n")
	m := in.Latest
	if m == nil {
		b.WriteString("No message read.\n\n")
		return
	}
	fmt.Fprintf(b, "Message of %s.\n\n| Group | Field | Value | Unit |\n|---|---|---|---|\n", in.when(m.Time()))
	// the readings pane's groups and order; the time heads the message,
	// events and CAN frames have lines of their own below
	for _, g := range api.GroupFields(m) {
		if g.Name == "identity" || g.Name == "events" || g.Name == "can" {
			continue
		}
		for _, f := range g.Fields {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", cell(g.Title), cell(f.Key), cell(value(f)), cell(api.Unit(f.Key)))
		}
	}
	for _, e := range m.Events {
		fmt.Fprintf(b, "| Events | %s | %s | level %d |\n", cell(e.Class()), cell(e.Msg), e.Level)
	}
	if n := len(m.CAN1) + len(m.CAN2); n > 0 {
		fmt.Fprintf(b, "| CAN | frames | %d | |\n", n)
	}
	b.WriteString("\n")
}

// value is a field as the device sent it: a number in full, a string
// without its quotes.
func value(f api.Field) string {
	if f.Kind == api.KindString {
		var s string
		if json.Unmarshal(f.Raw, &s) == nil {
			return s
		}
	}
	return string(f.Raw)
}

func (in Input) rangeSections(b *strings.Builder, msgs []api.DataMessage) {
	if in.Range.From.IsZero() {
		return
	}
	fmt.Fprintf(b, "## %s to %s\n\n", in.when(in.Range.From), in.when(in.Range.To))
	if len(msgs) == 0 {
		b.WriteString("No messages held for this range.\n\n")
		return
	}
	fmt.Fprintf(b, "%d messages.\n\n", len(msgs))

	b.WriteString("### Events\n\n")
	n := 0
	for _, m := range msgs {
		for _, e := range m.Events {
			if n == 0 {
				b.WriteString("| Time | Level | Event |\n|---|---|---|\n")
			}
			if n++; n <= 200 {
				fmt.Fprintf(b, "| %s | %s | %s |\n", in.when(m.Time()), cell(e.Class()), cell(e.Msg))
			}
		}
	}
	switch {
	case n == 0:
		b.WriteString("None.\n")
	case n > 200:
		fmt.Fprintf(b, "\n…and %d more.\n", n-200)
	}
	b.WriteString("\n")

	series := chart.SeriesOf(state.NumericFields(msgs))
	if len(series) == 0 {
		return
	}
	b.WriteString("### Minimum and maximum\n\n| Field | Min | Max | Unit |\n|---|---|---|---|\n")
	for _, s := range series {
		st := statsOf(s.Points)
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", cell(s.Name), chart.Number(st.min), chart.Number(st.max), cell(s.Unit))
	}
	b.WriteString("\n### Chart\n\n```text\n")
	c := chart.Draw(in.chartSeries(series), chart.Options{Width: in.Width, Height: 5, From: in.Range.From, To: in.Range.To, Loc: in.Loc})
	for _, l := range c.Lines {
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	b.WriteString("```\n\n")
}

// chartSeries are the fields asked for, or the first three as
// state.NumericFields orders them (the most values, those that move,
// power first).
func (in Input) chartSeries(all []chart.Series) []chart.Series {
	if len(in.Fields) > 0 {
		var out []chart.Series
		for _, s := range all {
			if slices.Contains(in.Fields, s.Name) {
				out = append(out, s)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return all[:min(3, len(all))]
}

type minMax struct{ min, max float64 }

func statsOf(pts []chart.Point) minMax {
	s := minMax{math.Inf(1), math.Inf(-1)}
	for _, p := range pts {
		s.min, s.max = min(s.min, p.V), max(s.max, p.V)
	}
	return s
}

func (in Input) config(b *strings.Builder) {
	b.WriteString("## Config\n\n")
	if in.Config == nil {
		b.WriteString("Not read.\n\n")
	} else {
		fmt.Fprintf(b, "As read at %s.\n\n```text\n", in.when(in.ConfigAt))
		flat := map[string]any{}
		flatten("", map[string]any(in.Config), flat)
		for _, k := range slices.Sorted(maps.Keys(flat)) {
			fmt.Fprintf(b, "%s = %s\n", api.Clean(k), shown(k, flat[k]))
		}
		b.WriteString("```\n\n")
	}
	changes(b, "Sent, not yet applied", in.Pending)
	changes(b, "Draft (not sent)", in.Draft)
}

// flatten writes every leaf by its dotted key, whether the tree was
// decoded as api.Config or as plain maps: a secret deep in either is
// still found by its name.
func flatten(prefix string, n map[string]any, out map[string]any) {
	for k, v := range n {
		switch sub := v.(type) {
		case api.Config:
			flatten(prefix+k+".", sub, out)
		case map[string]any:
			flatten(prefix+k+".", sub, out)
		default:
			out[prefix+k] = v
		}
	}
}

func changes(b *strings.Builder, title string, cs []state.Change) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s\n\n| Setting | From | To |\n|---|---|---|\n", title)
	for _, c := range cs {
		fmt.Fprintf(b, "| %s | %s | %s |\n", cell(c.Key), cell(shown(c.Key, c.Old)), cell(shown(c.Key, c.New)))
	}
	b.WriteString("\n")
}

// secretWords mark config values that must not leave the console: a
// password, a pre-shared key, a token. A file's name (ssl_key) is not
// its content and stays.
var secretWords = []string{"password", "passwd", "secret", "token", "psk", "apikey", "api_key", "private"}

func shown(key string, v any) string {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			if v == nil || v == "" {
				return "(empty)"
			}
			return "(hidden)"
		}
	}
	if v == nil {
		return "(none)"
	}
	return api.Clean(fmt.Sprint(v))
}

func (in Input) activity(b *strings.Builder) {
	b.WriteString("## What sqc did\n\n")
	if len(in.Audit) == 0 {
		b.WriteString("No writes recorded for this device.\n\n")
	} else {
		b.WriteString("| Time | Operation | Status | Outcome | Detail |\n|---|---|---|---|---|\n")
		for _, a := range in.Audit {
			fmt.Fprintf(b, "| %s | %s | %d | %s | %s |\n", in.when(a.At), cell(a.Op), a.Status, cell(a.Outcome), cell(strings.TrimSpace(a.Message+" "+a.Detail)))
		}
		b.WriteString("\n")
	}
	if len(in.Calls) == 0 {
		return
	}
	b.WriteString("### Recent API calls\n\n| Time | Call | Status | Took |\n|---|---|---|---|\n")
	for _, c := range in.Calls {
		status := fmt.Sprint(c.Status)
		if c.Err != nil && c.Status == 0 {
			status = "no answer"
		}
		fmt.Fprintf(b, "| %s | %s %s | %s | %s |\n", in.when(c.At), cell(c.Method), cell(string(c.Op)), status, c.Latency.Round(time.Millisecond))
	}
	b.WriteString("\n")
}

func row(b *strings.Builder, k, v string) {
	if v == "" {
		v = "—"
	}
	fmt.Fprintf(b, "| %s | %s |\n", k, cell(v))
}

// cell makes server text safe in a table cell: no control characters or
// terminal escapes (the one sanitiser), no column break, no Markdown or
// HTML that would change the ticket around it.
func cell(s string) string {
	s = api.Clean(s)
	r := strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;", "\n", " ")
	return r.Replace(s)
}

func text(s string) string { return cell(s) }

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
