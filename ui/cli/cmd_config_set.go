package cli

import (
	"context"
	"fmt"
	"time"

	"sqc/api"
	"sqc/state"
)

// assignment is one key=value of the command line, the value as typed.
type assignment struct{ key, text string }

func parseAssignments(args []string) ([]assignment, error) {
	var out []assignment
	seen := map[string]bool{}
	for _, a := range args {
		k, v, err := state.ParseAssignment(a)
		if err != nil {
			return nil, err
		}
		if seen[k] {
			return nil, fmt.Errorf("%s is given twice: give each setting once", k)
		}
		seen[k] = true
		out = append(out, assignment{k, v})
	}
	return out, nil
}

// devicePlan is what becomes of one device: the write to send, or why
// nothing is sent to it.
type devicePlan struct {
	id      string
	w       state.Write
	lines   []string // the confirmation: diff, request, cost
	skipped error    // not read, or refused by the gate: a failure
}

func (p *devicePlan) sends() bool { return p.skipped == nil && len(p.w.Changes) > 0 }

func runConfigSet(ctx context.Context, e *env, o *configSetOpts, args []string) error {
	if o.resume {
		return runConfigResume(ctx, e, o, args)
	}
	sets, err := parseAssignments(args[1:])
	if err != nil {
		return usagef("%v", err)
	}
	fromStdin := args[0] == "-"
	var ids []string
	if !fromStdin {
		if ids, err = splitIDs(args[0]); err != nil {
			return usagef("%v", err)
		}
	}
	s, err := openSession(e, o.yes)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.writable(api.OpUpdateConfig); err != nil {
		return err
	}
	// Without anyone to answer y/N the change is still read and shown,
	// so a script sees what --yes would send before it sends it.
	noAnswer := noOneToAsk(e, o, fromStdin)
	if fromStdin {
		if ids, err = readIDs(ctx, e); err != nil {
			return err
		}
	}
	plans, err := planConfig(ctx, s, ids, sets)
	if err != nil {
		return err
	}
	n := showPlans(e, plans)
	if n == 0 {
		return finish(e, plans, "every device has these values already: nothing to send")
	}
	what := api.Plural(n, "config update")
	switch {
	case o.dryRun:
		fmt.Fprintf(e.stdout, "dry run: nothing was sent; without --dry-run the %s above would be.\n", what)
		return finish(e, plans, "")
	case noAnswer != "":
		return fmt.Errorf("%s, so no one can answer y/N: nothing was sent. --yes sends the %s shown above", noAnswer, what)
	}
	q := fmt.Sprintf("Send %d config updates, one to each of %d devices?", n, n)
	if n == 1 {
		for _, p := range plans {
			if p.sends() {
				q = "Send this config update to " + p.id + "?"
			}
		}
	}
	if err := s.confirm(ctx, q); err != nil {
		return err
	}
	var send []state.Write
	for i := range plans {
		p := &plans[i]
		switch {
		case p.skipped != nil:
			fmt.Fprintf(e.stdout, "%s  not sent: %s\n", p.id, api.Clean(p.skipped.Error()))
		case !p.sends():
			fmt.Fprintf(e.stdout, "%s  unchanged\n", p.id)
		default:
			send = append(send, p.w)
		}
	}
	// Sent as the console sends a bulk change: a job kept after every
	// device, so that a run stopped half way is resumed, none twice.
	db, err := s.openJobs()
	if err != nil {
		return err
	}
	defer db.Close()
	job := state.NewBulkJobOf(db.store(), s.fp, e.profile, send, time.Now())
	if err := job.Save(); err != nil {
		return fmt.Errorf("the job could not be saved, so a stop could not be resumed: %v: nothing was sent", err)
	}
	failed, err := s.sendJob(ctx, job)
	if err != nil {
		return err
	}
	for _, p := range plans {
		if p.skipped != nil {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s failed", failed, api.Plural(len(plans), "device"))
	}
	return nil
}

// noOneToAsk says why no one can confirm a send, or "" when someone can
// (a person at the terminal) or need not (--yes, --dry-run).
func noOneToAsk(e *env, o *configSetOpts, idsFromStdin bool) string {
	switch {
	case o.yes || o.dryRun:
		return ""
	case idsFromStdin:
		return "the device IDs come from stdin"
	case !terminalIn(e.stdin):
		return "stdin is not a terminal"
	}
	return ""
}

// planConfig reads each device's config and turns the settings into its
// change, typed as the device has them. A setting a device lacks or a
// value of the wrong type stops everything before any write: it is the
// command that is wrong. A device that cannot be read is skipped.
func planConfig(ctx context.Context, s *session, ids []string, sets []assignment) ([]devicePlan, error) {
	known, err := s.learn(ctx, ids, 2)
	if err != nil {
		return nil, err
	}
	plans := make([]devicePlan, len(ids))
	var refused []string
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := &plans[i]
		p.id = id
		p.w = state.Write{Op: api.OpUpdateConfig, Device: api.Device{DeviceID: id}}
		if d, ok := known[id]; ok {
			p.w.Device = d
		}
		// A device the ledger knows has no calls left is not even read.
		if p.skipped = s.gate.Check(p.w); p.skipped != nil {
			continue
		}
		var cr *api.ConfigResponse
		err := s.patiently(ctx, func(rctx context.Context) (err error) {
			cr, err = s.client.GetConfig(rctx, id)
			return err
		})
		if err != nil {
			p.skipped = err
			continue
		}
		s.spent(id, cr.Remaining)
		if cr.Remaining != nil {
			p.w.Device.Remaining = cr.Remaining
		}
		for _, a := range sets {
			old, ok := cr.Config.Get(a.key)
			if !ok {
				refused = append(refused, fmt.Sprintf("%s has no setting %s (sqc config get %s lists them)", id, a.key, id))
				continue
			}
			v, err := state.ParseValue(a.key, old, a.text)
			if err != nil {
				refused = append(refused, id+": "+err.Error())
				continue
			}
			p.w.Changes = state.Stage(p.w.Changes, state.Change{Key: a.key, Old: old, New: v})
		}
		if len(p.w.Changes) > 0 && len(refused) == 0 {
			if p.lines, err = s.confirmation(p.w); err != nil {
				p.skipped = err
			}
		}
	}
	switch len(refused) {
	case 0:
		return plans, nil
	case 1:
		return nil, fmt.Errorf("%s: nothing was sent", refused[0])
	}
	for _, r := range refused {
		fmt.Fprintln(s.e.stderr, "sqc: "+api.Clean(r))
	}
	return nil, fmt.Errorf("%d settings refused (above): nothing was sent", len(refused))
}

