package state

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// unseenHosted are Hosted devices never seen: they raise the account's
// limits (so that the budget covers every report of the simulator's
// devices) and are never read.
func unseenHosted(n int) []api.Device {
	out := make([]api.Device, n)
	for i := range out {
		out[i] = api.Device{DeviceID: fmt.Sprintf("UNSEEN%04d", i), Plan: api.PlanHosted}
	}
	return out
}

// background are the reads folded in (from, to], with how many brought a
// new message.
func (r *rig) background(from, to time.Time) (reads []readAt, news int) {
	for _, rd := range r.reads {
		if rd.done.After(from) && !rd.done.After(to) {
			reads = append(reads, rd)
			if rd.news {
				news++
			}
		}
	}
	return reads, news
}

// After the first pass every read goes to a device whose lastSeen moved,
// starting after its newest message: reads per new message stay at most
// 1.05, and a device that reports is read within one re-list interval.
func TestReadsFollowTheListsLastSeen(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 200, HostedFraction: 1})
	r.listed = func(l []api.Device) []api.Device { return append(l, unseenHosted(1000)...) }
	r.run(10 * time.Minute)
	if _, _, done := r.sched.Progress(); !done {
		t.Fatal("first pass not done in 10 minutes")
	}
	if why := r.sched.Fallback(); why != "" {
		t.Fatalf("a list whose lastSeen moves fell back: %q", why)
	}
	from := r.clock.Now()
	r.run(30 * time.Minute)
	end := r.clock.Now()
	reads, news := r.background(from, end)
	if news < 100 {
		t.Fatalf("only %d reads brought news in 30 minutes of 200 devices", news)
	}
	t.Logf("30 minutes after the first pass: %d data reads, %d brought a new message", len(reads), news)
	if per := float64(len(reads)) / float64(news); per > 1.05 {
		t.Errorf("%d reads for %d new messages: %.2f reads per message, want at most 1.05", len(reads), news, per)
	}
	every := r.sched.listEvery(r.sched.Rate(end))
	var delays []time.Duration
	for _, rd := range reads {
		if !rd.news {
			continue
		}
		delays = append(delays, rd.done.Sub(rd.newest))
		// the list after its report shows it moved, and it is read
		// before the list after that
		if rd.done.Sub(rd.newest) > 2*every+2*time.Second {
			t.Errorf("%s reported at +%v, read at +%v: over one re-list interval after the list that showed it (%v)", rd.id, rd.newest.Sub(rigStart), rd.done.Sub(rigStart), every)
		}
	}
	slices.Sort(delays)
	if med := delays[len(delays)/2]; med > every+2*time.Second {
		t.Errorf("median delay from report to read %v, want at most the re-list interval %v + 2 s", med, every)
	}
	// every device that reported is read up to its last report but one
	// re-list interval
	for _, d := range r.sim.Devices() {
		last := d.Seen()
		if !r.sched.CanRead(d.DeviceID) || last.Before(from) || last.After(end.Add(-every-2*time.Second)) {
			continue
		}
		if got := r.newest[d.DeviceID]; got.Before(last) {
			t.Errorf("%s reported at +%v, newest read +%v", d.DeviceID, last.Sub(rigStart), got.Sub(rigStart))
		}
	}
	f := r.sched.Freshness(end)
	if f.Reads == 0 || f.News*100 < f.Reads*95 || f.Median > every+2*time.Second || f.ListEvery != every {
		t.Errorf("freshness told %+v, re-list every %v", f, every)
	}
}

// A server whose list carries no lastSeen is read round-robin, every
// device its plan allows, and the scheduler says why.
func TestAListWithoutLastSeenFallsBackAndSaysSo(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 40, HostedFraction: 1})
	r.listed = func(l []api.Device) []api.Device {
		for i := range l {
			l[i].LastSeen = nil
		}
		return l
	}
	r.run(20 * time.Minute)
	if why := r.sched.Fallback(); why != "the server's device list carries no lastSeen" {
		t.Fatalf("fallback %q", why)
	}
	if f := r.sched.Freshness(r.clock.Now()); f.Fallback == "" {
		t.Fatal("freshness does not say the fleet is read round-robin")
	}
	for _, d := range r.sim.Devices() {
		if n := len(r.readsOf(d.DeviceID, rigStart, r.clock.Now())); n < 2 {
			t.Errorf("%s read %d times in 20 minutes of round-robin", d.DeviceID, n)
		}
	}
}

