package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
)

// devicesLoadedMsg is the answer to List All Devices. reqID drops answers
// to requests that a newer one has replaced.
type devicesLoadedMsg struct {
	reqID   int
	devices []api.Device
	err     error
	at      time.Time
}

func loadDevices(ctx context.Context, c *api.Client, reqID int) tea.Cmd {
	return func() tea.Msg {
		devices, err := c.ListDevices(ctx)
		return devicesLoadedMsg{reqID: reqID, devices: devices, err: err, at: time.Now()}
	}
}
