package cli

import (
	"context"
	"fmt"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/store"
)

// A change to many devices goes out by the console's rules (state.BulkRun):
// the job kept in the state database after every device, the 429's wait, the
// day's quota, a backoff after network failures. A run stopped half way
// (ctrl+c, SIGTERM, a refused key, the network gone) is taken up by
// `sqc config set --resume`, or by the console at its next start, and no
// device is sent twice.

// offlineTries is how many network failures in a row end a run: it
// backs off between them (2 s, then 4 s), then stops, resumable.
const offlineTries = 3

// jobsDB is the database a session's bulk jobs are kept in; nil keeps
// them nowhere (the demo).
type jobsDB struct{ db *state.DB }

// openJobs opens the database of the session's profile and key. One
// that cannot be opened is an error: a job that is not kept could not be resumed, so none is sent.
func (s *session) openJobs() (jobsDB, error) {
	if s.dir == "" {
		return jobsDB{}, nil
	}
	db, err := state.OpenDB(s.dir, s.e.profile, s.fp, time.Now(), s.e.log)
	if err != nil {
		return jobsDB{}, fmt.Errorf("bulk changes are kept in the state database, so that a stop can be resumed, and it could not be opened: %w: nothing was sent", err)
	}
	// What opening it set aside was said when the session's ledger opened
	// it (ledgerFor): the process shares one database per profile and key.
	return jobsDB{db}, nil
}

func (j jobsDB) store() store.Store {
	if j.db == nil {
		return nil
	}
	return j.db
}

func (j jobsDB) Close() {
	if j.db != nil {
		j.db.Close()
	}
}

// resumeHint says how a stopped job is taken up.
func (s *session) resumeHint(job *state.BulkJob) string {
	if !job.Kept() {
		return "the demo keeps no job to resume"
	}
	return "the rest is kept: sqc config set --resume sends it, none twice (the console offers it at its next start too)"
}

// sendJob sends the job's pending devices, a line each, and says how many
// did not take the change. It returns an error when the run stopped
// before its end, saying how to resume it.
func (s *session) sendJob(ctx context.Context, job *state.BulkJob) (int, error) {
	e := s.e
	run := state.NewBulkRun(job, time.Now(), 0, 0)
	run.MaxOffline = offlineTries
	said := ""
	for {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%d of %s sent; %s", job.Sent(), api.Plural(len(job.Items), "device"), s.resumeHint(job))
		}
		now := time.Now()
		step := run.Next(now, state.BulkPace{UsedToday: s.ledger.UsedToday(now), Daily: s.daily}, s.gate.Check)
		if step.Err != nil {
			return 0, fmt.Errorf("%v; %s", step.Err, s.resumeHint(job))
		}
		switch step.Do {
		case state.BulkFinished:
			// the command line does not read back: a finished run is not
			// offered to the console to read back
			job.Settled = true
			if err := job.Save(); err != nil {
				warn(e, "the job could not be saved: %v", err)
			}
			return failedOf(job), nil
		case state.BulkWait:
			if step.Why != said {
				fmt.Fprintf(e.stderr, "sqc: waiting: %s\n", api.Clean(step.Why))
				said = step.Why
			}
			sleep(ctx, step.At.Sub(now))
			continue
		case state.BulkIdle:
			return 0, fmt.Errorf("%d of %s sent; %s", job.Sent(), api.Plural(len(job.Items), "device"), s.resumeHint(job))
		}
		said = ""
		res, err := s.sendOut(ctx, step.Write)
		ans := run.Outcome(step.I, res, err, time.Now())
		it := job.Items[step.I]
		line := state.Outcome(res, err)
		if it.Status == state.BulkPending {
			line += ": sent again when it may go"
		}
		fmt.Fprintf(e.stdout, "%s  %s\n", it.DeviceID, api.Clean(line))
		if ans.Say != "" && ans.Then != state.BulkOffline {
			fmt.Fprintf(e.stderr, "sqc: %s\n", api.Clean(ans.Say))
		}
		switch ans.Then {
		case state.BulkKeyRefused:
			return 0, fmt.Errorf("the key was refused after %d of %s: log in again (sqc auth login), then %s", job.Sent(), api.Plural(len(job.Items), "device"), s.resumeHint(job))
		case state.BulkGaveUp:
			return 0, fmt.Errorf("%d of %s sent, the network is down; %s", job.Sent(), api.Plural(len(job.Items), "device"), s.resumeHint(job))
		}
	}
}

