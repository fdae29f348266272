package serve

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"

	"sqc/ui"
)

// finishWait bounds how long an ended session waits for its console to
// give back its view and databases.
const finishWait = 3 * time.Second

// session is what one SSH session holds while its console runs.
type session struct {
	member Member
	ctx    context.Context
	cancel context.CancelFunc
	model  *ui.Model
	last   atomic.Int64 // unix nanoseconds of the last key, mouse or resize
	idled  atomic.Bool
}

type sessionKey struct{}

func sessionOf(sess ssh.Session) *session {
	st, _ := sess.Context().Value(sessionKey{}).(*session)
	return st
}

// guard logs each session's start and end and keeps a panic in it to
// that session: the others and the engine run on.
func (s *Server) guard(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		start := time.Now()
		who := "?"
		if m, ok := s.memberOf(sess); ok {
			who = m.Name
		}
		log := s.o.Log.With("who", who, "remote", sess.RemoteAddr().String())
		log.Info("session opened")
		defer func() {
			if r := recover(); r != nil {
				log.Error("session panicked", "panic", r, "stack", string(debug.Stack()))
				wish.Fatalln(sess, "sqc serve: this session failed (the server runs on); ssh again")
			}
			log.Info("session closed", "after", time.Since(start).Round(time.Second).String())
		}()
		next(sess)
	}
}

// needTerminal turns away a session without a terminal (`ssh host` with
// a command, or from a script) with one line that says what to do.
func needTerminal(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, ok := sess.Pty(); !ok {
			wish.Fatalln(sess, "sqc serve runs a console and needs a terminal: connect with ssh -t")
			return
		}
		next(sess)
	}
}

// admit holds the session's place under the caps, runs its console and,
// once the console has ended, gives everything it held back.
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		m, ok := s.memberOf(sess)
		if !ok {
			wish.Fatalln(sess, "sqc serve: this key is no longer in the server's authorized keys; ask whoever runs it")
			return
		}
		if refused := s.take(m); refused != "" {
			s.o.Log.Info("session refused", "who", m.Name, "why", refused)
			wish.Fatalln(sess, "sqc serve: "+refused)
			return
		}
		defer s.release(m)
		st := &session{member: m}
		st.ctx, st.cancel = context.WithCancel(sess.Context())
		defer st.cancel()
		st.last.Store(time.Now().UnixNano())
		sess.Context().SetValue(sessionKey{}, st)
		next(sess)
		if st.model != nil {
			wait, cancel := context.WithTimeout(context.Background(), finishWait)
			if err := st.model.Finish(wait); err != nil {
				s.o.Log.Warn("session's console did not finish cleanly", "who", m.Name, "err", err)
			}
			cancel()
		}
		if st.idled.Load() {
			wish.Println(sess, fmt.Sprintf("sqc serve: no key for %s, so this session is closed; ssh again to go on", s.o.IdleTimeout))
		}
	}
}

// take counts the session in, or says which cap it would pass.
func (s *Server) take(m Member) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return "the server is stopping"
	case s.sessions >= s.o.MaxSessions:
		return fmt.Sprintf("the server has its limit of %d sessions open; try again later (or ask whoever runs it for a higher --max-sessions)", s.o.MaxSessions)
	case s.perKey[m.Name] >= s.o.MaxPerKey:
		return fmt.Sprintf("%s has %d sessions open already, the most one key may have; close one (Q) and try again", m.Name, s.o.MaxPerKey)
	}
	s.sessions++
	s.perKey[m.Name]++
	s.wg.Add(1)
	return ""
}

func (s *Server) release(m Member) {
	s.mu.Lock()
	s.sessions--
	if s.perKey[m.Name]--; s.perKey[m.Name] <= 0 {
		delete(s.perKey, m.Name)
	}
	s.mu.Unlock()
	s.wg.Done()
}

// program is the session's console: one more view of the engine, read-only
// for a viewer, its writes recorded under the member's name, drawn with
// the client's terminal, colours and size.
func (s *Server) program(sess ssh.Session) *tea.Program {
	st := sessionOf(sess)
	if st == nil {
		return nil
	}
	cfg := ui.Config{Profile: s.o.Profile, KeySource: "server", Engine: s.o.Engine, StateDir: s.o.StateDir,
		ReadOnly: !st.member.Writer, Who: st.member.Name, Remote: true, ASCII: s.o.ASCII || !utf8Env(sess.Environ()),
		Log: s.o.Log.With("who", st.member.Name), DialogGuard: s.o.DialogGuard}
	st.model = ui.New(st.ctx, cfg)
	opts := append(bm.MakeOptions(sess), tea.WithInput(quietInput{st.ctx}), tea.WithContext(st.ctx),
		tea.WithoutSignalHandler(), tea.WithFilter(st.filter))
	p := tea.NewProgram(st.model, opts...)
	pty, _, _ := sess.Pty()
	go s.feedInput(st, sess, pty.Term, p)
	if s.o.IdleTimeout > 0 {
		go s.watchIdle(st, p)
	}
	return p
}

// filter marks the session active on what a person does, and turns the
// suspend a remote console cannot do (it would stop the server's process
// for everyone) into a line saying so.
func (st *session) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	switch msg.(type) {
	case tea.SuspendMsg:
		return ui.NoticeMsg("ctrl+z does not suspend a console served over SSH: Q ends this session, the server runs on")
	case tea.KeyPressMsg, tea.MouseMsg, tea.PasteMsg, tea.WindowSizeMsg:
		st.last.Store(time.Now().UnixNano())
	}
	if runsAProcess(msg) {
		return ui.NoticeMsg("the editor (E) opens only in a local console: served, it would run on the server; edit a key with enter")
	}
	return msg
}

// runsAProcess reports whether msg is Bubble Tea's order to run a process
// (tea.ExecProcess, the config's editor) in the console's terminal. Served,
// the process would run on the server, as the server's user, and its
// input is the console's own.
func runsAProcess(msg tea.Msg) bool {
	t := reflect.TypeOf(msg)
	return t != nil && t.Name() == "execMsg" && t.PkgPath() == reflect.TypeFor[tea.QuitMsg]().PkgPath()
}

// watchIdle ends the session's program once no one has touched it for the
// idle timeout; admit then says why.
func (s *Server) watchIdle(st *session, p *tea.Program) {
	defer func() {
		if r := recover(); r != nil {
			s.o.Log.Error("idle watch panicked", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	t := time.NewTimer(s.o.IdleTimeout)
	defer t.Stop()
	for {
		select {
		case <-st.ctx.Done():
			return
		case <-t.C:
			idle := time.Since(time.Unix(0, st.last.Load()))
			if idle >= s.o.IdleTimeout {
				st.idled.Store(true)
				p.Quit()
				return
			}
			t.Reset(s.o.IdleTimeout - idle)
		}
	}
}

// utf8Env reports whether the client's locale (as ssh sent it) takes
// UTF-8; a client that sends none is taken to.
func utf8Env(env []string) bool {
	vals := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vals[k] = v
	}
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := vals[k]; v != "" {
			v = strings.ToLower(v)
			return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
		}
	}
	return true
}
