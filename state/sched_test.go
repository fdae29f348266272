package state

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

func TestSchedulerPriorityBackoffAndPlans(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, _ := NewLedger("", "", now, nil)
	s := NewScheduler(l, 0.5)
	s.SetDevices([]api.Device{
		dev("HOSTED001", "a", "g", "m", "Hosted", now), dev("HOSTED002", "b", "g", "m", "Hosted", now),
		dev("NONEPLAN1", "c", "g", "m", "None", now),
	}, now)
	s.SetFocus("HOSTED002", false)
	s.SetVisible([]string{"HOSTED001", "NONEPLAN1"})
	r, ok, _ := s.Next(now)
	if !ok || r.Kind != KindList {
		t.Fatalf("first read %+v, want the list", r)
	}
	s.Done(r, now, nil)
	r, ok, _ = s.Next(now)
	if !ok || r.DeviceID != "HOSTED002" {
		t.Fatalf("second read %+v, want the focused device", r)
	}
	// One in flight per target: the focused device is not asked for twice.
	if r2, ok, _ := s.Next(now); ok {
		if r2.DeviceID == "HOSTED002" {
			t.Fatal("two reads of one target in flight")
		}
		s.Done(r2, now, nil)
	}
	if s.Ask(KindData, "NONEPLAN1") {
		t.Fatal("a data read of a plan None device was queued")
	}
	s.Done(r, now, nil)
	s.Ask(KindData, "HOSTED001")
	if r, ok, _ := s.Next(now); !ok || !r.User || r.DeviceID != "HOSTED001" {
		t.Fatalf("user action not first: %+v", r)
	}
	for i := 0; i < 50; i++ { // never a data read of the plan None device
		now = now.Add(time.Minute)
		if r, ok, _ := s.Next(now); ok {
			if r.DeviceID == "NONEPLAN1" {
				t.Fatal("polled a plan None device")
			}
			s.Done(r, now, nil)
		}
	}
	r, _, _ = s.Next(now.Add(time.Hour))
	s.Done(r, now, &api.Error{Op: api.OpGetData, Status: 429, RetryAfter: 40 * time.Second})
	if until, why := s.Backoff(now); until != now.Add(40*time.Second) || !strings.Contains(why, "429") {
		t.Fatalf("backoff %v %q, want Retry-After of 40s", until, why)
	}
	if _, ok, wait := s.Next(now.Add(10 * time.Second)); ok || wait != 30*time.Second {
		t.Fatalf("read during backoff: ok=%v wait=%v", ok, wait)
	}
	r, ok, _ = s.Next(now.Add(41 * time.Second))
	if !ok {
		t.Fatal("no read after the backoff")
	}
	s.Done(r, now.Add(41*time.Second), &api.Error{Op: api.OpGetData, Err: errors.New("connection refused")})
	if c := s.Conn(now.Add(42 * time.Second)); c.State != ConnOffline {
		t.Fatalf("a network failure reads as %v, not offline", c.State)
	}
	s.SetPaused(true)
	s.RetryNow(now.Add(42 * time.Second))
	if _, ok, _ := s.Next(now.Add(10 * time.Minute)); ok {
		t.Fatal("paused, yet a scheduled read")
	}
}

func TestQuietFocusedDeviceIsReadSlowly(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, _ := NewLedger("", "", now, nil)
	s := NewScheduler(l, 0.5)
	var list []api.Device
	for i := 0; i < 100; i++ {
		list = append(list, dev("HOSTED"+strconv.Itoa(100+i), "x", "g", "m", "Hosted", now))
	}
	s.SetDevices(list, now)
	s.SetFocus(list[0].DeviceID, false)
	if got := s.FocusInterval(now); got != FocusEvery {
		t.Fatalf("a live focused device with budget to spare: every %v, want %v", got, FocusEvery)
	}
	s.SetFocus(list[0].DeviceID, true)
	if got := s.FocusInterval(now); got != QuietEvery {
		t.Fatalf("a quiet focused device: every %v, want %v", got, QuietEvery)
	}
}

func TestQuietAndNeverSeenDevicesAreSpared(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, _ := NewLedger("", "", now, nil)
	s := NewScheduler(l, 0.5)
	var list []api.Device
	for i := 0; i < 50; i++ {
		list = append(list, dev("LIVE"+strconv.Itoa(10000+i), "x", "g", "m", "Hosted", now))
	}
	list = append(list, dev("STALEDEV1", "x", "g", "m", "Hosted", now.Add(-3*time.Hour)), dev("NEVERSEEN", "x", "g", "m", "Hosted", time.Time{}))
	s.SetDevices(list, now)
	s.SetVisible([]string{"STALEDEV1", "NEVERSEEN", list[0].DeviceID})
	reads := map[string]int{}
	for t0 := now; t0.Before(now.Add(20 * time.Minute)); t0 = t0.Add(time.Second) {
		for {
			r, ok, _ := s.Next(t0)
			if !ok {
				break
			}
			reads[r.DeviceID]++
			s.Done(r, t0, nil)
		}
	}
	if reads["NEVERSEEN"] != 0 {
		t.Errorf("a device never seen was read %d times", reads["NEVERSEEN"])
	}
	if reads["STALEDEV1"] != 1 {
		t.Errorf("a stale device on screen was read %d times in 20 minutes, want once", reads["STALEDEV1"])
	}
	if reads[list[0].DeviceID] < 10 {
		t.Errorf("a live device on screen was read %d times in 20 minutes", reads[list[0].DeviceID])
	}
}