// A list whose lastSeen never moves while data does is read round-robin,
// and the scheduler says so.
func TestAStuckLastSeenFallsBack(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 40, HostedFraction: 1})
	frozen := map[string]*float64{}
	for _, d := range r.sim.Devices() {
		frozen[d.DeviceID] = d.LastSeen
	}
	r.listed = func(l []api.Device) []api.Device {
		for i := range l {
			l[i].LastSeen = frozen[l[i].DeviceID]
		}
		return l
	}
	r.run(30 * time.Minute)
	if why := r.sched.Fallback(); why != "the device list's lastSeen does not move while data does" {
		t.Fatalf("fallback %q", why)
	}
	from := r.clock.Now()
	r.run(20 * time.Minute)
	if _, news := r.background(from, r.clock.Now()); news < 20 {
		t.Errorf("round-robin brought %d new messages in 20 minutes", news)
	}
}

// Bad lastSeen: one in the future, one that goes backwards, one that
// moves on every list without new data. Each costs at most the fleet's
// even pace, and none is read for a move backwards.
func TestBadLastSeenCostsNoMoreThanRoundRobin(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 40, HostedFraction: 1})
	r.cached()
	ids := liveDevices(r, 3)
	future, back, moving := ids[0], ids[1], ids[2]
	lists := 0
	r.listed = func(l []api.Device) []api.Device {
		lists++
		now := float64(r.clock.Now().Unix())
		for i := range l {
			switch l[i].DeviceID {
			case future:
				v := now + 365*24*3600
				l[i].LastSeen = &v
			case back:
				if lists%2 == 0 {
					v := *l[i].LastSeen - 3600
					l[i].LastSeen = &v
				}
			case moving:
				v := now + 1
				l[i].LastSeen = &v
			}
		}
		return l
	}
	r.run(10 * time.Minute)
	from := r.clock.Now()
	r.run(30 * time.Minute)
	pace := r.sched.restPace(r.clock.Now())
	most := int(30*time.Minute/pace) + emptyAfter + 1
	for _, id := range []string{future, moving} {
		reads := r.readsOf(id, from, r.clock.Now())
		empty := 0
		for _, rd := range reads {
			if !rd.news {
				empty++
			}
		}
		// lists come every ListMin: chasing each move would read it 120 times
		if empty > most {
			t.Errorf("%s, its lastSeen moving by itself, read %d times in 30 minutes, %d of them for nothing; want at most %d for nothing (every %v)", id, len(reads), empty, most, pace)
		}
	}
	// the device whose lastSeen goes backwards every other list is read
	// for its real reports only
	reads := r.readsOf(back, from, r.clock.Now())
	empty := 0
	for _, rd := range reads {
		if !rd.news {
			empty++
		}
	}
	if empty > 1 {
		t.Errorf("%s, its lastSeen going backwards, had %d reads that brought nothing of %d", back, empty, len(reads))
	}
}

