package demo

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestDemoCampaigns loads the demo twice and checks its three campaigns: a
// sales campaign in progress, a finished voice campaign and the next
// season's draft, all valid plans tied to the demo's step-1 items.
func TestDemoCampaigns(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	cat, err := platform.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := brand.NewService(db, cat.Has)
	ps := platform.NewService(cat, db)
	cs := campaign.NewService(db, b, ps, cat)
	d := Deps{Accounts: account.NewService(db, account.DefaultThrottle(db)), Brand: b, Platforms: ps, Campaigns: cs}
	for range 2 {
		if _, err := Load(ctx, d); err != nil {
			t.Fatalf("Load: %v", err)
		}
	}
	ws, err := d.Accounts.WorkspaceBySlug(ctx, Slug)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cs.List(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("demo has %d campaigns after two loads, want 3", len(list))
	}
	loc, _ := time.LoadLocation(timeZone)
	today := campaign.DateOf(time.Now().In(loc))
	bySlug := map[string]campaign.Campaign{}
	for _, c := range list {
		bySlug[c.Slug] = c
	}
	sales, voice, gift := bySlug["winter-warm-coffee"], bySlug["origin-flavour-season"], bySlug["spring-festival-gift-box"]
	if sales.Objective != "sales" || sales.Status != "active" || !(sales.Start < today && today < sales.End) || len(sales.Phases) != 4 {
		t.Errorf("sales campaign = %s %s %s–%s, %d phases", sales.Objective, sales.Status, sales.Start, sales.End, len(sales.Phases))
	}
	if voice.Objective != "voice" || voice.Status != "done" || voice.End >= today.AddDays(-20) {
		t.Errorf("voice campaign = %s %s ending %s", voice.Objective, voice.Status, voice.End)
	}
	// The campaigns that have started lie within the days the demo has
	// clicks and mentions of, or their first days read as empty.
	for _, c := range []campaign.Campaign{sales, voice} {
		if first := today.AddDays(-(min(mentionDays, trafficDays) - 1)); c.Start < first {
			t.Errorf("%s starts %s, before the demo's data starts on %s", c.Slug, c.Start, first)
		}
	}
	if gift.Objective != "sales" || gift.Status != "draft" || gift.Start <= sales.End || len(gift.Phases) != 3 || len(gift.Hours) == 0 {
		t.Errorf("draft campaign = %s %s %s–%s after the sales campaign's end %s, %d phases, %d hours lines",
			gift.Objective, gift.Status, gift.Start, gift.End, sales.End, len(gift.Phases), len(gift.Hours))
	}
	amps, _ := b.Amplifiers.List(ctx, ws.ID)
	team, _ := b.Team.List(ctx, ws.ID)
	for _, c := range list {
		if len(c.Targets) == 0 || len(c.Mix) != 4 || len(c.BudgetLines) == 0 {
			t.Errorf("%s: %d targets, %d mix, %d budget lines", c.Name, len(c.Targets), len(c.Mix), len(c.BudgetLines))
		}
	}
	var resources []int64
	for _, l := range sales.BudgetLines {
		if l.ResourceID != 0 {
			resources = append(resources, l.ResourceID)
		}
	}
	for _, a := range amps {
		if a.Kind == "kol" && !slices.Contains(resources, a.ID) {
			t.Errorf("sales campaign does not buy KOL %s", a.Name)
		}
	}
	if len(sales.Hours) != len(team) {
		t.Errorf("sales hours for %d members, want %d", len(sales.Hours), len(team))
	}
	var phaseTargets, platformTargets int
	for _, tg := range sales.Targets {
		if tg.PhaseID != 0 {
			phaseTargets++
		}
		if tg.Platform != "" {
			platformTargets++
		}
	}
	if phaseTargets == 0 || platformTargets < 2 {
		t.Errorf("sales targets: %d per phase, %d per platform", phaseTargets, platformTargets)
	}
	plan, err := cs.Plan(ctx, ws.ID, sales.ID, nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if plan.Budget.Spent == 0 || plan.Budget.Committed == 0 || len(plan.KPI) == 0 {
		t.Errorf("sales plan = %+v", plan.Budget)
	}
	// The draft is planned, not started: money committed, nothing spent
	// and no people cost.
	plan, err = cs.Plan(ctx, ws.ID, gift.ID, loc, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if plan.Budget.Planned == 0 || plan.Budget.Committed == 0 || plan.Budget.Spent != 0 || len(plan.KPI) == 0 {
		t.Errorf("draft plan = %+v, %d KPI", plan.Budget, len(plan.KPI))
	}
	if m := plan.Measured; m != nil && m.Cost != (campaign.CostSplit{}) {
		t.Errorf("draft's cost so far = %+v, want none", m.Cost)
	}
}

// TestShareOfVoiceTargets: a share-of-voice target and its baseline are
// near the brand's share of the listening stream's brand talk (its weight
// in voices), which the campaign page measures them against; a baseline
// far under it read as a campaign that quadrupled its share.
func TestShareOfVoiceTargets(t *testing.T) {
	share := voices[0].weight
	var total float64
	for _, v := range voices {
		total += v.weight
	}
	share /= total
	today := campaign.Date("2026-12-07")
	for _, c := range []campaign.Campaign{salesCampaign(today, refIDs{}), voiceCampaign(today, refIDs{}), giftCampaign(today, refIDs{})} {
		for _, tg := range c.Targets {
			if tg.Metric != "share_of_voice" {
				continue
			}
			if tg.Value < share-0.1 || tg.Value > share+0.1 || tg.Baseline == nil || *tg.Baseline < share-0.15 || *tg.Baseline > tg.Value {
				t.Errorf("%s: share of voice target %v, baseline %v; want both near the brand's share %.2f, the baseline below the target", c.Slug, tg.Value, tg.Baseline, share)
			}
		}
	}
}
