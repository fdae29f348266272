package ui

import (
	"testing"

	"sqc/api"
	"sqc/state"
	"sqc/state/live"
	"sqc/ui/look"
)

// Once the first pass is over, an answer about a device the screen does
// not show asks for no frame (the clock's frame brings the header's gauge
// up to date); one about a device on screen is drawn at the next frame.
func TestAnswerOffScreenWaitsForTheClock(t *testing.T) {
	m := benchModel(t, 200)
	m.list.SetSort(state.ColID, false) // places that answers do not move
	m.sh.Sched.SetDevices(nil, benchNow)
	if _, _, done := m.sh.Sched.Progress(); !done {
		t.Fatal("the first pass is not over")
	}
	_ = m.View()
	base := fixtureMessage(t)
	answer := func(i int) {
		t.Helper()
		d := m.list.Idx.At(i)
		page := &api.DataPage{DeviceID: d.DeviceID, Data: []api.DataMessage{messageAt(t, base, benchNow, 27)}}
		m.sh.View.Lock(func(live.Locked) { m.sh.Fleet.SetData(d.DeviceID, page, benchNow) })
		m.Update(engineMsg{view: m.sh.View, c: live.Changes{Devices: map[string]struct{}{d.DeviceID: {}}}})
	}
	answer(150)
	if m.frame.ticking || m.frame.draw {
		t.Fatal("an answer about a device off screen asked for a frame")
	}
	answer(3)
	if !m.frame.ticking {
		t.Fatal("an answer about a device on screen asked for no frame")
	}
	m.Update(frameMsg{})
	if !m.frame.draw {
		t.Fatal("the frame tick did not draw")
	}
}

// A word from the engine that changed nothing (its reads went on, none
// about this screen) draws nothing; the clock's second does.
func TestEmptyEngineWordDrawsNothing(t *testing.T) {
	m := benchModel(t, 50)
	m.sh.Sched.SetDevices(nil, benchNow) // the first pass is over
	_ = m.View()
	m.Update(engineMsg{view: m.sh.View})
	if m.frame.ticking || m.frame.draw {
		t.Fatal("an engine word that changed nothing asked for a frame")
	}
	m.Update(look.SecondMsg{})
	if !m.frame.ticking {
		t.Fatal("the clock's second asked for no frame: the ages would not move")
	}
}