// Holding j: the rows on screen change 30 times a second. A device that
// only passes by is not read; where the scrolling stops, the rows are
// read after the dwell.
func TestScrollingPastDevicesReadsNone(t *testing.T) {
	t.Parallel()
	s, _ := newSched(300)
	now := t0
	for _, r := range drain(s, now) { // the first pass
		s.Done(r, now, nil)
	}
	for _, _, done := s.Progress(); !done; _, _, done = s.Progress() {
		now = now.Add(100 * time.Millisecond)
		for _, r := range drain(s, now) {
			s.Done(r, now, nil)
		}
	}
	now = now.Add(10 * time.Minute) // every row on screen is due again
	window := func(i int) []string {
		var ids []string
		for j := range 20 {
			ids = append(ids, fmt.Sprintf("DEV%06d", (i+j)%300))
		}
		return ids
	}
	shown := map[string]time.Time{}
	for i := range 30 * 10 { // ten seconds of j held
		ids := window(i)
		for id := range shown {
			if !slices.Contains(ids, id) {
				delete(shown, id)
			}
		}
		for _, id := range ids {
			if _, ok := shown[id]; !ok {
				shown[id] = now
			}
		}
		s.SetVisible(ids)
		for _, r := range drain(s, now) {
			if at, ok := shown[r.DeviceID]; ok && now.Sub(at) < ScreenDwell {
				t.Fatalf("%s read %v after it came on screen, while scrolling", r.DeviceID, now.Sub(at))
			}
			s.Done(r, now, nil)
		}
		now = now.Add(time.Second / 30)
	}
	// the scrolling stops: the rows on screen are read after the dwell
	last := window(300)
	s.SetVisible(last)
	read := map[string]bool{}
	for end := now.Add(2 * time.Second); now.Before(end); now = now.Add(50 * time.Millisecond) {
		for _, r := range drain(s, now) {
			read[r.DeviceID] = true
			s.Done(r, now, nil)
		}
	}
	for _, id := range last[:5] {
		if !read[id] {
			t.Errorf("%s, on screen for 2 s once the scrolling stopped, not read", id)
		}
	}
}

// With change detection working, scrolling over devices whose lastSeen
// did not move costs no read at all: every read while j is held brings a
// new message.
func TestScrollingCostsNothingWhereNothingMoved(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 200, HostedFraction: 1})
	r.listed = func(l []api.Device) []api.Device { return append(l, unseenHosted(1000)...) }
	r.run(10 * time.Minute)
	var ids []string
	for _, d := range r.sim.Devices() {
		ids = append(ids, d.DeviceID)
	}
	from := r.clock.Now()
	for i := range 30 * 60 { // a minute of j held
		var rows []string
		for j := range 30 {
			rows = append(rows, ids[(i+j)%len(ids)])
		}
		r.sched.SetVisible(rows)
		r.run(time.Second / 30)
	}
	reads, news := r.background(from, r.clock.Now())
	if len(reads) != news {
		var empty []string
		for _, rd := range reads {
			if !rd.news {
				empty = append(empty, rd.id)
			}
		}
		t.Errorf("%d reads while scrolling, %d of them for nothing: %v", len(reads), len(reads)-news, empty)
	}
}

// intervalOf asks the simulator how often a device reports: the spacing
// of its latest messages.
func intervalOf(t *testing.T, r *rig, id string) time.Duration {
	t.Helper()
	var page *api.DataPage
	var err error
	done := make(chan struct{})
	r.clock.run(func() {
		defer close(done)
		page, err = r.client.GetData(t.Context(), id, api.DataQuery{Limit: 3})
	})
	r.clock.quiesce()
	<-done
	if err != nil || len(page.Data) < 3 {
		t.Fatalf("reading %s: %v", id, err)
	}
	return page.Data[0].Time().Sub(page.Data[1].Time()).Round(time.Second)
}

