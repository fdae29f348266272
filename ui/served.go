package ui

import "context"

// NoticeMsg is a line for the footer from whoever runs the console (the
// SSH server says there why ctrl+z did not suspend).
type NoticeMsg string

// Finish ends the console after its program: its view of a joined engine
// is closed (the engine runs on for the others), the databases it opened
// are given back, and an engine of its own saves and stops, within ctx.
// Run does it itself; whoever runs the program otherwise must call it.
func (m *Model) Finish(ctx context.Context) error { return m.finish(ctx) }
