package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is every failure of an API call: what was asked, of which device,
// what the server said, and a hint for the person at the console.
type Error struct {
	Op         Op
	DeviceID   string
	Status     int           // 0 when no response arrived
	Message    string        // the server's "message" (cleaned and cut), or a description of the body
	RetryAfter time.Duration // from Retry-After, when the server sent one
	Hint       string
	// Unknown is set for a write whose outcome cannot be known (5xx or a
	// dropped connection): read the resource back before sending again.
	Unknown bool
	// NotSent is set when the request never left the machine: the
	// connection could not be had (DNS, a refused connection, TLS before
	// the request). A write that was not sent did not happen.
	NotSent bool
	// Local is set when the request was never sent: the input could not
	// succeed (a malformed device ID, an empty change). It cost nothing.
	Local bool
	// Remaining is apiRequestsRemaining when the error body carried one.
	Remaining *int
	Err       error // the underlying cause (network, decoding)
}

// Error is one line, safe to print: the device ID (which may be what a
// user or a server typed) and whatever the server said are cleaned.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Op))
	if e.DeviceID != "" {
		b.WriteString(" " + Truncate(Clean(e.DeviceID), 40, "…"))
	}
	b.WriteString(": ")
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
		if e.Message != "" {
			b.WriteString(": " + e.Message)
		}
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString(e.Message)
	}
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return Clean(b.String())
}

func (e *Error) Unwrap() error { return e.Err }

// StatusHint is the advice for a person per status code (senquip-api.md).
func StatusHint(status int, write bool) string {
	switch status {
	case 400:
		return "the request was refused as invalid; nothing was retried"
	case 401:
		return "the API key is missing or malformed: enter it again (sqc auth login)"
	case 403:
		return "the key is wrong or has no access to this; a key changed in the last 60 s may still be cached by the server"
	case 404:
		return "device not found, or the route is unknown: check the ID, or import the collection (sqc routes import)"
	case 405:
		return "the route table does not match the server: import Senquip's collection (sqc routes import FILE)"
	case 422:
		return "the request was understood but cannot be fulfilled"
	case 429:
		return "over the account's rate or quota: backing off"
	}
	if status >= 300 && status < 400 && write {
		return fmt.Sprintf("the server answered %d (redirect) to the write; sqc does not follow redirects of a write, so this request did not apply the change: read the config back to check", status)
	}
	if status >= 500 && write {
		return "server error: the write may or may not have happened; read it back before sending again"
	}
	switch status {
	case 503:
		return "traffic spike at Senquip, usually over within 5 minutes: keeping the last data"
	case 500, 502, 504:
		return "server error: retried with backoff"
	}
	return ""
}

// newStatusError builds the error for a non-2xx response to a request
// made with route.
func newStatusError(op Op, id string, route Route, resp *http.Response, body []byte) *Error {
	e := &Error{Op: op, DeviceID: id, Status: resp.StatusCode, Message: serverMessage(body, resp.Header.Get("Content-Type"))}
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	e.Hint = StatusHint(resp.StatusCode, op.Write())
	if resp.StatusCode == 403 && op == OpGetData {
		// the key reads the list; a 403 on one device's data is its plan.
		// The server's own words already say which plans read data.
		e.Hint = "its plan is set in the Senquip Portal → Subscriptions"
	}
	if strings.HasPrefix(route.Source, importedPrefix) && (resp.StatusCode == 404 || resp.StatusCode == 405) {
		e.Hint = importedRouteHint(resp.StatusCode, route)
	}
	e.Unknown = op.Write() && resp.StatusCode >= 500
	e.Remaining = topLevelRemaining(body)
	return e
}

// Outcome is what a write's answer means. Every write ends in exactly
// one: what the console shows, what the command line prints and what the
// audit log records are this, and nothing else.
type Outcome int

