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
