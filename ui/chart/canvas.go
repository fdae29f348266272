package chart

// canvas is a grid of braille cells addressed by dot: w×h cells hold
// 2w×4h dots, (0,0) the top left.
type canvas struct {
	w, h  int
	cells []uint8 // one braille pattern per cell, row by row
}

func newCanvas(w, h int) *canvas {
	return &canvas{w: w, h: h, cells: make([]uint8, w*h)}
}

// dotBits is the braille bit of a dot by its place in the cell: the
// Unicode order is 1-2-3 down the left column, 4-5-6 down the right,
// then 7 and 8 under them.
var dotBits = [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

func (c *canvas) set(x, y int) {
	if x < 0 || y < 0 || x >= 2*c.w || y >= 4*c.h {
		return
	}
	c.cells[(y/4)*c.w+x/2] |= dotBits[y%4][x%2]
}

// vline sets the dots of column x from y0 to y1, either way round.
func (c *canvas) vline(x, y0, y1 int) {
	if y0 > y1 {
		y0, y1 = y1, y0
	}
	for y := y0; y <= y1; y++ {
		c.set(x, y)
	}
}

// line joins two dots (Bresenham).
func (c *canvas) line(x0, y0, x1, y1 int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	err := dx + dy
	for {
		c.set(x0, y0)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * err
		if e2 >= dy {
			err += dy
			x0 += sx
		}
		if e2 <= dx {
			err += dx
			y0 += sy
		}
	}
}

// row is one row of cells as runes; an empty cell is a braille blank,
// which keeps every row the same width in any font.
func (c *canvas) row(y int) []rune {
	out := make([]rune, c.w)
	for x := range out {
		out[x] = rune(0x2800) + rune(c.cells[y*c.w+x])
	}
	return out
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
