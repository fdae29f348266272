package api

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// DefaultBaseURL is our assumption of Senquip's API host; see senquip-api.md.
const DefaultBaseURL = "https://cloud-api.v2.senquip.com"

// MaxBody bounds what one response may make us hold in memory.
const MaxBody = 64 << 20

// Options configure a Client. Zero values take the defaults shown.
type Options struct {
	BaseURL string // DefaultBaseURL
	Key     string
	Routes  *Routes // DefaultRoutes()
	Timeout time.Duration
	// RatePerSecond is the starting client-side rate; 1, the smallest
	// account's, until a device list tells the real one.
	RatePerSecond float64
	MaxRetries    int           // retries of a GET after 429/5xx/network failure: 3
	RetryBase     time.Duration // first backoff step: 500 ms
	// MaxRetryWait is the longest wait a call sleeps through itself; a
	// longer Retry-After is returned to the caller, who backs off visibly.
	MaxRetryWait time.Duration // 10 s
	RootCAs      *x509.CertPool
	// MaxDevices bounds the distinct devices ListDevicesReport gathers
	// before it stops: DefaultMaxDevices.
	MaxDevices int
	// KnownHosted is how many Hosted devices the account was last known to
	// have (a cached list): it sets the budget of a listing (ListShare of
	// the account's day) until the client has listed the account itself.
	KnownHosted int
	// Sent is told of every attempt as it goes on the wire, before any
	// answer, so that a quota ledger counts what was spent even while the
	// answers queue behind a busy console. Observe sees the outcome.
	Sent    func(Call)
	Observe func(Call)
	Logger  *slog.Logger
	// Wait sleeps for the limiter and between retries, and Now tells the
	// time: tests replace both to run on a fake clock.
	Wait func(ctx context.Context, d time.Duration) error
	Now  func() time.Time
}

// Call is one HTTP exchange as the quota ledger and the call log see it.
type Call struct {
	At        time.Time
	Op        Op
	DeviceID  string
	Method    string
	Status    int // 0 when no response arrived
	Latency   time.Duration
	Attempt   int // 0 for the first try
	Err       error
	Remaining *int // apiRequestsRemaining when the response carried one
}

// Usage is what the client has observed since it was made.
type Usage struct {
	Requests    int
	RateLimited int
	Remaining   map[string]int // apiRequestsRemaining by device
	Last        time.Time
}

// Client talks to the Senquip Cloud API. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	routes  *Routes
	hc      *http.Client
	limiter *rate.Limiter
	opts    Options
	log     *slog.Logger

	mu    sync.Mutex
	usage Usage
	// held is until when the account's 429 holds every request: one that
	// had waited its turn in the limiter when the 429 came is not sent.
	held time.Time
	// knownHosted is the Hosted devices of the last complete listing.
	knownHosted atomic.Int64
}

// New checks the options and builds a client.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	base, err := ParseBaseURL(o.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkKeyShape(o.Key); err != nil {
		return nil, err
	}
	if o.Routes == nil {
		o.Routes = DefaultRoutes()
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.RatePerSecond <= 0 {
		o.RatePerSecond = 1
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	} else if o.MaxRetries == 0 {
		o.MaxRetries = 3
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 500 * time.Millisecond
	}
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = 10 * time.Second
	}
	if o.MaxDevices <= 0 {
		o.MaxDevices = DefaultMaxDevices
	}
	if o.Wait == nil {
		o.Wait = sleepCtx
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		base:    base,
		routes:  o.Routes,
		hc:      newHTTPClient(base, o.Key, o.RootCAs, o),
		limiter: rate.NewLimiter(rate.Limit(o.RatePerSecond), burstFor(o.RatePerSecond)),
		opts:    o,
		log:     o.Logger,
		usage:   Usage{Remaining: map[string]int{}},
	}
	return c, nil
}

// checkKeyShape refuses keys that could never be right, without saying the key.
func checkKeyShape(key string) error {
	if key == "" {
		return errors.New("no API key: set SENQUIP_API_KEY or run sqc auth login")
	}
	if strings.ContainsAny(key, " \t\r\n") {
		return errors.New("the API key contains whitespace: copy it again from the Senquip Portal (Account → API Access)")
	}
	return nil
}

func burstFor(r float64) int { return max(1, int(math.Floor(r))) }

// BaseURL is the configured API base.
func (c *Client) BaseURL() string { return c.base.String() }

// Routes is the route table in use.
func (c *Client) Routes() *Routes { return c.routes }

// SetRate sets the client-side limiter to the account's rate limit.
func (c *Client) SetRate(perSecond float64) {
	if perSecond <= 0 {
		perSecond = 1
	}
	now := c.opts.Now()
	c.limiter.SetLimitAt(now, rate.Limit(perSecond))
	c.limiter.SetBurstAt(now, burstFor(perSecond))
}

