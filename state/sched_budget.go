package state

import (
	"math"
	"time"

	"sqc/api"
)

// Rate is the budget in requests per second at now: what is left of the
// day's quota × Share, spread over what is left of the UTC day, and never
// more than the account's rate × Share.
func (s *Scheduler) Rate(now time.Time) float64 {
	left := float64(s.limits.Daily)*s.Share - float64(s.ledger.UsedToday(now))
	if left < 1 {
		return 0
	}
	secs := math.Max(1, api.NextReset(now).Sub(now).Seconds())
	return math.Min(left/secs, s.limits.RatePerSecond*s.Share)
}

// firstPass reports whether reads may still go at the account's full rate:
// some readable device has not answered yet and the first pass has spent
// less than FirstPassShare of the day's quota.
func (s *Scheduler) firstPass() bool {
	return s.unanswered > 0 && float64(s.firstSpent) < FirstPassShare*float64(s.limits.Daily)
}

// spendRate is the budget's rate, the rate tokens come at (the account's
// own in the first pass), and how many may pile up: never more at once
// than the account's rate lets through in a second.
func (s *Scheduler) spendRate(now time.Time) (settled, rate, burst float64, fast bool) {
	settled = s.Rate(now)
	most := math.Max(1, math.Floor(s.limits.RatePerSecond))
	if settled > 0 && s.firstPass() {
		return settled, s.limits.RatePerSecond, math.Min(MaxInFlight, most), true
	}
	return settled, settled, math.Min(idleBurst, most), false
}

func (s *Scheduler) refill(now time.Time) (settled, rate, burst float64, fast bool) {
	settled, rate, burst, fast = s.spendRate(now)
	switch {
	case s.tokensAt.IsZero():
		s.tokens = idleBurst // a fresh console reads the list and the first devices at once
	case now.After(s.tokensAt) && s.tokens < burst:
		s.tokens = math.Min(burst, s.tokens+now.Sub(s.tokensAt).Seconds()*rate)
	}
	s.tokensAt = later(now, s.tokensAt)
	return settled, rate, burst, fast
}

// every is the interval a class of reads gets: its minimum, or its share
// of the budget spread over n targets, whichever is longer.
func every(min time.Duration, r, share float64, n int) time.Duration {
	if r <= 0 {
		return never
	}
	d := time.Duration(float64(n) / (r * share) * float64(time.Second))
	return max(min, d)
}

const never = time.Duration(math.MaxInt64)

// focusEvery is a focused device's interval: the focus share of the
// budget spread over the distinct devices focused.
func (s *Scheduler) focusEvery(r float64, quiet bool) time.Duration {
	n := max(1, len(s.focuses))
	if quiet {
		return every(QuietEvery, r, focusShare, n)
	}
	return every(FocusEvery, r, focusShare, n)
}

// restEvery is the background interval: the fleet's share of the budget
// spread over every readable device, so that a fleet too large for
// RestEvery is read as often as the budget carries, evenly. It plans with
// the day's average budget at most: the budget grows as an unspent day
// runs out, and an interval shrinking under the devices already placed
// would bunch their reads.
func (s *Scheduler) restEvery(r float64) time.Duration {
	avg := float64(s.limits.Daily) * s.Share / (24 * 60 * 60)
	return every(RestEvery, math.Min(r, avg), restShare, len(s.byID))
}

func (s *Scheduler) visibleEvery(r float64) time.Duration {
	return every(VisibleEvery, r, visibleShare, len(s.onScreen))
}

// listEvery is the re-list interval. While the list's lastSeen tells
// which devices changed (or may yet), the list takes up to listShare of
// the budget, every ListMin at most; a list that cannot tell is read as
// rarely as before, since the fleet is read round-robin anyway.
func (s *Scheduler) listEvery(r float64) time.Duration {
	if r <= 0 {
		return ListEvery
	}
	if s.chg.mode == modeBlind {
		return max(ListEvery, time.Duration(30/r*float64(time.Second)))
	}
	pages := max(1, (len(s.listed)+999)/1000)
	return max(ListMin, time.Duration(float64(pages)/(r*listShare)*float64(time.Second)))
}

// quietly stretches a quiet device's interval: reading it often would
// spend the budget on answers that cannot change.
func quietly(e *entry, d time.Duration) time.Duration {
	if e.quiet {
		return max(d, QuietOthers)
	}
	return d
}

// nextBackground is when a device that just answered is read again in the
// background. After their first answers the devices take evenly spaced
// places over the whole interval (the golden-ratio sequence spaces any
// number of them evenly), so the fleet read in the first pass does not
// come due again all at once; after that each keeps its place, jittered.
func (s *Scheduler) nextBackground(e *entry, first bool, now time.Time) time.Time {
	d := s.restEvery(s.Rate(now))
	if d == never {
		d = RestEvery
	}
	switch {
	case e.quiet:
		d = time.Duration(float64(max(d, QuietOthers)) * (1 + 0.1*s.rng.Float64()))
	case first:
		s.phase = math.Mod(s.phase+goldenRatio, 1)
		d = time.Duration(float64(d) * (0.02 + 0.98*s.phase))
	default:
		d = time.Duration(float64(d) * (0.95 + 0.1*s.rng.Float64()))
	}
	return now.Add(d)
}

const goldenRatio = 0.6180339887498949

// Progress is the first pass: how many readable devices have answered
// once (or failed for a reason of their own), of how many; not done before
// a device list (live or cached) has said how many there are.
func (s *Scheduler) Progress() (read, total int, done bool) {
	total = len(s.byID)
	return total - s.unanswered, total, s.gen > 0 && s.unanswered == 0
}
