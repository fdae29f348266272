package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
)

// quotaPane is the quota meter, scrolled.
type quotaPane struct {
	sh     *shared
	w, h   int
	scroll scroller
}

func (p *quotaPane) setSize(w, h int) { p.w, p.h, p.scroll.height = w, h, h }
func (p *quotaPane) typing() bool     { return false }
func (p *quotaPane) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	return p.scroll.move(p.sh, msg), nil
}
func (p *quotaPane) hints() []hint           { return []hint{h(p.sh.keys.Down, 3)} }
func (p *quotaPane) helpGroups() []helpGroup { return nil }

func (p *quotaPane) view() string {
	sh := p.sh
	if sh.ledger == nil || sh.sched == nil {
		return sh.st.dim.Render("no key in use: nothing counted")
	}
	return strings.Join(p.scroll.window(quotaLines(sh, sh.ledger, sh.sched, sh.fleet, p.w)), "\n")
}

// quotaLines renders the quota meter: the account's limits, what this
// console has used today, its pace and where that leads.
func quotaLines(sh *shared, ledger *state.Ledger, sched *state.Scheduler, fleet *state.Fleet, width int) []string {
	st := sh.st
	now := sh.now()
	lim := sched.Limits()
	used := ledger.UsedToday(now)
	var out []string
	add := func(label, value string) { out = append(out, fit(fmt.Sprintf("%-15s %s", label, value), width)) }
	out = append(out, st.title.Render("Quota")+st.dim.Render(fmt.Sprintf(" · limits from %d devices, %d Hosted", fleet.Len(), lim.Hosted)))
	out = append(out, "")
	pct := float64(used) / float64(max(1, lim.Daily))
	add("used today", fmt.Sprintf("%d / %d  %s %d%%", used, lim.Daily, gauge(sh, pct, 14), int(pct*100)))
	add("rate limit", fmt.Sprintf("%g req/s", lim.RatePerSecond))
	add("this console", fmt.Sprintf("share %d%% · budget now %.3f req/s", int(sched.Share*100), sched.Rate(now)))
	add("focused device", "read every "+short(sched.FocusInterval(now)))
	add("pace", fmt.Sprintf("%.0f req/h over the last %s", ledger.Pace(now), short(state.PaceWindow)))
	ex := ledger.Exhaustion(now, lim.Daily)
	switch {
	case ex.IsZero():
		add("exhaustion", "not before the reset at this pace")
	case !ex.After(now):
		add("exhaustion", st.alarm.Render("the daily quota is used up"))
	default:
		add("exhaustion", st.warn.Render(fmt.Sprintf("at %s UTC at this pace (in %s)", ex.UTC().Format("15:04"), short(ex.Sub(now)))))
	}
	r429 := fmt.Sprintf("%d today", ledger.RateLimited)
	if ledger.RateLimited > 0 {
		r429 = st.warn.Render(r429)
	}
	add("429s seen", r429)
	reset := api.NextReset(now)
	add("next reset", fmt.Sprintf("%s in %s %s", reset.Format("15:04 UTC"), short(reset.Sub(now)), st.dim.Render("(assumed)")))

	type row struct {
		id, name, plan string
		left           int
	}
	var rows []row
	for _, d := range fleet.All() {
		if d.Plan == api.PlanHosted {
			continue
		}
		left, ok := ledger.Remaining[d.DeviceID]
		if !ok && d.Remaining != nil {
			left, ok = *d.Remaining, true
		}
		if !ok {
			left = api.MonthlyPerDevice
		}
		rows = append(rows, row{d.DeviceID, d.Name, d.Plan, left})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].left < rows[j].left })
	out = append(out, "", st.title.Render(fmt.Sprintf("Non-Hosted devices · calls left this month (of %d)", api.MonthlyPerDevice)))
	if len(rows) == 0 {
		out = append(out, st.dim.Render("  every device is on a Hosted plan"))
	}
	for _, r := range rows {
		left := fmt.Sprintf("%3d", r.left)
		switch {
		case r.left == 0:
			left = st.alarm.Render(left)
		case r.left < 10:
			left = st.warn.Render(left)
		}
		out = append(out, fit(fmt.Sprintf("  %-9s %s %-5s %s", r.id, pad(r.name, 16), r.plan, left), width))
	}
	return out
}

// gauge draws a bar of width cells for a fraction, with eighth blocks.
func gauge(sh *shared, frac float64, width int) string {
	frac = max(0, min(1, frac))
	eighths := int(frac * float64(width*8))
	full, part := eighths/8, eighths%8
	bar := strings.Repeat("█", full)
	if part > 0 && full < width {
		bar += string([]rune("▏▎▍▌▋▊▉")[part-1])
	}
	rest := width - lenRunes(bar)
	return "▕" + sh.st.gaugeFill.Render(bar) + sh.st.gaugeEmpty.Render(strings.Repeat(" ", max(0, rest))) + "▏"
}

func lenRunes(s string) int { return len([]rune(s)) }