// Rate is the limiter's current rate in requests per second.
func (c *Client) Rate() float64 { return float64(c.limiter.Limit()) }

// Usage returns a copy of what has been observed.
func (c *Client) Usage() Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.usage
	u.Remaining = make(map[string]int, len(c.usage.Remaining))
	for k, v := range c.usage.Remaining {
		u.Remaining[k] = v
	}
	return u
}

func (c *Client) noteRemaining(id string, n *int) {
	if n == nil || id == "" {
		return
	}
	c.mu.Lock()
	c.usage.Remaining[id] = *n
	c.mu.Unlock()
}

// request describes one operation call.
type request struct {
	op    Op
	id    string
	query url.Values
	body  []byte
	ctype string
}

// do runs a request with the limiter, retries for GETs and observation,
// and returns the body of a 2xx response.
func (c *Client) do(ctx context.Context, r request) (int, []byte, error) {
	row := c.routes.Get(r.op)
	target := c.routes.URL(c.base, r.op, r.id, r.query)
	for attempt := 0; ; attempt++ {
		if err := c.waitTurn(ctx); err != nil {
			return 0, nil, &Error{Op: r.op, DeviceID: r.id, Err: err, Message: "waiting for the rate limiter", NotSent: true}
		}
		start, t0 := c.opts.Now(), time.Now()
		// A retry has waited for the 429 itself; a first try waits for no one.
		if until := c.heldUntil(); attempt == 0 && start.Before(until) {
			return 0, nil, &Error{Op: r.op, DeviceID: r.id, Status: http.StatusTooManyRequests, Local: true, RetryAfter: until.Sub(start),
				Message: "held back: the server asked to wait after a 429", Hint: "nothing was sent"}
		}
		if c.opts.Sent != nil {
			c.opts.Sent(Call{At: start, Op: r.op, DeviceID: r.id, Method: row.Method, Attempt: attempt})
		}
		status, hdr, body, connected, err := c.once(ctx, row.Method, target, r)
		latency := time.Since(t0)
		var apiErr *Error
		switch {
		case errors.Is(err, ErrTooLarge):
			// The server's fault, not the network's: another try brings the same.
			// A write answered 2xx was taken, but what the answer said is
			// lost: a read-back settles it.
			apiErr = &Error{Op: r.op, DeviceID: r.id, Status: status, Err: err, Message: err.Error(),
				Unknown: r.op.Write() && status >= 200 && status <= 299,
				Hint:    "the server sent more than sqc reads; it was not asked again"}
		case err != nil:
			apiErr = netError(r.op, r.id, err, connected)
		case status < 200 || status > 299:
			apiErr = newStatusError(r.op, r.id, row, &http.Response{StatusCode: status, Header: hdr}, body)
		}
		call := Call{At: start, Op: r.op, DeviceID: r.id, Method: row.Method, Status: status, Latency: latency, Attempt: attempt}
		if apiErr == nil && r.id != "" && r.op != OpGetData {
			call.Remaining = topLevelRemaining(body)
			c.noteRemaining(r.id, call.Remaining)
		}
		if apiErr != nil {
			call.Err = apiErr
			if Classify(apiErr) == FailRateLimit {
				c.hold(start, apiErr.RetryAfter)
			}
		}
		c.record(call)
		if apiErr == nil {
			return status, body, nil
		}
		wait, retry := c.retryWait(r.op, attempt, apiErr)
		if !retry {
			return status, nil, apiErr
		}
		c.log.Debug("retrying", "op", r.op, "device", r.id, "status", status, "wait", wait, "attempt", attempt+1)
		if err := c.opts.Wait(ctx, wait); err != nil {
			return status, nil, apiErr
		}
	}
}

// hold holds every request after the account's 429, for its Retry-After
// (a second when it gave none).
func (c *Client) hold(at time.Time, retryAfter time.Duration) {
	if retryAfter <= 0 {
		retryAfter = time.Second
	}
	c.mu.Lock()
	if until := at.Add(retryAfter); until.After(c.held) {
		c.held = until
	}
	c.mu.Unlock()
}

func (c *Client) heldUntil() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held
}

// waitTurn waits until the client-side limiter lets a request go.
func (c *Client) waitTurn(ctx context.Context) error {
	now := c.opts.Now()
	res := c.limiter.ReserveN(now, 1)
	if !res.OK() {
		return errors.New("rate limiter refused the request")
	}
	if d := res.DelayFrom(now); d > 0 {
		if err := c.opts.Wait(ctx, d); err != nil {
			res.CancelAt(c.opts.Now())
			return err
		}
	}
	return nil
}