// The focused device is read when its next message is due, learned from
// the spacing of its messages: shortly after each report, not every 5 s.
func TestTheFocusIsReadWhenItsNextMessageIsDue(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 60, HostedFraction: 1})
	r.listed = func(l []api.Device) []api.Device { return append(l, unseenHosted(1000)...) }
	r.run(5 * time.Minute)
	var id string
	var iv time.Duration
	for _, c := range liveDevices(r, 30) {
		if iv = intervalOf(t, r, c); iv == time.Minute || iv == 2*time.Minute {
			id = c
			break
		}
	}
	if id == "" {
		t.Fatal("no live device reporting every 1 or 2 minutes")
	}
	r.sched.SetFocus(id, false)
	r.run(4 * iv) // it learns the spacing of its messages
	from := r.clock.Now()
	r.run(20 * time.Minute)
	reads, news := 0, 0
	for _, rd := range r.readsOf(id, from, r.clock.Now()) {
		reads++
		if !rd.news {
			continue
		}
		news++
		if late := rd.done.Sub(rd.newest); late > 6*time.Second {
			t.Errorf("reported at +%v, read %v later", rd.newest.Sub(rigStart), late)
		}
	}
	if want := int(20 * time.Minute / iv); news < want-1 {
		t.Errorf("%d new messages read in 20 minutes of a device reporting every %v", news, iv)
	}
	if reads > news+news/2+2 {
		t.Errorf("%d reads for %d new messages of a device reporting every %v: read blindly", reads, news, iv)
	}
	if got := r.sched.FocusInterval(r.clock.Now()); got < iv-time.Second || got > iv+time.Second {
		t.Errorf("the focused device is said to be read every %v, want its interval %v", got, iv)
	}
	// r still reads at once
	r.sched.Ask(KindData, id)
	if req, ok, _ := r.sched.Next(r.clock.Now()); !ok || req.DeviceID != id {
		t.Errorf("r: next read %+v %v, want %s at once", req, ok, id)
	}
}

// Several views focus several devices on a small budget: each gets its
// fair share, whatever one of them reports.
func TestFocusedDevicesShareTheBudgetFairly(t *testing.T) {
	t.Parallel()
	s, _ := newSched(20)
	now := t0
	ids := []string{"DEV000001", "DEV000002", "DEV000003"}
	for v, id := range ids {
		s.SetViewFocus(ViewID(v), id, false)
	}
	reads := map[string]int{}
	for end := now.Add(30 * time.Minute); now.Before(end); now = now.Add(time.Second) {
		for _, r := range drain(s, now) {
			s.Done(r, now, nil)
			if r.Kind != KindData {
				continue
			}
			reads[r.DeviceID]++
			// the first reports every 10 s; the others never
			newest := t0
			if r.DeviceID == ids[0] {
				newest = now.Truncate(10 * time.Second)
			}
			s.Got(r.DeviceID, newest, 0, now)
		}
	}
	least, most := reads[ids[0]], reads[ids[0]]
	for _, id := range ids {
		least, most = min(least, reads[id]), max(most, reads[id])
	}
	if least < 10 || least*2 < most {
		t.Errorf("focused devices read %v in 30 minutes: one starves another", reads)
	}
}

// A device whose clock runs a few seconds ahead of the server's has
// messages newer than its lastSeen until it reports again: that is no
// stuck list, and change detection goes on.
func TestADeviceClockAheadDoesNotStopChangeDetection(t *testing.T) {
	t.Parallel()
	s, _ := newSched(300)
	now := t0
	list := hostedFleet(300, now)
	detecting, reads := false, 0
	for sec := range 600 { // ten minutes, a list every 15 s; DEV000000 reports every minute, its clock 5 s ahead
		now = now.Add(time.Second)
		if sec%15 == 14 {
			s.Ask(KindList, "")
		}
		for {
			r, ok, _ := s.Next(now)
			if !ok {
				break
			}
			s.Done(r, now, nil)
			if r.Kind == KindData {
				newest := t0
				if r.DeviceID == "DEV000000" {
					newest = now.Truncate(time.Minute).Add(5 * time.Second)
					reads++
				}
				s.Got(r.DeviceID, newest, 0, now)
				continue
			}
			for i := range list {
				seen := float64(t0.Unix())
				if i == 0 {
					seen = float64(now.Truncate(time.Minute).Unix())
				}
				list[i].LastSeen = &seen
			}
			s.SetDevices(list, now)
			why := s.Fallback()
			if detecting && why != "" {
				t.Fatalf("at +%v fell back for a device clock 5 s ahead: %q", now.Sub(t0), why)
			}
			detecting = detecting || why == ""
		}
	}
	if !detecting || reads < 9 {
		t.Errorf("detecting %v; the device reporting every minute read %d times in 10 minutes", detecting, reads)
	}
}
