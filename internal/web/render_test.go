package web

import "testing"

// TestFigureFormats: rates keep a decimal when they are not whole, and
// money keeps its cents, so that a rate of 0.4 % does not read 0 % nor
// 19.90 read 20.
func TestFigureFormats(t *testing.T) {
	t.Parallel()
	pct := funcs["pct"].(func(float64) string)
	amount := funcs["amount"].(func(float64) string)
	tests := []struct{ got, want string }{
		{pct(0.004), "0.4%"},
		{pct(0.25), "25%"},
		{pct(1.0 / 3), "33.3%"},
		{pct(0), "0%"},
		{amount(19.9), "19.9"},
		{amount(76797.456), "76,797.46"},
		{amount(100), "100"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
