package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
)

// The write commands read what they must, print every request they will
// send, ask once (default No), and send each request once through the
// gate the console uses, which refuses a read-only session and a device
// with no calls left and keeps the audit log.

// session is a write command's connection: a client that counts every
// request into the key's quota ledger, as the console does, and the gate.
type session struct {
	e      *env
	yes    bool // --yes: every question is answered yes
	client *api.Client
	gate   *state.Gate
	ledger *state.Ledger
	// dir and fp are where the key's bulk jobs are kept, as the
	// console keeps them ("" dir: nowhere, as in the demo).
	dir, fp string
	daily   int // the day's quota, once the account is listed; 0 before
}

// openSession connects for a write command; yes is its --yes.
func openSession(e *env, yes bool) (*session, error) {
	// The demo's cloud vanishes with the process: its counts and writes
	// are kept nowhere, as in the console's demo.
	dir := e.stateDir
	if e.o.demo {
		dir = ""
	}
	var ledger *state.Ledger
	var fp string
	conn, err := e.connectWith(func(key string, o *api.Options) {
		fp = keys.Fingerprint(key)
		ledger = e.ledgerFor(key)
		// A read retried by the client would spend another of a
		// non-Hosted device's 50 calls without the user seeing it.
		o.MaxRetries = -1
	})
	if err != nil {
		return nil, err
	}
	gate := &state.Gate{ReadOnly: e.readOnly(), Profile: e.profile, Audit: state.OpenAudit(ledger.Store(), e.log), Left: ledger.RemainingOf}
	return &session{e: e, yes: yes, client: conn.client, gate: gate, ledger: ledger, dir: dir, fp: fp}, nil
}

// close adds what the session spent to the ledger the console reads; a
// failure is said once, when the run ends (env.closeLedgers).
func (s *session) close() {
	_ = s.ledger.Save()
}

// openWriteSession opens the session of a write command that asks nothing
// on stdin, refusing before any request a write the gate or the terminal
// would refuse anyway.
func openWriteSession(e *env, yes bool, op api.Op) (*session, error) {
	s, err := openSession(e, yes)
	if err != nil {
		return nil, err
	}
	if err := s.writable(op); err != nil {
		s.close()
		return nil, err
	}
	if err := s.mayAsk(""); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// writable asks the gate, before any request, whether this session may
// write at all: a read-only one spends nothing, not even a read.
func (s *session) writable(op api.Op) error {
	return s.gate.Check(state.Write{Op: op})
}

// mayAsk refuses, before any request, a run that could never be
// confirmed: no --yes and no person at a terminal to answer.
func (s *session) mayAsk(stdinTaken string) error {
	switch {
	case s.yes:
		return nil
	case stdinTaken != "":
		return fmt.Errorf("%s come from stdin, so no one can answer y/N: add --yes to send; nothing was sent", stdinTaken)
	case !terminalIn(s.e.stdin):
		return errors.New("stdin is not a terminal, so no one can answer y/N: add --yes to send; nothing was sent")
	}
	return nil
}

// errNotConfirmed is a No: a script must not take it for a success.
var errNotConfirmed = errors.New("not confirmed: nothing was sent")

// confirm asks once whether to send; --yes answers for the user. Only y
// or yes is yes: enter, anything else and the end of input are No.
func (s *session) confirm(ctx context.Context, question string) error {
	if s.yes {
		return nil
	}
	fmt.Fprint(s.e.stderr, api.Clean(question)+" [y/N] ")
	answer, err := s.e.answer(ctx)
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(s.e.stderr)
		if ctx.Err() != nil {
			return errors.New("nothing was sent") // said after "stopped:"
		}
		return err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	if errors.Is(err, io.EOF) {
		fmt.Fprintln(s.e.stderr)
	}
	return errNotConfirmed
}

// spent says on stderr what reading a non-Hosted device cost, after the
// fact: its 50 calls a month are the user's to count.
func (s *session) spent(id string, remaining *int) {
	if remaining != nil {
		fmt.Fprintf(s.e.stderr, "sqc: %s is not on a Hosted plan: 1 call spent: %d left this month\n", id, *remaining)
	}
}

// send makes one write through the gate, with the time a one-shot call has.
func (s *session) send(ctx context.Context, w state.Write) (api.Result, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return s.gate.Send(ctx, s.client, w)
}

// unknownOutcome reports a write that may or may not have happened (a
// 5xx, a dropped connection): it is read back, never sent blindly again.
func unknownOutcome(err error) bool {
	var e *api.Error
	return errors.As(err, &e) && e.Unknown
}

// confirmation is what the gate shows before a write, each line cleaned.
func (s *session) confirmation(w state.Write) ([]string, error) {
	lines, err := s.gate.Confirmation(s.client, w)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = cell(l, colShown, s.e.ellipsis())
	}
	return out, nil
}

