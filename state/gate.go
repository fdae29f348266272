package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"sqc/api"
)

// Write is one change the user asked to make on the server.
type Write struct {
	Op     api.Op
	Device api.Device // its ID, and its plan: a non-Hosted device has 50 calls a month
	// one of these, by Op
	Changes  []Change           // Update Device Config
	User     api.AddUserRequest // Add a User to a Device
	FileName string             // Load File onto Device
	File     []byte
	// Who is the name the write is made and audited under: the engineer
	// at a shared console; "" is the OS user (LocalName).
	Who string
}

// What names the write in a line: "config of JDA54E19F (2 settings)".
func (w Write) What() string {
	switch w.Op {
	case api.OpUpdateConfig:
		return fmt.Sprintf("config of %s (%d setting%s)", w.Device.DeviceID, len(w.Changes), map[bool]string{true: "", false: "s"}[len(w.Changes) == 1])
	case api.OpAddUser:
		return "add " + w.Device.DeviceID + " to the account"
	case api.OpLoadFile:
		return "load " + w.FileName + " onto " + w.Device.DeviceID
	}
	return string(w.Op) + " " + w.Device.DeviceID
}

// ErrReadOnly refuses every write of a read-only session.
var ErrReadOnly = errors.New("read-only session (--read-only, or read_only = true in the profile): nothing is sent")

// BudgetError refuses a write to a non-Hosted device with no calls left.
type BudgetError struct {
	DeviceID string
	Resets   time.Time
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("%s has no API calls left this month (50 a month without a Hosted plan): nothing is sent; the allowance returns %s", e.DeviceID, e.Resets.Format("2 Jan"))
}

// Gate is the one way a write leaves the program, from the console and
// from the command line alike: it refuses every write of a read-only
// session and a non-Hosted device's write when it has no calls left,
// sends once (the client never retries a write), and appends what was
// sent and what came back to the audit log.
type Gate struct {
	ReadOnly bool
	Profile  string
	// Left tells a device's calls left this month, when known.
	Left  func(id string) (int, bool)
	Audit *Audit // nil keeps no log
	Now   func() time.Time
}

func (g *Gate) now() time.Time {
	if g.Now == nil {
		return time.Now()
	}
	return g.Now()
}

// CallsLeft is the calls a non-Hosted device has left this month: known
// false for a Hosted device or one not counted yet.
func (g *Gate) CallsLeft(d api.Device) (int, bool) {
	if g == nil || d.Plan == api.PlanHosted {
		return 0, false
	}
	if g.Left != nil {
		if n, ok := g.Left(d.DeviceID); ok {
			return n, true
		}
	}
	if d.Remaining != nil {
		return *d.Remaining, true
	}
	return 0, false
}

// Check says whether a write may be sent at all, before anyone is asked.
func (g *Gate) Check(w Write) error {
	if g.ReadOnly {
		return ErrReadOnly
	}
	if n, ok := g.CallsLeft(w.Device); ok && n <= 0 && w.Op != api.OpAddUser {
		return &BudgetError{DeviceID: w.Device.DeviceID, Resets: api.NextMonth(g.now())}
	}
	return nil
}

// Preview is the exact request a write sends, for the confirm.
func (g *Gate) Preview(c *api.Client, w Write) (api.Preview, error) {
	switch w.Op {
	case api.OpUpdateConfig:
		p, err := Partial(w.Changes)
		if err != nil {
			return api.Preview{}, err
		}
		return c.PreviewUpdateConfig(w.Device.DeviceID, p)
	case api.OpAddUser:
		return c.PreviewAddUser(w.Device.DeviceID, w.User)
	case api.OpLoadFile:
		return c.PreviewLoadFile(w.Device.DeviceID, w.FileName, w.File)
	}
	return api.Preview{}, fmt.Errorf("%s is not a write", w.Op)
}

// Confirmation is what the user is shown before saying yes: the change,
// the request, and the cost to a non-Hosted device.
func (g *Gate) Confirmation(c *api.Client, w Write) ([]string, error) {
	if err := g.Check(w); err != nil {
		return nil, err
	}
	p, err := g.Preview(c, w)
	if err != nil {
		return nil, err
	}
	var out []string
	if w.Op == api.OpUpdateConfig {
		out = append(out, DiffLines(w.Changes)...)
		out = append(out, "")
	}
	out = append(out, p.Lines()...)
	if n, ok := g.CallsLeft(w.Device); ok && w.Op != api.OpAddUser {
		out = append(out, "", fmt.Sprintf("%s is not Hosted: this costs 1 of its %d API calls left this month.", w.Device.DeviceID, n))
	}
	return out, nil
}

// Send makes the write once and records it with its outcome (OutcomeOf).
// A 202 is "queued": the device applies it at its next check-in. An
// unknown outcome (5xx, a connection lost after the request may have
// left) is settled by a read-back before anything offers to send again.
func (g *Gate) Send(ctx context.Context, c *api.Client, w Write) (api.Result, error) {
	if err := g.Check(w); err != nil {
		return api.Result{}, err
	}
	var res api.Result
	var err error
	switch w.Op {
	case api.OpUpdateConfig:
		var p api.Config
		if p, err = Partial(w.Changes); err == nil {
			res, err = c.UpdateConfig(ctx, w.Device.DeviceID, p)
		}
	case api.OpAddUser:
		res, err = c.AddUser(ctx, w.Device.DeviceID, w.User)
	case api.OpLoadFile:
		res, err = c.LoadFile(ctx, w.Device.DeviceID, w.FileName, w.File)
	default:
		err = fmt.Errorf("%s is not a write", w.Op)
	}
	if aerr := g.Audit.Record(g.now(), g.Profile, w, res, err); aerr != nil && err == nil {
		err = fmt.Errorf("sent (%d %s), but the audit log could not be written: %w", res.Status, res.Message, aerr)
		return res, &auditError{err}
	}
	return res, err
}

// auditError marks a write that went through but was not logged.
type auditError struct{ error }

// OutcomeOf is which of the four outcomes Send's write had: a write taken
// whose audit line failed is taken all the same.
func OutcomeOf(err error) api.Outcome {
	var ae *auditError
	if errors.As(err, &ae) {
		return api.Taken
	}
	return api.WriteOutcome(err)
}

// WentOut reports whether Send's write reached the server and was taken:
// no error, or only the audit log failed after it.
func WentOut(err error) bool { return OutcomeOf(err) == api.Taken }

func (e *auditError) Unwrap() error { return errors.Unwrap(e.error) }

// Outcome says in a few words how a write ended, for a toast or a line:
// its outcome first, in the same words everywhere.
func Outcome(res api.Result, err error) string {
	var ae *auditError
	switch OutcomeOf(err) {
	case api.Unknown:
		return "outcome unknown: " + err.Error()
	case api.Refused:
		return "refused: " + err.Error()
	case api.NotSent:
		return "not sent: " + err.Error()
	}
	switch {
	case errors.As(err, &ae):
		return ae.Error()
	case res.Queued():
		return "queued (202): the device applies it at its next check-in"
	}
	msg := strings.TrimSpace(res.Message)
	if msg == "" {
		msg = "done"
	}
	return fmt.Sprintf("%d %s", res.Status, msg)
}
