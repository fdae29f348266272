package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"sqc/api"
)

// Output of the script commands. Whatever the server sends, a cell is cut
// to its column before it is measured or written, so the output is
// O(rows × columns): a 49 MB name costs as much as a short one.

// cell cuts a server string to a column of at most cells and cleans what
// is left. The cut comes first so cleaning never looks at more than is
// shown.
func cell(s string, cells int, tail string) string {
	return api.Clean(api.Truncate(s, cells, tail))
}

// textTable is rows of cells already cut to their columns.
type textTable struct {
	header []string
	rows   [][]string
}

func (t *textTable) add(cells ...string) { t.rows = append(t.rows, cells) }

// write aligns the columns two spaces apart. It checks ctx between rows
// and stops at the first failed write (a closed pipe).
func (t *textTable) write(ctx context.Context, w io.Writer) error {
	widths := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	bw := bufio.NewWriter(w)
	var line strings.Builder
	for _, r := range append([][]string{t.header}, t.rows...) {
		if err := ctx.Err(); err != nil {
			return err
		}
		line.Reset()
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
			}
		}
		line.WriteByte('\n')
		if _, err := bw.WriteString(line.String()); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// warn writes a warning to stderr, cleaned like every error.
func warn(e *env, format string, a ...any) {
	fmt.Fprintln(e.stderr, "sqc: warning: "+api.CleanText(fmt.Sprintf(format, a...)))
}

// someIDs lists up to five IDs, each cut, for a one-line message.
func someIDs(ids []string, tail string) string {
	var out []string
	for i, id := range ids {
		if i == 5 {
			out = append(out, fmt.Sprintf("and %d more", len(ids)-5))
			break
		}
		out = append(out, cell(id, 16, tail))
	}
	return strings.Join(out, ", ")
}
