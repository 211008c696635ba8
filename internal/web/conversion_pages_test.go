package web

import (
	"testing"

	"github.com/chorus-hq/chorus/internal/conversion"
)

func TestFunnelStages(t *testing.T) {
	t.Parallel()
	// More leads than inquiries: a lead needs no inquiry.
	fn := conversion.Funnel{EffectiveClicks: 200, Landing: 200, Engaged: 100, Inquiries: 10, Leads: 25, Purchases: 5}
	want := []struct {
		key         string
		rate, share float64 // -1: nil
	}{
		{"effective_clicks", -1, -1},
		{"landing", 1, 1},
		{"engaged", 0.5, 0.5},
		{"inquiries", 0.1, 0.05},
		{"leads", 2.5, 0.125},
		{"purchases", 0.2, 0.025},
	}
	got := funnelStages(fn)
	if len(got) != len(want) {
		t.Fatalf("%d stages, want %d", len(got), len(want))
	}
	val := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	for i, w := range want {
		g := got[i]
		if g.Key != w.key || val(g.Rate) != w.rate || val(g.Share) != w.share {
			t.Errorf("stage %d = %s rate %v share %v; want %s rate %v share %v", i, g.Key, val(g.Rate), val(g.Share), w.key, w.rate, w.share)
		}
	}
	// No effective clicks and no engaged visits: no shares, and no rate
	// after an empty stage.
	got = funnelStages(conversion.Funnel{Landing: 3, Leads: 2})
	for _, g := range got {
		if g.Share != nil {
			t.Errorf("%s: share %v of no effective clicks", g.Key, *g.Share)
		}
	}
	if got[1].Rate != nil || got[2].Rate == nil || *got[2].Rate != 0 || got[3].Rate != nil || got[4].Rate != nil {
		t.Errorf("rates = landing %v, engaged %v, inquiries %v, leads %v; want nil, 0, nil, nil", got[1].Rate, got[2].Rate, got[3].Rate, got[4].Rate)
	}
}

// TestFunnelChartLinear: the funnel's bars are drawn on a linear axis, so
// that 461 purchases look a twentieth of 10,037 effective clicks (a log
// axis drew them 80 % as long), and labelled as the table writes counts.
func TestFunnelChartLinear(t *testing.T) {
	t.Parallel()
	l := lang{s: &Server{cat: mustCatalog(t)}, loc: "en"}
	opt := chartJSON(t, funnelChart(funnelStages(conversion.Funnel{EffectiveClicks: 10037, Landing: 9433, Engaged: 5471, Inquiries: 1238, Leads: 847, Purchases: 461}), l))
	if typ := optAt(t, opt, "xAxis")["type"]; typ != "value" {
		t.Errorf("xAxis type %v, want value (linear)", typ)
	}
	series, _ := opt["series"].([]any)
	data, _ := series[0].(map[string]any)["data"].([]any)
	widest, _ := data[len(data)-1].(map[string]any)
	label, _ := widest["label"].(map[string]any)
	if f := label["formatter"]; f != "10,037" {
		t.Errorf("label of the effective clicks = %v, want 10,037", f)
	}
}
