package live

import (
	"context"
	"strings"
	"sync"
	"testing"

	"sqc/api"
	"sqc/state/store"
)

// puts counts the rows of the device list written, of devices named
// KEEP… (the rig's own devices are listed by the engine meanwhile).
type puts struct {
	store.Store
	mu     sync.Mutex
	rows   []string
	listed int // of the rig's devices
}

func (p *puts) PutDevices(ctx context.Context, devs []store.Device) error {
	p.mu.Lock()
	for _, d := range devs {
		if strings.HasPrefix(d.ID, "KEEP") {
			p.rows = append(p.rows, d.ID)
		} else {
			p.listed++
		}
	}
	p.mu.Unlock()
	return p.Store.PutDevices(ctx, devs)
}

func (p *puts) written() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.rows, " ")
}

// A re-list rewrites only the devices whose listing changed: at 10,000
// devices every list rewrote every row. The database still holds each
// device as last listed.
func TestARelistWritesOnlyTheDevicesThatChanged(t *testing.T) {
	r := newRig(t, 5, nil)
	r.e.Close()
	e, db := r.dbEngine("", r.srv.URL)
	p := &puts{Store: db.Store}
	db.Store = p
	r.e = e
	e.Start()
	// the engine's own list first, so that it does not take the place of
	// one below before it is written
	eventually(t, "the rig's list kept", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.listed == 5
	})
	list := []api.Device{{DeviceID: "KEEP1", Name: "Pump"}, {DeviceID: "KEEP2", Name: "Genset"}, {DeviceID: "KEEP3", Name: "Tower"}}
	keep := func(devs []api.Device) {
		e.mu.Lock()
		e.keepList(append([]api.Device(nil), devs...), r.clock.Now())
		e.mu.Unlock()
	}
	keep(list)
	eventually(t, "the first list kept", func() bool { return p.written() == "KEEP1 KEEP2 KEEP3" })
	keep(list)
	list[1].Name = "Genset 2"
	keep(list)
	eventually(t, "the changed device kept", func() bool { return strings.Count(p.written(), "KEEP2") == 2 })
	if got := p.written(); got != "KEEP1 KEEP2 KEEP3 KEEP2" {
		t.Errorf("rows written by three lists: %s, want the first list and the one device that changed", got)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}
