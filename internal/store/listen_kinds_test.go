package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestMentionSourceKinds: every kind the workspace's mentions carry, once
// and in order, none of another workspace's, and none for no mentions.
func TestMentionSourceKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		kinds, err := db.MentionSourceKinds(ctx, ws)
		if err != nil || len(kinds) != 0 || kinds == nil {
			t.Fatalf("no mentions: %#v, %v; want an empty list", kinds, err)
		}
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		var batch []listen.NewMention
		for i, kind := range []string{"xiaohongshu", "rss", "webhook", "rss", "import", "xiaohongshu"} {
			batch = append(batch, listen.NewMention{Mention: listen.Mention{SourceKind: kind, ExternalID: fmt.Sprint("k", i), Text: "t", ContentHash: fmt.Sprint("k", i),
				Sentiment: listen.Neutral, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1})
		}
		if _, _, err := db.SaveMentions(ctx, ws, batch, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}
		other := linkTestWorkspace(t, db)
		if _, _, err := db.SaveMentions(ctx, other, []listen.NewMention{{Mention: listen.Mention{SourceKind: "bilibili", ExternalID: "o", Text: "t", ContentHash: "o",
			Sentiment: listen.Neutral, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1}}, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}
		kinds, err = db.MentionSourceKinds(ctx, ws)
		if want := []string{"import", "rss", "webhook", "xiaohongshu"}; err != nil || !slices.Equal(kinds, want) {
			t.Errorf("got %v, %v; want %v", kinds, err, want)
		}
	})
}
