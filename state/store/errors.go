package store

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"syscall"
	"time"

	"modernc.org/sqlite"
)

// SQLite's primary result codes that sqc tells apart.
const (
	codeBusy     = 5
	codeLocked   = 6
	codeReadOnly = 8
	codeIOErr    = 10
	codeCorrupt  = 11
	codeFull     = 13
	codeCantOpen = 14
	codeNotADB   = 26
)

func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() & 0xff
	}
	return 0
}

// isCorrupt is a file that is not, or no longer, a database: it is set
// aside, since nothing in it can be read.
func isCorrupt(err error) bool {
	var c *corruptError
	if errors.As(err, &c) {
		return true
	}
	switch sqliteCode(err) {
	case codeCorrupt, codeNotADB:
		return true
	}
	return false
}

// errText is an error's message without the driver's codes.
func errText(err error) string {
	var c *corruptError
	if errors.As(err, &c) {
		return c.what
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && !strings.HasPrefix(s, "database") {
		s = s[i+2:]
	}
	// the driver's numeric code says nothing to a user
	if i := strings.LastIndex(s, " ("); i > 0 && strings.HasSuffix(s, ")") {
		if _, err := strconv.Atoi(s[i+2 : len(s)-1]); err == nil {
			s = s[:i]
		}
	}
	return s
}

// explain turns a failure to use the database into what happened and
// what to do about it.
func explain(path, verb string, err error, busy time.Duration) error {
	var errno syscall.Errno
	if errors.As(err, &errno) && (errno == syscall.ENOSPC || errno == syscall.EDQUOT) {
		return fmt.Errorf("cannot %s %s: the disk is full; free some space and start sqc again", verb, path)
	}
	if errors.Is(err, fs.ErrPermission) || errno == syscall.EROFS {
		return fmt.Errorf("cannot %s %s: the folder is read-only or not yours (%v); make it writable (chmod u+w) or point XDG_STATE_HOME at a folder that is", verb, path, err)
	}
	switch sqliteCode(err) {
	case codeBusy, codeLocked:
		return fmt.Errorf("cannot %s %s: another program has held it for over %v (another sqc, or an older version of it); close it or wait, and try again", verb, path, busy)
	case codeReadOnly, codeCantOpen:
		return fmt.Errorf("cannot %s %s: the file or its folder is read-only (%s); make both writable (chmod u+w) or point XDG_STATE_HOME at a folder that is", verb, path, errText(err))
	case codeFull:
		return fmt.Errorf("cannot %s %s: the disk is full; free some space and start sqc again", verb, path)
	case codeIOErr:
		return fmt.Errorf("cannot %s %s: the disk reported an error (%s); check the disk, then start sqc again", verb, path, errText(err))
	case codeCorrupt, codeNotADB:
		return fmt.Errorf("cannot %s %s: the file is damaged (%s); move it away and start sqc again", verb, path, errText(err))
	}
	return fmt.Errorf("cannot %s %s: %w", verb, path, err)
}

// ErrNewer is a database written by a later sqc, whose tables this one
// does not know.
var ErrNewer = errors.New("written by a newer sqc")
