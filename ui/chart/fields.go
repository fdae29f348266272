package chart

import "sqc/state"

// SeriesOf are the numeric fields of a device's messages, as
// state.NumericFields gathers them, ready to draw: the one conversion the
// history pane, `sqc history --plot` and the ticket share.
func SeriesOf(fields []state.FieldSeries) []Series {
	out := make([]Series, len(fields))
	for i, f := range fields {
		pts := make([]Point, len(f.Points))
		for j, p := range f.Points {
			pts[j] = Point{T: p.T, V: p.V}
		}
		out[i] = Series{Name: f.Key, Unit: f.Unit, Points: pts}
	}
	return out
}
