package look

import "testing"

func TestSparkline(t *testing.T) {
	t.Parallel()
	if got := Sparkline([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 8); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("rising: %q", got)
	}
	if got := Sparkline([]float64{9, 1, 5, 1, 9}, 3); got != "▄▁█" {
		t.Errorf("last 3 of 5: %q", got)
	}
	if got := Sparkline([]float64{3, 3, 3}, 10); got != "" {
		t.Errorf("flat: %q", got)
	}
	if got := Sparkline([]float64{1}, 10); got != "" {
		t.Errorf("one point: %q", got)
	}
}