// once makes one request. connected says whether a connection was had
// for it: from then on a byte of the request may have left the machine.
func (c *Client) once(ctx context.Context, method, target string, r request) (status int, hdr http.Header, body []byte, connected bool, err error) {
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	var got atomic.Bool
	// GotConn, not WroteHeaders: the request line and headers go into a
	// buffer that may reach the wire before WroteHeaders is called; before
	// GotConn (DNS, dial, TLS handshake) nothing of the request can have.
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { got.Store(true) }})
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, nil, false, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "sqc")
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	debug := c.log.Enabled(ctx, slog.LevelDebug) // the arguments cost even when the log is off
	if err != nil {
		if debug {
			c.log.Debug("request failed", "op", r.op, "device", r.id, "err", cleanNetErr(err), "connected", got.Load(), "latency", time.Since(start))
		}
		return 0, nil, nil, got.Load(), err
	}
	defer resp.Body.Close()
	body, err = readBody(resp)
	if debug {
		c.log.Debug("request", "op", r.op, "device", r.id, "status", resp.StatusCode, "bytes", len(body), "latency", time.Since(start))
	}
	if err == nil && len(body) > MaxBody {
		return resp.StatusCode, resp.Header, nil, true, ErrTooLarge
	}
	if err != nil {
		return 0, resp.Header, nil, true, err
	}
	return resp.StatusCode, resp.Header, body, true, nil
}

// readBody reads at most MaxBody+1 bytes of an answer: into one buffer
// of the size the server announced when it did (a first pass reads tens
// of thousands of small pages, and growing a buffer for each was a tenth
// of what a read allocated), as they come when it did not.
func readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= MaxBody {
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
}

// netError is a request that got no answer. A write is of unknown
// outcome only when its request may have left: a failure to resolve,
// connect or shake hands before that is not sent, and did not happen.
func netError(op Op, id string, err error, connected bool) *Error {
	write := op.Write()
	e := &Error{Op: op, DeviceID: id, Err: cleanNetErr(err)}
	switch {
	case !connected || neverLeft(err):
		e.NotSent = true
		e.Hint = netHint(err, false)
		if write {
			e.Hint += "; nothing was sent"
		}
	default:
		e.Unknown = write
		e.Hint = netHint(err, write)
	}
	return e
}

// neverLeft recognises the failures that come before any request can
// be written, whatever the trace said.
func neverLeft(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}

func (c *Client) record(call Call) {
	c.mu.Lock()
	c.usage.Requests++
	if call.Status == http.StatusTooManyRequests {
		c.usage.RateLimited++
	}
	c.usage.Last = call.At
	c.mu.Unlock()
	if c.opts.Observe != nil {
		c.opts.Observe(call)
	}
}

// retryWait decides whether and how long to wait before another try.
// Writes are never retried: their outcome may be unknown.
func (c *Client) retryWait(op Op, attempt int, e *Error) (time.Duration, bool) {
	if op.Write() || attempt >= c.opts.MaxRetries || errors.Is(e.Err, ErrTooLarge) {
		return 0, false
	}
	switch {
	case e.Status == 429, e.Status == 500, e.Status == 502, e.Status == 503, e.Status == 504:
	case e.Status == 0 && e.Err != nil && !notWorthRetry(e.Err):
	default:
		return 0, false
	}
	if e.RetryAfter > 0 {
		if e.RetryAfter > c.opts.MaxRetryWait {
			return 0, false
		}
		return e.RetryAfter, true
	}
	return backoff(c.opts.RetryBase, attempt), true
}

// backoff is exponential with full jitter, capped at 30 s.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt, 8)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func notWorthRetry(err error) bool {
	var re *RedirectError
	if errors.As(err, &re) {
		return true // not worth another try either
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// cleanNetErr drops the URL wrapper: the operation and device already say
// what was asked, and the message reads better without a long URL.
func cleanNetErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func netHint(err error, write bool) string {
	var h string
	var re *RedirectError
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &re) && re.Loop:
		return "asked once: check the API URL, or tell the server's operator"
	case errors.As(err, &re):
		return "check the API URL: the server sends requests elsewhere"
	case notWorthRetry(err):
		h = "no answer in time: the network or the server is slow"
	default:
		h = "the server could not be reached: check the network and the API URL"
	}
	if write {
		h += "; the write may or may not have happened, read it back before sending again"
	}
	return h
}

// topLevelRemaining finds apiRequestsRemaining at the top of a JSON body,
// clamped to 0..MonthlyPerDevice (dropped when absurd).
func topLevelRemaining(body []byte) *int {
	var out *int
	_ = eachField(body, func(k []byte, _ bool, v []byte) error {
		if string(k) == `"apiRequestsRemaining"` {
			out = remainingFrom(v)
		}
		return nil
	})
	return out
}
