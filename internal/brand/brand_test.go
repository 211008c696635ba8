package brand

import "testing"

func TestSums100(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		shares []float64
		want   bool
	}{
		{[]float64{33.33, 33.33, 33.33}, true}, // 99.99, as people type thirds
		{[]float64{33.34, 33.33, 33.33}, true},
		{[]float64{50, 50}, true},
		{[]float64{14.28, 14.28, 14.28, 14.28, 14.28, 14.28, 14.28}, false}, // 99.96
		{[]float64{60, 30}, false},
		{[]float64{100.02}, false},
	} {
		sum := 0.0
		for _, s := range tt.shares {
			sum += s
		}
		if got := Sums100(sum); got != tt.want {
			t.Errorf("Sums100 of %v (%v) = %v, want %v", tt.shares, sum, got, tt.want)
		}
	}
}