// showPlans prints each device's change and request, then each device
// skipped with why; it returns how many writes are to be sent.
func showPlans(e *env, plans []devicePlan) int {
	n := 0
	for i := range plans {
		if p := &plans[i]; p.sends() {
			n++
			fmt.Fprintln(e.stdout, p.id)
			showLines(e, p.lines)
		}
	}
	others := false
	for i := range plans {
		switch p := &plans[i]; {
		case p.skipped != nil:
			fmt.Fprintf(e.stdout, "%s  skipped: %s\n", p.id, api.Clean(p.skipped.Error()))
		case !p.sends():
			fmt.Fprintf(e.stdout, "%s  unchanged: it has these values already\n", p.id)
		default:
			continue
		}
		others = true
	}
	if others {
		fmt.Fprintln(e.stdout)
	}
	return n
}

// showLines prints a confirmation under its heading, then a blank line.
func showLines(e *env, lines []string) {
	for _, l := range lines {
		if l != "" {
			l = "  " + l
		}
		fmt.Fprintln(e.stdout, l)
	}
	fmt.Fprintln(e.stdout)
}

// finish is the exit of a command over many devices: 1 when any failed.
func finish(e *env, plans []devicePlan, nothing string) error {
	failed := 0
	for _, p := range plans {
		if p.skipped != nil {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s failed", failed, api.Plural(len(plans), "device"))
	}
	if nothing != "" {
		_, err := fmt.Fprintln(e.stdout, nothing)
		return err
	}
	return nil
}
