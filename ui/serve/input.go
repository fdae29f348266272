package serve

import (
	"context"
	"io"
	"runtime/debug"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
)

// A served console reads its session's input itself rather than through
// Bubble Tea's reader. That reader (v2.2.0) hands each event to the
// program on a channel without watching whether the program has ended:
// bytes read as a session ends (a key typed as it quits, a terminal's
// late answer to a query, half an escape sequence) left it blocked for
// ever, holding the session's whole console. Ours hands events over with
// Program.Send, which gives up once the program is done, and keeps
// draining until its reader stops.

// feedInput turns what the client sends (keys, mouse, paste, the
// terminal's answers to the program's queries) into events for p, until
// the session ends or its input does.
func (s *Server) feedInput(st *session, in io.Reader, term string, p *tea.Program) {
	events := make(chan uv.Event)
	go func() {
		defer close(events)
		defer func() {
			if r := recover(); r != nil {
				s.o.Log.Error("session input panicked", "who", st.member.Name, "panic", r, "stack", string(debug.Stack()))
			}
		}()
		if err := uv.NewTerminalReader(in, term).StreamEvents(st.ctx, events); err != nil {
			s.o.Log.Debug("session input ended", "who", st.member.Name, "err", err)
		}
	}()
	for ev := range events {
		p.Send(ev)
	}
}

// quietInput is the input Bubble Tea is given: nothing to read until the
// session ends. Giving it an input at all (rather than none) keeps what it
// does only for a program that reads: it asks the terminal for its
// background colour (light or dark styles), synchronized output (mode
// 2026) and its keyboard protocols, and the answers come back through
// feedInput.
type quietInput struct{ ctx context.Context }

func (q quietInput) Read([]byte) (int, error) {
	<-q.ctx.Done()
	return 0, io.EOF
}
