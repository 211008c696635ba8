package metric

import "testing"

func TestDefs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, d := range Defs {
		if seen[d.Key] {
			t.Errorf("duplicate key %s", d.Key)
		}
		seen[d.Key] = true
		if d.Unit == Rate && d.Additive {
			t.Errorf("%s: a rate cannot be additive", d.Key)
		}
	}
	tests := []struct {
		key      string
		ok       bool
		unit     Unit
		additive bool
	}{
		{"effective_clicks", true, Count, true},
		{"engagement_rate", true, Rate, false},
		{"revenue", true, Money, true},
		{"roi", true, Ratio, false},
		{"fans", false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			d, ok := Lookup(tt.key)
			if ok != tt.ok || d.Unit != tt.unit || d.Additive != tt.additive {
				t.Errorf("Lookup(%q) = %+v, %v", tt.key, d, ok)
			}
		})
	}
	if len(Keys()) != len(Defs) {
		t.Error("Keys and Defs differ in length")
	}
}