const (
	// Taken: the server answered 2xx (202: queued for the device).
	Taken Outcome = iota
	// Refused: the server answered and did not take it: a 4xx with its
	// message, or a 3xx, which sqc does not follow for a write since
	// following it would send a different request (Go's client turns a
	// redirected PATCH into a GET) than the one confirmed.
	Refused
	// NotSent: the request never left the machine (DNS, a refused
	// connection, TLS before the request, the input, the read-only
	// session, no calls left): nothing happened on the server.
	NotSent
	// Unknown: the request may have reached the server and no clear
	// answer came back (a 5xx, a connection lost after it was made): the
	// resource is read back before anything offers to send again.
	Unknown
)

var outcomeNames = [...]string{Taken: "taken", Refused: "refused", NotSent: "not sent", Unknown: "unknown"}

func (o Outcome) String() string { return outcomeNames[o] }

// WriteOutcome is the one place that decides what a write's answer means.
// An error that did not come from a request (a refusal before any was
// made) is NotSent.
func WriteOutcome(err error) Outcome {
	if err == nil {
		return Taken
	}
	var e *Error
	switch {
	case !errors.As(err, &e):
		return NotSent
	case e.Local, e.NotSent:
		return NotSent
	case e.Unknown, e.Status >= 500, e.Status == 0:
		return Unknown
	}
	return Refused
}

// importedRouteHint is the advice for a 404 or 405 on a route that came
// from an imported collection: importing again is not the way out, going
// back to the built-in table may be.
func importedRouteHint(status int, route Route) string {
	what := "device not found, or the server does not serve"
	if status == 405 {
		what = "the server does not take"
	}
	return fmt.Sprintf("%s %s %s, which was %s: check the ID, or go back to the built-in routes with sqc routes reset",
		what, route.Method, Truncate(route.Path, 80, "…"), Truncate(route.Source, 60, "…"))
}

// MaxMessage bounds the server's message in an error, in terminal cells.
const MaxMessage = 300

// serverMessage extracts {"message": ...}, cleaned and cut to MaxMessage
// cells, or describes a body that is not JSON without echoing an
// arbitrary amount of it.
func serverMessage(body []byte, ctype string) string {
	return shortMessage(rawServerMessage(body, ctype))
}

// shortMessage cleans a message and cuts it; only its head is looked at,
// so a 50 MB message costs as much as a short one.
func shortMessage(s string) string {
	const head = 16 << 10
	if len(s) > head {
		s = s[:head]
	}
	return Truncate(Clean(s), MaxMessage, "…")
}

func rawServerMessage(body []byte, ctype string) string {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return ""
	}
	var m struct {
		Message any `json:"message"`
	}
	if err := json.Unmarshal(body, &m); err == nil {
		switch v := m.Message.(type) {
		case string:
			return v
		case nil:
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
		return ""
	}
	const max = 120
	if len(trimmed) > max {
		trimmed = trimmed[:max] + "…"
	}
	if ctype == "" {
		ctype = "no content type"
	}
	return fmt.Sprintf("non-JSON body (%s): %q", ctype, trimmed)
}

// parseRetryAfter accepts delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var secs int
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// StatusOf returns the HTTP status of an API error, 0 otherwise.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// IsUnauthorized reports a 401: the key has to be entered again.
func IsUnauthorized(err error) bool { return StatusOf(err) == http.StatusUnauthorized }

// IsRateLimited reports a 429.
func IsRateLimited(err error) bool { return StatusOf(err) == http.StatusTooManyRequests }

// IsNotFound reports a 404.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// IsUnavailable reports that no answer could be had: a network failure, a
// timeout, or 503/502/504. The console keeps its data and backs off.
func IsUnavailable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	if e.Status == 0 {
		return !e.Local && e.Err != nil && !errors.Is(e.Err, context.Canceled)
	}
	return e.Status == 502 || e.Status == 503 || e.Status == 504
}

// IsPasswordRequired reports Add a User's answer for a device registered
// elsewhere: it needs the device's setup password.
func IsPasswordRequired(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.EqualFold(strings.TrimSpace(e.Message), "Password Required")
}

// RetryAfterOf is the server's Retry-After on an API error, or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
