package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Failure says whom a failed call concerns, which decides what the
// console does about it: the network, the server and the account's rate
// limit hold the whole fleet back; a failure of one device, or of one
// answer, stays with that device (or the list); the key sends the user to
// the login screen. A 5xx is FailServer here: whether it is the whole
// server's or one device's is told by what the other reads do, which only
// the scheduler sees.
type Failure int

const (
	FailNone      Failure = iota // no error
	FailNetwork                  // no answer: refused, reset, DNS, timeout
	FailServer                   // 5xx: the server could not answer
	FailRateLimit                // the account's 429: over its rate or daily quota
	FailAuth                     // 401, or 403 on a call about no device: the key
	FailDevice                   // one device: bad ID (nothing sent), 400/403/404/422, its monthly 429
	FailRequest                  // a request about no device that the server refused
	FailCancelled                // the caller gave up (context cancelled)
	// FailAnswer: the server answered 2xx, but with an answer sqc cannot
	// use: malformed, over the size it reads (ErrTooLarge), or pages of a
	// device list that do not end within its budget. It is the server's
	// doing, not the network's: trying again at once brings the same.
	FailAnswer
)

var failureNames = [...]string{"ok", "network", "server error", "rate limited", "key refused", "device", "request", "cancelled", "unusable answer"}

// ErrTooLarge is the cause of an answer over the size sqc reads (MaxBody).
var ErrTooLarge = fmt.Errorf("the answer was over %d MiB", MaxBody>>20)

func (f Failure) String() string { return failureNames[f] }

// Fleetwide reports a failure that holds every read back.
func (f Failure) Fleetwide() bool {
	return f == FailNetwork || f == FailServer || f == FailRateLimit
}

// Classify says whom err concerns.
func Classify(err error) Failure {
	if err == nil {
		return FailNone
	}
	var e *Error
	if !errors.As(err, &e) {
		if errors.Is(err, context.Canceled) {
			return FailCancelled
		}
		return FailNetwork
	}
	switch {
	case e.Local && e.Status == 429:
		return FailRateLimit // held back by the client after the account's 429: nothing sent
	case e.Local:
		return perTarget(e)
	case e.Status == 0:
		if errors.Is(e.Err, context.Canceled) {
			return FailCancelled
		}
		return FailNetwork
	case e.Status == 401:
		return FailAuth
	case e.Status == 403 && e.DeviceID == "":
		return FailAuth
	case e.Status == 429:
		if IsMonthlyLimit(e) {
			return FailDevice
		}
		return FailRateLimit
	case e.Status >= 500:
		return FailServer
	case e.Status >= 200 && e.Status < 300:
		return FailAnswer
	}
	return perTarget(e)
}

func perTarget(e *Error) Failure {
	if e.DeviceID != "" {
		return FailDevice
	}
	return FailRequest
}

// IsMonthlyLimit reports the 429 of a non-Hosted device over its 50 calls
// a month: it carries apiRequestsRemaining 0 (or says "month"), concerns
// that device only, and cannot succeed before the next month.
func IsMonthlyLimit(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Status != 429 || e.DeviceID == "" {
		return false
	}
	if e.Remaining != nil {
		return *e.Remaining <= 0
	}
	return strings.Contains(strings.ToLower(e.Message), "month")
}

// NextMonth is when the monthly per-device allowance starts again: the
// first of the next calendar month, 00:00 UTC (assumed, like the daily reset).
func NextMonth(now time.Time) time.Time {
	y, m, _ := now.UTC().Date()
	return time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
}
