package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// rollupText prints roll-ups as "hour volume/positive/neutral/negative reach".
func rollupText(rs []listen.Rollup) string {
	out := ""
	for _, r := range rs {
		out += fmt.Sprintf("[%s %d/%d/%d/%d %d]", r.Hour.Format("15h"), r.Volume, r.Positive, r.Neutral, r.Negative, r.Reach)
	}
	return out
}

// TestUpgradedMentionRollups: migration 0023 counts the stored mentions
// once per hour and topic set, in the rows that mentions stored after it
// add to, so that figures over several topics count every mention once
// across the upgrade.
func TestUpgradedMentionRollups(t *testing.T) {
	eachUpgrade(t, "0022_link_snippets.sql", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		w := db.WriteDB()
		if _, err := w.ExecContext(ctx, `INSERT INTO workspaces (id, slug, name, time_zone, currency, created_at, updated_at) VALUES (1, 'w', 'W', 'UTC', 'CNY', $1, $1)`, at); err != nil {
			t.Fatal(err)
		}
		if _, err := w.ExecContext(ctx, `INSERT INTO topics (id, workspace_id, name, kind, query, created_at, updated_at)
			VALUES (7, 1, 'brand', 'brand', 'oat', $1, $1), (3, 1, 'latte', 'product', 'latte', $1, $1), (5, 1, 'crisis', 'crisis', 'recall', $1, $1)`, at); err != nil {
			t.Fatal(err)
		}
		for i, m := range []struct {
			topics, sentiment string
			at                time.Time
		}{
			{"3,7", "positive", at}, {"3,7", "negative", at.Add(20 * time.Minute)}, {"7", "neutral", at}, {"5", "negative", at},
			{"", "neutral", at}, {"7", "negative", at.Add(time.Hour)},
		} {
			if _, err := w.ExecContext(ctx, `INSERT INTO mentions (workspace_id, source_kind, external_id, author_followers, text, content_hash, sentiment, published_at, fetched_at, topic_ids)
				VALUES (1, 'rss', $1, 10, 'x', $1, $2, $3, $3, $4)`, fmt.Sprint("e", i), m.sentiment, m.at.UTC(), m.topics); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		_, _, err := db.SaveMentions(ctx, 1, []listen.NewMention{{Mention: listen.Mention{SourceKind: "rss", ExternalID: "new", Text: "y", ContentHash: "new",
			Sentiment: listen.Positive, AuthorFollowers: 100, TopicIDs: []int64{7, 3}, PublishedAt: at.Add(10 * time.Minute), FetchedAt: at}, ClusterIndex: -1}}, listen.NearSync{})
		if err != nil {
			t.Fatal(err)
		}
		var rows int
		if err := w.QueryRowContext(ctx, `SELECT COUNT(*) FROM mention_rollups WHERE workspace_id = 1 AND topic_ids = '3,7'`).Scan(&rows); err != nil || rows != 1 {
			t.Errorf("roll-up rows of topics 3,7: %d, %v; want the stored ones and the new one in one", rows, err)
		}
		for _, tt := range []struct {
			topics []int64
			want   string
		}{
			{[]int64{3, 7}, "[09h 4/2/1/1 130][10h 1/0/0/1 10]"},
			{[]int64{3}, "[09h 3/2/0/1 120]"},
			{[]int64{7, 5}, "[09h 5/2/1/2 140][10h 1/0/0/1 10]"},
			{nil, ""},
		} {
			got, err := db.MentionRollups(ctx, 1, tt.topics, at.Truncate(time.Hour), at.Add(2*time.Hour))
			if err != nil || rollupText(got) != tt.want {
				t.Errorf("MentionRollups(%v) = %s, %v; want %s", tt.topics, rollupText(got), err, tt.want)
			}
		}
	})
}

