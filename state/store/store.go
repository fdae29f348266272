// Package store keeps what sqc holds between runs in one embedded SQL
// database per profile and key: the fleet's devices with their latest
// message, the history of every message read, the quota ledger, drafts,
// bulk jobs with their per-device journal, and the audit log.
//
// Callers see the Store interface, so the engine and its tests can run
// on an in-memory database (OpenMemory) and a team deployment could put
// the same tables on a server database later. SQLite is the one
// implementation: several consoles and command-line runs share a file
// safely (WAL, one writer connection per process, BEGIN IMMEDIATE, a busy
// timeout), and counts add up with no merge step because every increment
// is an UPDATE ... SET n = n + ? inside the database.
//
// The package is a leaf: it holds bytes and numbers, and leaves what a
// message or a change means to the packages that use it.
//
// A server database (Postgres) for a team would implement Store with the
// same tables: the SQL here is plain (INSERT ... ON CONFLICT, which
// Postgres has too) except the pragmas, the AUTOINCREMENT of the audit
// log (a BIGSERIAL there) and the triggers that keep the audit log
// append-only (a REVOKE UPDATE, DELETE there). Counts already add up
// inside the database, so several hosts need nothing more; what the
// server changes is the connection (a URL and credentials per profile
// instead of a file) and that Open's set-aside of a damaged file has no
// equivalent: a server that cannot be reached is an error to show.
package store

import (
	"context"
	"encoding/json"
	"time"
)

// Store is everything sqc keeps between runs. Every method is safe for
// concurrent use; callbacks given to a method must not call the store.
type Store interface {
	// The fleet: devices as listed and their latest message.
	PutDevices(ctx context.Context, devs []Device) error
	// Restore gives every device with the summary of its latest message:
	// what a first frame needs, without reading a single message.
	Restore(ctx context.Context, fn func(Latest) error) error
	LatestMessage(ctx context.Context, deviceID string) (Message, bool, error)
	// Fold keeps each message as its device's latest when it is newer,
	// and in the history otherwise; a message already kept is ignored.
	Fold(ctx context.Context, msgs []Message) error
	History(ctx context.Context, deviceID string, from, to time.Time) ([]Message, error)
	// EachHistory is History without copies: msg is only valid during fn.
	EachHistory(ctx context.Context, deviceID string, from, to time.Time, fn func(ts time.Time, msg []byte) error) error
	Prune(ctx context.Context, now time.Time, r Retention) (int, error)
	// Settings are small values kept by name (the device a console had
	// open); Setting is false for a name never set.
	SetSetting(ctx context.Context, name string, value []byte) error
	Setting(ctx context.Context, name string) ([]byte, bool, error)
	// Covered are the spans of a device's history known complete (every
	// message in them is held), joined and in time order; AddCovered
	// records one more. Pruning takes back what it drops.
	Covered(ctx context.Context, deviceID string) ([]Span, error)
	AddCovered(ctx context.Context, deviceID string, s Span) error

	// The quota ledger, per key and UTC day, and per device and month.
	Count(ctx context.Context, c Calls) error
	// CountBatch adds several counts in one durable transaction.
	CountBatch(ctx context.Context, cs []Calls) error
	Usage(ctx context.Context, key string, day time.Time) (Usage, error)
	Remaining(ctx context.Context, month time.Time) (map[string]DeviceMonth, error)

	// Drafts of config changes, per key and device.
	SaveDraft(ctx context.Context, d Draft) error
	Draft(ctx context.Context, key, deviceID string) (Draft, bool, error)
	DraftDevices(ctx context.Context, key string) ([]string, error)

	// Bulk jobs and their per-device journal.
	PutJob(ctx context.Context, j Job) error
	Journal(ctx context.Context, jobID string, lines []JournalLine) error
	SetJobFlags(ctx context.Context, jobID string, cancelled, settled bool) error
	Job(ctx context.Context, jobID string) (Job, bool, error)
	Jobs(ctx context.Context, key string) ([]string, error)
	OpenJobs(ctx context.Context, key string, open, unsettled []string) ([]string, error)

	// The audit log: appended to, never changed.
	Audit(ctx context.Context, e AuditEntry) error
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error)

	// Import writes what an old file held, once.
	Import(ctx context.Context, imp Import) (bool, error)

	// Checkpoint moves the write-ahead log into the database and empties
	// it, so it cannot grow without bound; the owner calls it now and then.
	Checkpoint(ctx context.Context) error
	Close() error
}

