package state

import (
	"math/bits"
	"slices"
	"sort"
)

// orderList is a sorted list of entries cut into chunks of a few hundred,
// with a Fenwick tree over the chunk lengths: finding, inserting or
// removing one entry costs a binary search and a move of at most one
// chunk, and the i-th entry is found in O(log N). It replaces re-sorting
// the whole fleet after every answer.
type orderList struct {
	chunks [][]*indexed
	tree   []int // Fenwick tree over len(chunks[k]), 1-based
	n      int
	cmp    func(a, b *indexed) int
}

// chunkLoad is a chunk's size after a build; chunks split at twice that
// and merge with a neighbour below half.
const chunkLoad = 256

// build replaces the contents with entries already in order (sorted must
// not be the list's own chunks). The chunks' room is reused: a filter
// typed at 50,000 devices rebuilds the shown list at every key.
func (l *orderList) build(sorted []*indexed) {
	old := l.chunks
	l.chunks = l.chunks[:0]
	for i, k := 0, 0; i < len(sorted); i, k = i+chunkLoad, k+1 {
		var c []*indexed
		if k < len(old) && cap(old[k]) >= 2*chunkLoad+1 {
			c = old[k][:0]
			clear(old[k][:cap(old[k])]) // no device held past its place
		} else {
			c = make([]*indexed, 0, 2*chunkLoad+1)
		}
		l.chunks = append(l.chunks, append(c, sorted[i:min(i+chunkLoad, len(sorted))]...))
	}
	if n := len(l.chunks); n < len(old) {
		clear(old[n:]) // chunks no longer used: their room goes
	}
	l.n = len(sorted)
	l.reindex()
}

// reindex rebuilds the Fenwick tree after chunks were added or removed.
func (l *orderList) reindex() {
	l.tree = slices.Grow(l.tree[:0], len(l.chunks)+1)[:len(l.chunks)+1]
	clear(l.tree)
	for k, c := range l.chunks {
		i := k + 1
		l.tree[i] += len(c)
		if j := i + i&-i; j < len(l.tree) {
			l.tree[j] += l.tree[i]
		}
	}
}

func (l *orderList) grow(k, delta int) {
	for i := k + 1; i < len(l.tree); i += i & -i {
		l.tree[i] += delta
	}
	l.n += delta
}

// before is how many entries the chunks before chunk k hold.
func (l *orderList) before(k int) int {
	s := 0
	for i := k; i > 0; i -= i & -i {
		s += l.tree[i]
	}
	return s
}

// Len is the number of entries.
func (l *orderList) Len() int { return l.n }

// locate returns the chunk and offset of the i-th entry.
func (l *orderList) locate(i int) (k, j int) {
	pos := 0
	for step := 1 << (bits.Len(uint(len(l.tree))) - 1); step > 0; step >>= 1 {
		if next := pos + step; next < len(l.tree) && l.tree[next] <= i {
			pos = next
			i -= l.tree[next]
		}
	}
	return pos, i
}

// at returns the i-th entry.
func (l *orderList) at(i int) *indexed {
	k, j := l.locate(i)
	return l.chunks[k][j]
}

// search finds where e is, or would go: the chunk and the offset in it.
func (l *orderList) search(e *indexed) (k, j int) {
	k = sort.Search(len(l.chunks), func(k int) bool {
		c := l.chunks[k]
		return l.cmp(c[len(c)-1], e) >= 0
	})
	if k == len(l.chunks) {
		if k == 0 {
			return 0, 0
		}
		k--
		return k, len(l.chunks[k])
	}
	c := l.chunks[k]
	return k, sort.Search(len(c), func(j int) bool { return l.cmp(c[j], e) >= 0 })
}

// pos is e's place in the list, or -1 when it is not in it.
func (l *orderList) pos(e *indexed) int {
	k, j := l.search(e)
	if k >= len(l.chunks) || j >= len(l.chunks[k]) || l.chunks[k][j] != e {
		return -1
	}
	return l.before(k) + j
}

func (l *orderList) insert(e *indexed) {
	if len(l.chunks) == 0 {
		l.chunks = append(l.chunks, append(make([]*indexed, 0, 2*chunkLoad+1), e))
		l.n = 1
		l.reindex()
		return
	}
	k, j := l.search(e)
	l.chunks[k] = slices.Insert(l.chunks[k], j, e)
	l.grow(k, 1)
	if c := l.chunks[k]; len(c) > 2*chunkLoad {
		half := append(make([]*indexed, 0, 2*chunkLoad+1), c[chunkLoad:]...)
		clear(c[chunkLoad:])
		l.chunks[k] = c[:chunkLoad]
		l.chunks = slices.Insert(l.chunks, k+1, half)
		l.reindex()
	}
}

// remove takes e out; false when it was not in the list.
func (l *orderList) remove(e *indexed) bool {
	k, j := l.search(e)
	if k >= len(l.chunks) || j >= len(l.chunks[k]) || l.chunks[k][j] != e {
		return false
	}
	c := slices.Delete(l.chunks[k], j, j+1)
	l.chunks[k] = c
	l.grow(k, -1)
	if len(c) >= chunkLoad/2 || len(l.chunks) == 1 {
		if len(c) == 0 {
			l.chunks = l.chunks[:0]
			l.reindex()
		}
		return true
	}
	// Merge a small chunk into a neighbour, splitting again if too big, so
	// that the chunks stay few whatever the pattern of moves.
	if k+1 == len(l.chunks) {
		k--
	}
	merged := append(l.chunks[k], l.chunks[k+1]...)
	l.chunks = slices.Delete(l.chunks, k+1, k+2)
	if len(merged) > 2*chunkLoad {
		half := append(make([]*indexed, 0, 2*chunkLoad+1), merged[len(merged)/2:]...)
		clear(merged[len(merged)/2:])
		merged = merged[:len(merged)/2]
		l.chunks = slices.Insert(l.chunks, k+1, half)
	}
	l.chunks[k] = merged
	l.reindex()
	return true
}

// appendRange appends the entries from i to j (exclusive) to dst.
func (l *orderList) appendRange(dst []*Device, i, j int) []*Device {
	i, j = max(0, i), min(j, l.n)
	if i >= j {
		return dst
	}
	k, off := l.locate(i)
	for n := j - i; n > 0; k, off = k+1, 0 {
		c := l.chunks[k][off:]
		c = c[:min(len(c), n)]
		for _, e := range c {
			dst = append(dst, e.d)
		}
		n -= len(c)
	}
	return dst
}