// TestMentionRollupsFollowCorrections: a corrected label moves the
// mention's count in its topic set's roll-up too, and a deleted topic no
// longer counts.
func TestMentionRollupsFollowCorrections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		brand, err := db.CreateTopic(ctx, ws, listen.Topic{Name: "brand", Kind: "brand", Query: "oat", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		product, err := db.CreateTopic(ctx, ws, listen.Topic{Name: "latte", Kind: "product", Query: "latte", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		var batch []listen.NewMention
		for i, topics := range [][]int64{{brand.ID, product.ID}, {product.ID}} {
			batch = append(batch, listen.NewMention{Mention: listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint("c", i), Text: "t", ContentHash: fmt.Sprint("c", i),
				Sentiment: listen.Neutral, TopicIDs: topics, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1})
		}
		ids, _, err := db.SaveMentions(ctx, ws, batch, listen.NearSync{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetMentionSentiment(ctx, ws, ids[0], listen.Negative); err != nil {
			t.Fatal(err)
		}
		read := func() string {
			t.Helper()
			got, err := db.MentionRollups(ctx, ws, []int64{brand.ID, product.ID}, at.Truncate(time.Hour), at.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			return rollupText(got)
		}
		if got, want := read(), "[09h 2/0/1/1 0]"; got != want {
			t.Errorf("after a correction: %s, want %s", got, want)
		}
		if err := db.DeleteTopic(ctx, ws, product.ID); err != nil {
			t.Fatal(err)
		}
		if got, want := read(), "[09h 1/0/0/1 0]"; got != want {
			t.Errorf("after the product topic went: %s, want %s", got, want)
		}
	})
}

// TestUpgradedBareIDs: migration 0023 scopes by their source the ids of
// pushed and imported mentions stored before ids were scoped (1 becomes
// s12:1), so that the source pushing them again is still told they are
// stored, and another source's post numbered alike is not hidden by them.
func TestUpgradedBareIDs(t *testing.T) {
	eachUpgrade(t, "0022_link_snippets.sql", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		w := db.WriteDB()
		if _, err := w.ExecContext(ctx, `INSERT INTO workspaces (id, slug, name, time_zone, currency, created_at, updated_at) VALUES (1, 'w', 'W', 'UTC', 'CNY', $1, $1)`, at); err != nil {
			t.Fatal(err)
		}
		source := func(name string) int64 {
			t.Helper()
			s, err := db.CreateSource(ctx, 1, listen.Source{Kind: "webhook", Name: name, Enabled: true})
			if err != nil {
				t.Fatal(err)
			}
			return s.ID
		}
		hookA, hookB, gone := source("a"), source("b"), source("gone")
		old := func(kind, id string, src int64, text string) {
			t.Helper()
			if _, err := w.ExecContext(ctx, `INSERT INTO mentions (workspace_id, source_id, source_kind, external_id, author, text, content_hash, published_at, fetched_at)
				VALUES (1, $1, $2, $3, 'u', $4, $3, $5, $5)`, sql.NullInt64{Int64: src, Valid: src != 0}, kind, id, text, at); err != nil {
				t.Fatal(err)
			}
		}
		old("webhook", "1", hookA, "旧版本存下的推送")
		old("import", "7", hookA, "旧版本导入的一行")
		old("webhook", "2", 0, "没有来源的推送")
		old("webhook", "3", gone, "来源已删的推送")
		old("weibo", "4", hookA, "微博自己的编号")
		old("webhook", listen.ScopedID(hookA, "5"), hookA, "升级前已按来源编号")
		old("webhook", "6", hookA, "编号已被占用")
		old("webhook", listen.ScopedID(hookA, "6"), hookA, "占用者")
		if err := db.DeleteSource(ctx, 1, gone); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var ids []string
		rows, err := w.QueryContext(ctx, `SELECT source_kind || ' ' || external_id FROM mentions ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		want := fmt.Sprintf("[webhook s%d:1 import s%[1]d:7 webhook 2 webhook 3 weibo 4 webhook s%[1]d:5 webhook 6 webhook s%[1]d:6]", hookA)
		if fmt.Sprint(ids) != want {
			t.Errorf("external ids after the upgrade: %v, want %s", ids, want)
		}

		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		for _, tt := range []struct {
			name              string
			post              listen.Post
			stored, duplicate int
		}{
			{"its source pushes it again, edited", listen.Post{SourceID: hookA, SourceKind: "webhook", ExternalID: "1", Author: "u", Text: "旧版本存下的推送（已编辑）", PublishedAt: at}, 0, 1},
			{"another source's post numbered alike", listen.Post{SourceID: hookB, SourceKind: "webhook", ExternalID: "1", Author: "u", Text: "另一个来源的第一条", PublishedAt: at}, 1, 0},
			{"a source's post numbered as one pushed without a source", listen.Post{SourceID: hookB, SourceKind: "webhook", ExternalID: "2", Author: "u", Text: "另一个来源的第二条", PublishedAt: at}, 1, 0},
			{"a source's post numbered as one of a source gone", listen.Post{SourceID: hookB, SourceKind: "webhook", ExternalID: "3", Author: "u", Text: "另一个来源的第三条", PublishedAt: at}, 1, 0},
			{"pushed again without a source", listen.Post{SourceKind: "webhook", ExternalID: "2", Author: "u", Text: "没有来源的推送（已编辑）", PublishedAt: at}, 0, 1},
		} {
			res, err := svc.Ingest(ctx, 1, []listen.Post{tt.post})
			if err != nil || res.Stored != tt.stored || res.Duplicates != tt.duplicate {
				t.Errorf("%s: %+v, %v; want %d stored, %d duplicates", tt.name, res, err, tt.stored, tt.duplicate)
			}
		}
	})
}