// Device is a device as the device list gave it (its JSON, kept whole).
type Device struct {
	ID   string
	JSON []byte
}

// Message is one data message of a device, in whatever encoding the
// caller chose (JSON, or a packed form): the store does not read it.
type Message struct {
	DeviceID string
	TS       time.Time // the message's own time, kept to the millisecond
	Fetched  time.Time // when sqc read it
	JSON     []byte
	// Summary is what the device list shows of the message (its worst
	// event, its reason), kept with the latest so that a start needs no
	// message decoded.
	Summary []byte
}

// Latest is a device with the summary of its latest message, as Restore
// gives them. The byte slices are only valid during the callback: copy
// what is kept.
type Latest struct {
	ID      string
	Device  []byte    // nil when the device was never listed
	TS      time.Time // zero when no message was read
	Fetched time.Time
	Summary []byte
}

// Span is a stretch of time, both ends included, to the millisecond.
type Span struct{ From, To time.Time }

// Retention is how much history is kept: messages newer than Span, and
// at most MaxRows of them (the oldest go first). A device's latest
// message is never pruned.
type Retention struct {
	Span    time.Duration
	MaxRows int
}

// DefaultRetention keeps 30 days and at most ten million messages.
var DefaultRetention = Retention{Span: 30 * 24 * time.Hour, MaxRows: 10_000_000}

// Calls is what one process adds to the ledger: requests sent and 429s
// answered at a time, and optionally what one device was told it has left.
type Calls struct {
	Key         string // the API key's fingerprint
	At          time.Time
	Sent        int
	RateLimited int
	DeviceID    string // a non-Hosted device the calls were for, or ""
	Remaining   *int   // apiRequestsRemaining the server reported for it
}

// Usage is a key's counts for one UTC day, from every process.
type Usage struct {
	Day         string
	Used        int
	RateLimited int
}

// DeviceMonth is one device's month: calls made for it and the lowest
// apiRequestsRemaining reported (-1 when none was).
type DeviceMonth struct {
	Calls     int
	Remaining int
}

// Draft is a device's staged config changes; Changes is their JSON.
type Draft struct {
	Key      string
	DeviceID string
	SavedAt  time.Time
	Changes  json.RawMessage
}

// Job is a bulk change: the changes (JSON) and one item per device.
type Job struct {
	ID        string
	Key       string
	Profile   string
	Created   time.Time
	Changes   json.RawMessage
	Items     []JobItem
	Cancelled bool
	Settled   bool
}

// JobItem is one device of a job and what happened to it.
type JobItem struct {
	DeviceID string
	Name     string
	Plan     string
	Status   string
	Message  string
	At       time.Time
	// Changes are the device's own (JSON); nil when it gets the job's.
	Changes json.RawMessage
}

// JournalLine is one device's outcome, written to the disk before the
// call returns.
type JournalLine struct {
	I        int
	DeviceID string
	Status   string
	Message  string
	At       time.Time
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Seq     int64
	At      time.Time
	Profile string
	Device  string
	Op      string
	Status  int
	Outcome string // taken, refused, not sent, unknown; or how a read-back settled it
	Message string
	Detail  string // the diff of a config change, a file's name and size
	Who     string // the name the write was made under; "" before names were kept
}

// AuditQuery selects audit entries; zero values select all.
type AuditQuery struct {
	Device string
	Since  time.Time
	Limit  int
}
