//go:build !unix

package api

// Without O_NOFOLLOW the mode check after open still refuses what is not
// a regular file; there are no FIFOs to block on.
const (
	openNoFollow = 0
	openNonBlock = 0
)
