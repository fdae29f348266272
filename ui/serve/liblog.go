package serve

import (
	"log/slog"
	"strings"

	charmlog "charm.land/log/v2"
)

// libLog takes what the SSH libraries log (a session's program ending
// with its dropped connection, a panic they caught) into the server's
// log, rather than onto stderr in their own format.
type libLog struct{ log *slog.Logger }

func (l libLog) Write(p []byte) (int, error) {
	l.log.Debug("ssh library", "line", strings.TrimSpace(string(p)))
	return len(p), nil
}

func routeLibLog(log *slog.Logger) { charmlog.SetOutput(libLog{log}) }
