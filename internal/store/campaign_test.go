package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestCampaigns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := brandTestWorkspace(t, db)
		other := brandTestWorkspace(t, db)

		cs, err := db.Campaigns(ctx, ws)
		if err != nil || cs == nil || len(cs) != 0 {
			t.Fatalf("Campaigns of empty workspace = %#v, %v; want empty, non-nil", cs, err)
		}
		base := 0.5
		c := campaign.Campaign{
			Name: "冬日暖咖季", Slug: "winter", Objective: "sales", Status: "draft", Start: "2026-01-01", End: "2026-02-28", Budget: 1000,
			Phases:  []campaign.Phase{{ID: 1, Name: "预热", Objective: "voice", Start: "2026-01-01", End: "2026-01-10"}},
			Targets: []campaign.Target{{ID: 1, Metric: "engagement_rate", Value: 0.04, Unit: "rate", Direction: campaign.AtLeast, Baseline: &base}},
			Mix:     []campaign.MixEntry{{Platform: "weibo", BudgetShare: 100}},
		}
		created, err := db.CreateCampaign(ctx, ws, c)
		if err != nil {
			t.Fatal(err)
		}
		if created.ID == 0 || created.Version != 1 || created.CreatedAt.IsZero() || !created.CreatedAt.Equal(created.UpdatedAt) {
			t.Fatalf("created = %+v", created)
		}
		got, err := db.Campaign(ctx, ws, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != c.Name || got.Slug != "winter" || got.Start != c.Start || got.Version != 1 || len(got.Phases) != 1 ||
			got.Targets[0].Baseline == nil || *got.Targets[0].Baseline != 0.5 || got.Mix[0].Platform != "weibo" || !got.CreatedAt.Equal(created.CreatedAt) {
			t.Errorf("Campaign = %+v", got)
		}

		// The slug is unique per workspace, not across workspaces.
		_, err = db.CreateCampaign(ctx, ws, c)
		wantCode(t, "duplicate slug", err, apperr.Conflict)
		if ae, ok := err.(*apperr.Error); !ok || len(ae.Fields) != 1 || ae.Fields[0].Field != "slug" {
			t.Errorf("duplicate slug error = %#v, want field slug", err)
		}
		theirs, err := db.CreateCampaign(ctx, other, c)
		if err != nil {
			t.Fatalf("same slug in another workspace: %v", err)
		}

		// Update: the version moves on; a stale version is a conflict.
		got.Name, got.Status = "冬日暖咖季·加场", "active"
		upd, err := db.UpdateCampaign(ctx, ws, got, 1)
		if err != nil {
			t.Fatal(err)
		}
		if upd.Version != 2 || !upd.CreatedAt.Equal(created.CreatedAt) || upd.UpdatedAt.Before(created.UpdatedAt) {
			t.Errorf("updated = %+v", upd)
		}
		_, err = db.UpdateCampaign(ctx, ws, got, 1)
		wantCode(t, "stale version", err, apperr.Conflict)
		missing := got
		missing.ID = 99999
		_, err = db.UpdateCampaign(ctx, ws, missing, 1)
		wantCode(t, "update missing", err, apperr.NotFound)
		got2, _ := db.Campaign(ctx, ws, created.ID)
		if got2.Name != "冬日暖咖季·加场" || got2.Status != "active" || got2.Version != 2 {
			t.Errorf("after update = %+v", got2)
		}
		second := c
		second.Slug, second.Start = "spring", "2026-03-01"
		second.End = "2026-03-31"
		sc, err := db.CreateCampaign(ctx, ws, second)
		if err != nil {
			t.Fatal(err)
		}
		got2.Slug = "spring"
		_, err = db.UpdateCampaign(ctx, ws, got2, 2)
		wantCode(t, "update to taken slug", err, apperr.Conflict)

		cs, err = db.Campaigns(ctx, ws)
		if err != nil || len(cs) != 2 || cs[0].ID != sc.ID || cs[1].ID != created.ID {
			t.Errorf("Campaigns = %+v, %v; want newest start first", cs, err)
		}

		// Workspace isolation: another workspace's id does not exist here.
		_, err = db.Campaign(ctx, ws, theirs.ID)
		wantCode(t, "read across workspaces", err, apperr.NotFound)
		theirsUpd := theirs
		theirsUpd.Name = "hijack"
		_, err = db.UpdateCampaign(ctx, ws, theirsUpd, 1)
		wantCode(t, "update across workspaces", err, apperr.NotFound)
		wantCode(t, "delete across workspaces", db.DeleteCampaign(ctx, ws, theirs.ID), apperr.NotFound)
		if cs, _ := db.Campaigns(ctx, other); len(cs) != 1 || cs[0].Name != c.Name {
			t.Errorf("other workspace's campaigns = %+v", cs)
		}

		// When it stopped (marked done or cancelled) is kept with it, to
		// the microsecond: its people cost stops there.
		stopped := time.Date(2026, 1, 5, 2, 3, 4, 567000, time.UTC)
		got2.Slug, got2.Status, got2.StoppedAt = "winter", "done", stopped
		if _, err := db.UpdateCampaign(ctx, ws, got2, 2); err != nil {
			t.Fatal(err)
		}
		if got3, err := db.Campaign(ctx, ws, created.ID); err != nil || !got3.StoppedAt.Equal(stopped) || got3.Status != "done" {
			t.Errorf("done campaign = %+v, %v; want stopped at %v", got3, err, stopped)
		}

		if err := db.DeleteCampaign(ctx, ws, created.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.Campaign(ctx, ws, created.ID)
		wantCode(t, "read deleted", err, apperr.NotFound)
		wantCode(t, "delete twice", db.DeleteCampaign(ctx, ws, created.ID), apperr.NotFound)
	})
}