// colShown bounds a line of a confirmation: an old value the server sent
// may be 50 KB, the request itself is what the user typed.
const colShown = 4096

// maxLine bounds a line read from stdin: an answer, an ID, a password.
const maxLine = 4096

// readLine reads one line of stdin without its end; ctrl+c (ctx) stops
// the wait even while the terminal holds the line.
func (e *env) readLine(ctx context.Context) (string, error) {
	type answer struct {
		s   string
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		s, err := e.nextLine()
		ch <- answer{s, err}
	}()
	select {
	case a := <-ch:
		return a.s, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// nextLine reads one line of stdin, bounded, without its end (LF or CRLF).
// io.EOF comes with the last line only when it is empty.
func (e *env) nextLine() (string, error) {
	r := e.input()
	var b []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) && len(b) > 0 {
				err = nil
			}
			return trimCR(b), err
		}
		if c == '\n' {
			return trimCR(b), nil
		}
		if len(b) == maxLine {
			return "", fmt.Errorf("a line of stdin is longer than %d bytes", maxLine)
		}
		b = append(b, c)
	}
}

func trimCR(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return string(b)
}

// answer reads the answer to a question: from the terminal when stdin
// is one, else a line of stdin (the tests' stand-in for a terminal).
func (e *env) answer(ctx context.Context) (string, error) {
	if tty, ok := openTTY(e.stdin); ok {
		defer tty.Close()
		return ttyLine(ctx, tty)
	}
	return e.readLine(ctx)
}

// readSecret reads a secret from stdin: at a terminal from a prompt that
// does not echo, else the first line of what is piped. Never from argv.
func (e *env) readSecret(ctx context.Context, prompt string) (string, error) {
	tty, ok := openTTY(e.stdin)
	if !ok {
		return e.readLine(ctx)
	}
	defer tty.Close()
	fmt.Fprint(e.stderr, prompt)
	s, err := ttySecret(ctx, tty)
	fmt.Fprintln(e.stderr)
	return s, err
}

// listFrom is how many devices a run must have before it lists the
// account first: one request that lets the rest go at the account's rate.
const listFrom = 4

// learn lists the account before a run over many devices: the client
// then goes at the account's rate rather than one request a second, a run
// that would overrun today's quota is refused, and each device's plan and
// calls left reach the gate before its config is read. A listing that
// fails leaves the run at one request a second.
func (s *session) learn(ctx context.Context, ids []string, perDevice int) (map[string]api.Device, error) {
	known := map[string]api.Device{}
	if len(ids) < listFrom {
		return known, nil
	}
	var r *api.ListReport
	err := s.patiently(ctx, func(lctx context.Context) (err error) {
		r, err = s.client.ListDevicesReport(lctx)
		if r != nil && len(r.Devices) > 0 {
			return nil // a listing cut short still tells what it got
		}
		return err
	})
	if err != nil && (r == nil || len(r.Devices) == 0) {
		warn(s.e, "the account could not be listed (%v): going at 1 request a second", err)
		return known, nil
	}
	lim := api.LimitsFor(r.Devices)
	s.daily = lim.Daily
	need := perDevice * len(ids)
	if used := s.ledger.UsedToday(time.Now()); used+need > lim.Daily {
		return nil, fmt.Errorf("this run needs up to %d requests and %d of today's %d are used (the quota resets at 00:00 UTC): nothing was sent", need, used, lim.Daily)
	}
	for _, d := range r.Devices {
		known[d.DeviceID] = d
		if d.Plan != api.PlanHosted && d.Remaining != nil {
			s.ledger.NoteRemaining(d.DeviceID, *d.Remaining)
		}
	}
	return known, nil
}