// sendOut sends one write; a stop (ctrl+c, SIGTERM) lets the write out
// finish, so that its answer is kept and a resume need not read it back.
func (s *session) sendOut(ctx context.Context, w state.Write) (api.Result, error) {
	return s.send(context.WithoutCancel(ctx), w)
}

// failedOf counts the devices of a job that did not take the change.
func failedOf(job *state.BulkJob) int {
	c := job.Count()
	return c[state.BulkFailed] + c[state.BulkSkipped] + c[state.BulkUnknown]
}

// patiently reads again after the account's 429 once its wait is over
// (a read refused by a 429 was not made), a few times at most.
func (s *session) patiently(ctx context.Context, read func(context.Context) error) error {
	for tries := 1; ; tries++ {
		rctx, cancel := withTimeout(ctx)
		err := read(rctx)
		cancel()
		if err == nil || api.Classify(err) != api.FailRateLimit || tries == 5 || ctx.Err() != nil {
			return err
		}
		wait := max(time.Second, min(api.RetryAfterOf(err), 15*time.Minute))
		fmt.Fprintf(s.e.stderr, "sqc: waiting: rate limited (429), until %s\n", time.Now().Add(wait).Local().Format("15:04:05"))
		sleep(ctx, wait)
	}
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(max(0, d))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// runConfigResume takes up the newest change of this key that stopped
// before its end: the devices not sent yet are sent, none twice; those
// whose write was out at the stop are not sent again.
func runConfigResume(ctx context.Context, e *env, o *configSetOpts, args []string) error {
	if len(args) > 0 {
		return usagef("config set --resume takes no devices or settings: it sends the rest of the change that stopped")
	}
	s, err := openWriteSession(e, o.yes, api.OpUpdateConfig)
	if err != nil {
		return err
	}
	defer s.close()
	db, err := s.openJobs()
	if err != nil {
		return err
	}
	defer db.Close()
	jobs, err := state.UnfinishedJobs(db.store(), s.fp, e.log)
	if err != nil {
		warn(e, "a saved job could not be read: %v", err)
	}
	var job, unsure *state.BulkJob
	for _, j := range jobs { // the newest last
		switch {
		case !j.Finished():
			job = j
		case j.Count()[state.BulkUnknown] > 0:
			unsure = j
		}
	}
	if job == nil && unsure != nil {
		return sayUnknown(e, unsure)
	}
	if job == nil {
		_, err := fmt.Fprintln(e.stdout, "no config change stopped before its end: nothing to resume")
		return err
	}
	pending := job.Count()[state.BulkPending]
	fmt.Fprintf(e.stdout, "The change started %s: %d of %s sent, %d to send:\n", job.Created.Local().Format("Jan 2 15:04"), job.Sent(), api.Plural(len(job.Items), "device"), pending)
	for _, l := range state.DiffLines(job.Changes) {
		fmt.Fprintln(e.stdout, "  "+api.Clean(l))
	}
	fmt.Fprintln(e.stdout)
	for _, it := range job.Items {
		if it.Status == state.BulkUnknown {
			fmt.Fprintf(e.stdout, "%s  outcome unknown: not sent again; read it back (sqc config get %s)\n", it.DeviceID, it.DeviceID)
		}
	}
	if err := s.confirm(ctx, fmt.Sprintf("Send to the %s not sent yet?", api.Plural(pending, "device"))); err != nil {
		return err
	}
	ids := make([]string, 0, pending)
	for _, it := range job.Items {
		if it.Status == state.BulkPending {
			ids = append(ids, it.DeviceID)
		}
	}
	if _, err := s.learn(ctx, ids, 1); err != nil {
		return err
	}
	failed, err := s.sendJob(ctx, job)
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s did not take the change (above)", failed, api.Plural(len(job.Items), "device"))
	}
	return nil
}

// sayUnknown tells of a change with nothing left to send whose last
// write was out when it stopped: that device's outcome is unknown, and
// the database keeps it so (not "sending"), until a read settles it.
func sayUnknown(e *env, job *state.BulkJob) error {
	if err := job.Save(); err != nil {
		warn(e, "the job could not be saved: %v", err)
	}
	fmt.Fprintf(e.stdout, "The change started %s has nothing left to send; these writes were out when it stopped:\n", job.Created.Local().Format("Jan 2 15:04"))
	for _, it := range job.Items {
		if it.Status == state.BulkUnknown {
			fmt.Fprintf(e.stdout, "%s  outcome unknown: not sent again; read it back (sqc config get %s)\n", it.DeviceID, it.DeviceID)
		}
	}
	return nil
}
