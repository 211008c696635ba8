package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// topicsWorkspace inserts workspace 1 and its brand topics of ids, all
// created at, and returns the database to write what a test needs.
func topicsWorkspace(t *testing.T, db *store.DB, at time.Time, ids ...int64) *sql.DB {
	t.Helper()
	ctx := context.Background()
	w := db.WriteDB()
	if _, err := w.ExecContext(ctx, `INSERT INTO workspaces (id, slug, name, time_zone, currency, created_at, updated_at) VALUES (1, 'w', 'W', 'UTC', 'CNY', $1, $1)`, at); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := w.ExecContext(ctx, `INSERT INTO topics (id, workspace_id, name, kind, query, enabled, created_at, updated_at) VALUES ($1, 1, $2, 'brand', 'oat', TRUE, $3, $3)`, id, fmt.Sprint("t", id), at); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// oatMention is the i-th mention of a test, of topics, published at.
func oatMention(i int, topics []int64, at time.Time, sentiment string, followers int64) listen.NewMention {
	return listen.NewMention{Mention: listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint(i), Author: fmt.Sprint("a", i), Text: "oat",
		ContentHash: fmt.Sprint(i), Sentiment: sentiment, TopicIDs: topics, AuthorFollowers: followers, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1}
}

// TestTopAuthorsEngagementBounded: mentions stored before their counts
// were bounded on the way in may hold likes, reposts and comments near
// the largest integer; the top authors count each as listen.MaxCount at
// most (and a negative one as 0) instead of failing or wrapping negative.
func TestTopAuthorsEngagementBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		w := topicsWorkspace(t, db, at, 7)
		const huge = math.MaxInt64 - 1
		cases := []struct {
			author                   string
			likes, reposts, comments []int64 // one mention each
			want                     int64
		}{
			{"old-counts", []int64{huge, huge}, []int64{huge, 5}, []int64{huge, 0}, 4*listen.MaxCount + 5},
			{"one-huge", []int64{huge}, []int64{1}, []int64{2}, listen.MaxCount + 3},
			{"negative", []int64{-huge, 4}, []int64{0, 0}, []int64{0, 0}, 4},
			{"ordinary", []int64{10, 20}, []int64{1, 2}, []int64{3, 4}, 40},
		}
		var ms []listen.NewMention
		for _, c := range cases {
			for i := range c.likes {
				ms = append(ms, listen.NewMention{Mention: listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint(c.author, i), Author: c.author, Text: "oat",
					ContentHash: fmt.Sprint(c.author, i), Sentiment: listen.Neutral, TopicIDs: []int64{7}, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1})
			}
		}
		if _, _, err := db.SaveMentions(ctx, 1, ms, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			for i := range c.likes {
				if _, err := w.ExecContext(ctx, `UPDATE mentions SET likes = $1, reposts = $2, comments = $3 WHERE workspace_id = 1 AND external_id = $4`,
					c.likes[i], c.reposts[i], c.comments[i], fmt.Sprint(c.author, i)); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, err := db.TopAuthors(ctx, 1, nil, at.Add(-time.Hour), at.Add(time.Hour), 10)
		if err != nil {
			t.Fatalf("TopAuthors: %v", err)
		}
		engagement := map[string]int64{}
		for _, a := range got {
			engagement[a.Author] = a.Engagement
		}
		for _, c := range cases {
			if e, ok := engagement[c.author]; !ok || e != c.want {
				t.Errorf("%s: engagement %d (listed %v), want %d", c.author, e, ok, c.want)
			}
		}
	})
}

