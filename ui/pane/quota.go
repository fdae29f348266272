package pane

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/ui/look"
)

// QuotaPane is the quota meter, scrolled.
type QuotaPane struct {
	sh     *Shared
	w, h   int
	scroll look.Scroller
	rows   []quotaRow // the non-Hosted devices, sorted, as of rowsAt
	rowsAt time.Time
	rowsOf int // the fleet's size then
}

func NewQuotaPane(sh *Shared) *QuotaPane { return &QuotaPane{sh: sh} }

func (p *QuotaPane) SetSize(w, h int) { p.w, p.h, p.scroll.Height = w, h, h }
func (p *QuotaPane) Typing() bool     { return false }
func (p *QuotaPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	return p.scroll.Move(&p.sh.Common, msg), nil
}
func (p *QuotaPane) Hints() []look.Hint           { return []look.Hint{look.KeyHint(p.sh.Keys.Down, 3)} }
func (p *QuotaPane) HelpGroups() []look.HelpGroup { return nil }

func (p *QuotaPane) View() string {
	sh := p.sh
	if sh.Ledger == nil || sh.Sched == nil {
		return sh.St.Dim.Render("no key in use: nothing counted")
	}
	head := quotaLines(sh, sh.Ledger, sh.Sched, sh.Fleet, p.w)
	rows := p.nonHosted()
	// Only the rows on screen are drawn: a fleet of 50,000 costs what a
	// screenful does.
	p.scroll.Total = len(head) + len(rows)
	p.scroll.Clamp()
	var out []string
	for i := p.scroll.Offset; i < min(p.scroll.Total, p.scroll.Offset+p.scroll.Height); i++ {
		if i < len(head) {
			out = append(out, head[i])
			continue
		}
		out = append(out, p.rowLine(rows[i-len(head)]))
	}
	return strings.Join(out, "\n")
}

// quotaRow is a non-Hosted device and its calls left this month.
type quotaRow struct {
	id, name, plan string
	left           int
}

// nonHosted are the devices with a monthly allowance, fewest calls left
// first. Sorting a large fleet is done once a second at most, not per frame.
func (p *QuotaPane) nonHosted() []quotaRow {
	now := time.Now() // the wall clock: this is how often the screen may sort, not what the data says
	if p.rows != nil && now.Sub(p.rowsAt) < time.Second && p.rowsOf == p.sh.Fleet.Len() {
		return p.rows
	}
	rows := []quotaRow{}
	for _, d := range p.sh.Fleet.All() {
		if d.Plan == api.PlanHosted {
			continue
		}
		left, ok := p.sh.CallsLeft(d.DeviceID)
		if !ok {
			left = api.MonthlyPerDevice
		}
		rows = append(rows, quotaRow{d.DeviceID, d.Name, d.Plan, left})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].left < rows[j].left })
	p.rows, p.rowsAt, p.rowsOf = rows, now, p.sh.Fleet.Len()
	return rows
}

func (p *QuotaPane) rowLine(r quotaRow) string {
	st := p.sh.St
	left := fmt.Sprintf("%3d", r.left)
	switch {
	case r.left == 0:
		left = st.Alarm.Render(left)
	case r.left < 10:
		left = st.Warn.Render(left)
	}
	return look.Fit(fmt.Sprintf("  %-9s %s %-5s %s", r.id, look.Pad(look.Clean(r.name), 16), r.plan, left), p.w)
}

// quotaLines renders the head of the quota meter: the account's limits,
// what this console has used today, its pace and where that leads.
func quotaLines(sh *Shared, ledger *state.Ledger, sched *state.Scheduler, fleet *state.Fleet, width int) []string {
	st := sh.St
	now := sh.Now()
	lim := sched.Limits()
	used := ledger.UsedToday(now)
	var out []string
	add := func(label, value string) { out = append(out, look.Fit(fmt.Sprintf("%-15s %s", label, value), width)) }
	out = append(out, st.Title.Render("Quota")+st.Dim.Render(fmt.Sprintf(" · limits from %d devices, %d Hosted", fleet.Len(), lim.Hosted)))
	if until, why, askable := sched.Stopped(); why != "" {
		// the limits above are those known before a listing that stopped
		// early: the list is incomplete
		for _, l := range strings.Split(look.Wrap("The device list is incomplete: the last listing stopped early ("+why+"); the limits are those known before it.", width), "\n") {
			out = append(out, st.Warn.Render(l))
		}
		if until.After(now) {
			add("listed again", fmt.Sprintf("at %s UTC, in %s", until.UTC().Format("15:04"), Short(until.Sub(now))))
			if askable {
				add("R", "lists once before then")
			} else {
				add("R", "refused until then (listed once)")
			}
		}
	}
	out = append(out, "")
	pct := float64(used) / float64(max(1, lim.Daily))
	add("used today", fmt.Sprintf("%d / %d  %s %d%%", used, lim.Daily, Gauge(sh, pct, 14), int(pct*100)))
	add("rate limit", fmt.Sprintf("%g req/s", lim.RatePerSecond))
	add("this console", fmt.Sprintf("share %d%% · budget now %.3f req/s", int(sched.Share*100), sched.Rate(now)))
	add("focused device", "read every "+Short(sched.FocusInterval(now)))
	add("pace", fmt.Sprintf("%.0f req/h over the last %s", ledger.Pace(now), Short(ledger.PaceSpan(now))))
	ex := ledger.Exhaustion(now, lim.Daily)
	switch {
	case ex.IsZero():
		add("exhaustion", "not before the reset at this pace")
	case !ex.After(now):
		add("exhaustion", st.Alarm.Render("the daily quota is used up"))
	default:
		add("exhaustion", st.Warn.Render(fmt.Sprintf("at %s UTC at this pace (in %s)", ex.UTC().Format("15:04"), Short(ex.Sub(now)))))
	}
	n429 := ledger.RateLimitedToday(now)
	r429 := fmt.Sprintf("%d today", n429)
	if n429 > 0 {
		r429 = st.Warn.Render(r429)
	}
	add("429s seen", r429)
	reset := api.NextReset(now)
	add("next reset", fmt.Sprintf("%s in %s %s", reset.Format("15:04 UTC"), Short(reset.Sub(now)), st.Dim.Render("(assumed)")))
	out = append(out, freshLines(sh, sched.Freshness(now), width)...)
	out = append(out, teamLines(sh, width)...)
	out = append(out, "", st.Title.Render(fmt.Sprintf("Non-Hosted devices · calls left this month (of %d)", api.MonthlyPerDevice)))
	nonHosted := false
	for _, d := range fleet.All() {
		if d.Plan != api.PlanHosted {
			nonHosted = true
			break
		}
	}
	if !nonHosted {
		out = append(out, st.Dim.Render("  every device is on a Hosted plan"))
	}
	return out
}

// Gauge draws a bar of width cells for a fraction, with eighth blocks.
func Gauge(sh *Shared, frac float64, width int) string {
	frac = max(0, min(1, frac))
	eighths := int(frac * float64(width*8))
	full, part := eighths/8, eighths%8
	bar := strings.Repeat("█", full)
	if part > 0 && full < width {
		bar += string([]rune("▏▎▍▌▋▊▉")[part-1])
	}
	rest := width - lenRunes(bar)
	return "▕" + sh.St.GaugeFill.Render(bar) + sh.St.GaugeEmpty.Render(strings.Repeat(" ", max(0, rest))) + "▏"
}

func lenRunes(s string) int { return len([]rune(s)) }
