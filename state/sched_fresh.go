package state

import (
	"slices"
	"time"
)

// FreshWindow is how far back freshness is told.
const FreshWindow = 10 * time.Minute

// freshSamples bounds the reads remembered for freshness: at a large
// fleet the window holds the latest this many.
const freshSamples = 4096

// freshness remembers the latest data reads of devices already read once:
// when each was folded, whether it brought a new message, and how long
// after that message's time.
type freshness struct {
	ring []freshSample
	next int
}

type freshSample struct {
	at    time.Time
	news  bool
	delay time.Duration
}

func (f *freshness) read(at time.Time, news bool, delay time.Duration) {
	s := freshSample{at: at, news: news, delay: max(0, delay)}
	if len(f.ring) < freshSamples {
		f.ring = append(f.ring, s)
		return
	}
	f.ring[f.next] = s
	f.next = (f.next + 1) % freshSamples
}

// Fresh is how far behind the fleet picture is, over FreshWindow.
type Fresh struct {
	Reads int // data reads of devices already read once
	News  int // of them, those that brought a new message
	// Median and Worst delay from a new message's time to its fold.
	Median, Worst time.Duration
	ListEvery     time.Duration // the re-list interval at now's budget
	Fallback      string        // why the fleet is read round-robin ("" if not)
}

// Freshness tells how far behind the fleet picture is at now. It changes
// nothing.
func (s *Scheduler) Freshness(now time.Time) Fresh {
	out := Fresh{Fallback: s.Fallback()}
	if r := s.Rate(now); r > 0 {
		out.ListEvery = s.listEvery(r)
	}
	var delays []time.Duration
	for _, x := range s.chg.fresh.ring {
		if now.Sub(x.at) > FreshWindow || x.at.After(now) {
			continue
		}
		out.Reads++
		if x.news {
			out.News++
			delays = append(delays, x.delay)
		}
	}
	if len(delays) > 0 {
		slices.Sort(delays)
		out.Median, out.Worst = delays[len(delays)/2], delays[len(delays)-1]
	}
	return out
}
