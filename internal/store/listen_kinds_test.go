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

// TestMentionsBySourcePlatform: the stream's source filter reads a
// platform as source: does, with the sources that search it.
func TestMentionsBySourcePlatform(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		var batch []listen.NewMention
		for i, kind := range []string{"weibo", "weibo_search", "rss", "mastodon_tag", "mastodon_search", "weibo"} {
			batch = append(batch, listen.NewMention{Mention: listen.Mention{SourceKind: kind, ExternalID: fmt.Sprint("p", i), Text: "t", ContentHash: fmt.Sprint("p", i),
				Sentiment: listen.Neutral, PublishedAt: at.Add(time.Duration(i) * time.Minute), FetchedAt: at}, ClusterIndex: -1})
		}
		if _, _, err := db.SaveMentions(ctx, ws, batch, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			filter string
			want   []string
		}{
			{"weibo", []string{"weibo", "weibo_search", "weibo"}},
			{"weibo_search", []string{"weibo_search"}},
			{"mastodon", []string{"mastodon_search", "mastodon_tag"}},
			{"rss", []string{"rss"}},
			{"bluesky", nil},
		} {
			ms, err := db.Mentions(ctx, ws, listen.MentionFilter{SourceKind: tt.filter, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.SourceKind)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("source %s: %v; want %v (newest first)", tt.filter, got, tt.want)
			}
		}
	})
}
