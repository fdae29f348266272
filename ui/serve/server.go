package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"sqc/state/live"
)

// Defaults of the command's flags.
const (
	DefaultListen      = "127.0.0.1:2323"
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxSessions = 50
	DefaultMaxPerKey   = 10
	// handshakeTimeout sheds a connection that never signs in: a client
	// opening hundreds of them holds nothing for long.
	handshakeTimeout = 20 * time.Second
)

// Options is what a server is built from.
type Options struct {
	Engine  *live.Engine
	Profile string
	// StateDir keeps what each console keeps of its own (drafts).
	StateDir string
	Access   *AccessFile
	HostKey  gossh.Signer
	// IdleTimeout ends a session with no key, mouse or resize for that
	// long (DefaultIdleTimeout when 0; negative: never).
	IdleTimeout time.Duration
	// MaxSessions caps the sessions at once, MaxPerKey those of one key,
	// so one engineer's runaway script cannot shut the others out.
	MaxSessions, MaxPerKey int
	ASCII                  bool
	Log                    *slog.Logger // nil discards
	// DialogGuard is passed to each console (tests set it negative).
	DialogGuard time.Duration
}

// Server serves a console per SSH session over one engine.
type Server struct {
	o   Options
	srv *ssh.Server

	mu        sync.Mutex
	closed    bool
	listeners []net.Listener
	sessions  int
	perKey    map[string]int
	wg        sync.WaitGroup // sessions running
}

// New builds the server; Serve starts it.
func New(o Options) (*Server, error) {
	if o.Engine == nil || o.Access == nil || o.HostKey == nil {
		return nil, errors.New("serve: a server needs an engine, authorized keys and a host key")
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.MaxPerKey <= 0 {
		o.MaxPerKey = DefaultMaxPerKey
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	routeLibLog(o.Log)
	s := &Server{o: o, perKey: map[string]int{}}
	srv, err := wish.NewServer(
		wish.WithPublicKeyAuth(s.allow),
		wish.WithMiddleware(
			bm.MiddlewareWithProgramHandler(s.program),
			s.admit,
			needTerminal,
			s.guard,
		),
	)
	if err != nil {
		return nil, err
	}
	srv.AddHostKey(o.HostKey)
	// password and keyboard-interactive stay off: only a listed key gets in
	srv.PasswordHandler, srv.KeyboardInteractiveHandler = nil, nil
	srv.HandshakeTimeout = handshakeTimeout
	srv.ConnectionFailedCallback = func(c net.Conn, err error) {
		o.Log.Info("connection failed", "remote", c.RemoteAddr().String(), "err", err)
	}
	s.srv = srv
	return s, nil
}

// Serve accepts connections on l until Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	// a Shutdown before the server takes the listener would not see it
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return l.Close()
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	err := s.srv.Serve(l)
	if errors.Is(err, ssh.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, ends every session (each console closes its
// view) and waits for them within ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	ls := s.listeners
	s.mu.Unlock()
	for _, l := range ls {
		_ = l.Close()
	}
	err := s.srv.Close() // closes the connections: each session's context ends
	done := make(chan struct{})
	go func() {
		defer func() { _ = recover() }()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("sessions still ending: %w", ctx.Err())
	}
	if errors.Is(err, ssh.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Sessions is how many sessions are open.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// allow lets in a key the authorized_keys file lists, as it is now.
func (s *Server) allow(ctx ssh.Context, key ssh.PublicKey) bool {
	a, err := s.o.Access.Current()
	if err != nil {
		s.o.Log.Warn("sign-in refused: authorized keys unreadable", "err", err, "remote", ctx.RemoteAddr().String())
		return false
	}
	if _, ok := a.Lookup(key); !ok {
		s.o.Log.Info("sign-in refused: unknown key", "key", gossh.FingerprintSHA256(key), "remote", ctx.RemoteAddr().String())
		return false
	}
	return true
}

// memberOf is who the session signed in as: looked up again from the key
// the connection proved it holds, not from what the sign-in callback last
// saw (a client may ask about keys it does not hold before it signs).
func (s *Server) memberOf(sess ssh.Session) (Member, bool) {
	a, err := s.o.Access.Current()
	if err != nil {
		return Member{}, false
	}
	return a.Lookup(sess.PublicKey())
}