// TestReachBounded: mentions and their roll-ups stored before followers
// were bounded on the way in may hold a reach near the largest integer,
// or on SQLite past it (a real number, which two such sums in one hour
// became); the mention roll-ups and the mentions of cut hours count each
// mention's followers as listen.MaxCount at most, and a negative reach
// as 0, instead of failing the read or wrapping the sums negative.
func TestReachBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hour := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Hour)
		w := topicsWorkspace(t, db, hour, 7, 8)
		// Two topic sets in the first hour, {7} with two mentions and
		// {7, 8} with one; one mention in the next hour, a negative sum.
		var ms []listen.NewMention
		for i, m := range []struct {
			topics []int64
			at     time.Time
		}{{[]int64{7}, hour}, {[]int64{7}, hour.Add(time.Minute)}, {[]int64{7, 8}, hour.Add(2 * time.Minute)}, {[]int64{7}, hour.Add(time.Hour)}} {
			ms = append(ms, oatMention(i, m.topics, m.at, listen.Neutral, 10))
		}
		if _, _, err := db.SaveMentions(ctx, 1, ms, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}
		const huge = math.MaxInt64 - 1
		type update struct {
			q    string
			args []any
		}
		old := []update{
			{`UPDATE mentions SET author_followers = $1 WHERE workspace_id = 1 AND external_id IN ('0', '1')`, []any{int64(huge)}},
			{`UPDATE mention_rollups SET reach = $1 WHERE workspace_id = 1 AND hour = $2`, []any{int64(huge), hour}},
			{`UPDATE mention_rollups SET reach = $1 WHERE workspace_id = 1 AND hour = $2`, []any{int64(-huge), hour.Add(time.Hour)}},
		}
		if strings.HasSuffix(t.Name(), "sqlite") {
			// What adding a second huge reach to a roll-up left on SQLite.
			old = append(old, update{`UPDATE mention_rollups SET reach = reach + $1 WHERE workspace_id = 1 AND hour = $2 AND topic_ids = '7'`, []any{int64(huge), hour}})
		}
		for _, u := range old {
			if _, err := w.ExecContext(ctx, u.q, u.args...); err != nil {
				t.Fatalf("%s: %v", u.q, err)
			}
		}

		rows, err := db.MentionRollups(ctx, 1, []int64{7}, hour, hour.Add(2*time.Hour))
		if err != nil {
			t.Fatalf("MentionRollups: %v", err)
		}
		var got []int64
		for _, r := range rows {
			got = append(got, r.Reach)
		}
		if want := []int64{3 * listen.MaxCount, 0}; !slices.Equal(got, want) {
			t.Errorf("mention roll-ups' reach %v, want %v", got, want)
		}
		cut, err := db.CutHourVoices(ctx, 1, [][]int64{{7}}, []time.Time{hour})
		if err != nil {
			t.Fatalf("CutHourVoices: %v", err)
		}
		got = nil
		for _, r := range cut[0] {
			got = append(got, r.Reach)
		}
		if want := []int64{listen.MaxCount, listen.MaxCount, 10}; !slices.Equal(got, want) {
			t.Errorf("cut hour's reach %v, want %v", got, want)
		}
	})
}

// TestVoicesReadAtOnce: the roll-ups and the mentions of cut hours of
// several voices, read at once, are each voice's as read alone: a
// mention of topics of two voices counts for both, once for each, and an
// empty voice has none.
func TestVoicesReadAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hour := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Hour)
		topicsWorkspace(t, db, hour, 7, 8, 9)
		var ms []listen.NewMention
		for i, m := range []struct {
			topics    []int64
			at        time.Duration
			sentiment string
		}{{[]int64{7}, 0, listen.Positive}, {[]int64{7, 8}, time.Minute, listen.Negative}, {[]int64{8, 9}, 2 * time.Minute, listen.Neutral}, {[]int64{9}, 70 * time.Minute, listen.Negative}} {
			ms = append(ms, oatMention(i, m.topics, hour.Add(m.at), m.sentiment, int64(10*(i+1))))
		}
		if _, _, err := db.SaveMentions(ctx, 1, ms, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}
		voices := [][]int64{{7}, {8, 9}, {}, {7, 8, 9}}
		hours := []time.Time{hour, hour.Add(time.Hour)}
		all, err := db.VoiceRollups(ctx, 1, voices, hour, hour.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		cuts, err := db.CutHourVoices(ctx, 1, voices, hours)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(voices) || len(cuts) != len(voices) {
			t.Fatalf("%d roll-ups and %d cut hours for %d voices", len(all), len(cuts), len(voices))
		}
		for i, v := range voices {
			alone, err := db.MentionRollups(ctx, 1, v, hour, hour.Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := rollupText(all[i]), rollupText(alone); got != want {
				t.Errorf("voice %v read with the others: %s, alone: %s", v, got, want)
			}
			var volume, reach int64
			for _, r := range cuts[i] {
				volume, reach = volume+r.Volume, reach+r.Reach
			}
			var wantVolume, wantReach int64
			for _, r := range alone {
				wantVolume, wantReach = wantVolume+r.Volume, wantReach+r.Reach
			}
			if volume != wantVolume || reach != wantReach || len(cuts[i]) != int(volume) {
				t.Errorf("voice %v: cut hours hold %d mentions (%d rows) of reach %d, want %d of %d", v, volume, len(cuts[i]), reach, wantVolume, wantReach)
			}
		}
	})
}
