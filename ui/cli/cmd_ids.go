package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"sqc/api"
)

// maxIDs bounds the devices of one command: the most a listing gathers.
const maxIDs = api.DefaultMaxDevices

// splitIDs reads ID,ID,... from the command line, each checked and
// upper-cased, each once, in the order given.
func splitIDs(arg string) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, part := range strings.Split(arg, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		id, err := api.NormaliseDeviceID(part)
		if err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("no device ID given")
	}
	if len(ids) > maxIDs {
		return nil, fmt.Errorf("%d device IDs: at most %d at once", len(ids), maxIDs)
	}
	return ids, nil
}

// readIDs reads device IDs from stdin, one a line; blank lines and lines
// starting with # are skipped. A bad line is named by its number and
// nothing is sent.
func readIDs(ctx context.Context, e *env) ([]string, error) {
	type result struct {
		ids []string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var ids []string
		seen := map[string]bool{}
		for n := 1; ; n++ {
			line, err := e.nextLine()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				ch <- result{err: fmt.Errorf("stdin line %d: %w", n, err)}
				return
			}
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			id, err := api.NormaliseDeviceID(line)
			if err != nil {
				ch <- result{err: fmt.Errorf("stdin line %d: %w; nothing was sent", n, err)}
				return
			}
			if seen[id] {
				continue
			}
			if len(ids) == maxIDs {
				ch <- result{err: fmt.Errorf("more than %d device IDs on stdin; nothing was sent", maxIDs)}
				return
			}
			seen[id] = true
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			ch <- result{err: errors.New("no device IDs on stdin (one a line); nothing was sent")}
			return
		}
		ch <- result{ids: ids}
	}()
	select {
	case r := <-ch:
		return r.ids, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
