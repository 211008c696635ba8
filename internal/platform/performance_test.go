package platform

import (
	"context"
	"maps"
	"math"
	"testing"

	"github.com/chorus-hq/chorus/internal/brand"
)

func TestPerformance(t *testing.T) {
	t.Parallel()
	results := []ChannelResult{
		{Platform: "weibo", EffectiveClicks: 200, Conversions: 10},      // 5 %
		{Platform: "xiaohongshu", EffectiveClicks: 100, Conversions: 8}, // 8 %
		{Platform: "zhihu", EffectiveClicks: 29, Conversions: 29},       // too few clicks
		{Platform: "", EffectiveClicks: 500, Conversions: 50},           // no channel
		{Platform: "weibo", EffectiveClicks: 200, Conversions: 10},      // another row of weibo: 400 and 20
	}
	for _, tt := range []struct {
		objective string
		want      map[string]float64
	}{
		{ObjectiveSales, map[string]float64{"weibo": 62.5, "xiaohongshu": 100}},
		{ObjectiveVoice, map[string]float64{"weibo": 100, "xiaohongshu": 25}},
		{ObjectivePR, nil},
	} {
		got := Performance(tt.objective, results)
		if !maps.EqualFunc(got, tt.want, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }) {
			t.Errorf("Performance(%s) = %v; want %v", tt.objective, got, tt.want)
		}
	}
	if got := Performance(ObjectiveSales, nil); got != nil {
		t.Errorf("no results: %v; want none", got)
	}
}

// TestFitMeasured: with results wired in, fit has a measured component
// for the platforms measured, and reads the results once for many
// personas.
func TestFitMeasured(t *testing.T) {
	t.Parallel()
	s, _ := newTestService(t)
	reads := 0
	s.Results = func(_ context.Context, ws int64) ([]ChannelResult, error) {
		reads++
		return []ChannelResult{{Platform: "weibo", EffectiveClicks: 100, Conversions: 5}, {Platform: "douyin", EffectiveClicks: 100, Conversions: 10}}, nil
	}
	fits, err := s.FitEach(context.Background(), 1, []brand.Persona{{}, {}}, ObjectiveSales)
	if err != nil || len(fits) != 2 || reads != 1 {
		t.Fatalf("FitEach = %d lists, %v, %d reads; want 2 lists, 1 read", len(fits), err, reads)
	}
	perf := map[string]*float64{}
	for _, f := range fits[0] {
		for _, c := range f.Components {
			if c.Name == ComponentPerformance {
				perf[f.Platform] = c.Score
			}
		}
	}
	if p := perf["douyin"]; p == nil || *p != 100 {
		t.Errorf("douyin's measured score %v; want 100", p)
	}
	if p := perf["weibo"]; p == nil || *p != 50 {
		t.Errorf("weibo's measured score %v; want 50", p)
	}
	if p := perf["zhihu"]; p != nil {
		t.Errorf("zhihu, unmeasured, scored %v", *p)
	}
}
