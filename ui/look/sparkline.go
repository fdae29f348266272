package look

import "math"

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last width values, scaled between their min and max.
// A field that has not moved draws nothing: a flat line is only noise.
func Sparkline(values []float64, width int) string {
	if width <= 0 || len(values) < 2 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi == lo {
		return ""
	}
	out := make([]rune, len(values))
	for i, v := range values {
		idx := int((v - lo) / (hi - lo) * float64(len(sparkRunes)-1))
		out[i] = sparkRunes[max(0, min(idx, len(sparkRunes)-1))]
	}
	return string(out)
}
