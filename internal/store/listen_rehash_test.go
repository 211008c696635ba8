package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// rehashAll calls listen.Rehash until no mention is left to re-hash and
// returns the sums of its results.
func rehashAll(t *testing.T, db *store.DB, limit int) listen.RehashResult {
	t.Helper()
	var sum listen.RehashResult
	for {
		res, err := listen.Rehash(context.Background(), db, limit)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rehashed == 0 {
			return sum
		}
		sum.Rehashed += res.Rehashed
		sum.Changed += res.Changed
		sum.Marked += res.Marked
	}
}

// TestRehashKnowsOldDuplicates: a mention an older Chorus stored with the
// hash of its normalization (the Taiwan phrase table then rewrote
// 中国联通道歉 to 中国联信道歉) is re-hashed, so that the same text arriving
// again is a duplicate. The copy stored before the re-hash stays, with its
// hash marked taken: the older mention keeps the hash, and the roll-ups
// and repost clusters are as they were.
func TestRehashKnowsOldDuplicates(t *testing.T) {
	eachUpgrade(t, "0023_mention_rollups_scoped_ids.sql", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		w := db.WriteDB()
		ws := linkTestWorkspace(t, db)
		for _, m := range []struct{ ext, author, text, norm string }{
			{"a1", "amy", "中国联通道歉", "中国联信道歉"},
			{"b1", "bob", "Acme 新品", "acme 新品"}, // normalized alike by both
		} {
			if _, err := w.ExecContext(ctx, `INSERT INTO mentions (workspace_id, source_kind, external_id, author, text, content_hash, simhash, sentiment, published_at, fetched_at)
				VALUES ($1, 'rss', $2, $3, $4, $5, $6, 'neutral', $7, $7)`, ws, m.ext, m.author, m.text,
				listen.ContentHash(m.author, m.norm, at), int64(listen.SimHash(m.norm)), at); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := db.StaleMentionCount(ctx, listen.NormVersion); err != nil || n != 2 {
			t.Fatalf("mentions to re-hash after the upgrade: %d, %v; want 2", n, err)
		}
		topic, err := db.CreateTopic(ctx, ws, listen.Topic{Name: "联通", Kind: "brand", Query: "联通", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		svc := listen.NewService(db, listen.Brands{}, listen.Options{})
		post := listen.Post{SourceKind: "weibo_search", ExternalID: "w1", Author: "amy", Text: "中国联通道歉", PublishedAt: at.Add(time.Hour)}
		// Before the re-hash the old mention is not known: the text is stored again.
		res, err := svc.Ingest(ctx, ws, []listen.Post{post})
		if err != nil || res.Stored != 1 {
			t.Fatalf("ingest before the re-hash: %+v, %v; want it stored", res, err)
		}
		copyID := res.IDs[0]
		state := func() string {
			t.Helper()
			rs, err := db.TopicRollups(ctx, ws, []int64{topic.ID}, at.Truncate(24*time.Hour), at.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			out := rollupText(rs)
			rows, err := w.QueryContext(ctx, `SELECT id, COALESCE(cluster_id, 0), cluster_size FROM mentions WHERE workspace_id = $1 ORDER BY id`, ws)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id, cluster, size int64
				if err := rows.Scan(&id, &cluster, &size); err != nil {
					t.Fatal(err)
				}
				out += fmt.Sprintf(" %d:%d/%d", id, cluster, size)
			}
			return out
		}
		before := state()

		if got, want := rehashAll(t, db, 1), (listen.RehashResult{Rehashed: 2, Changed: 1, Marked: 1}); got != want {
			t.Errorf("re-hash: %+v, want %+v", got, want)
		}
		if got := state(); got != before {
			t.Errorf("roll-ups and clusters after the re-hash: %s, want %s as before", got, before)
		}
		hash := listen.ContentHash("amy", "中国联通道歉", at)
		for ext, want := range map[string]string{"a1": hash, "w1": fmt.Sprintf("%s:dup:%d", hash, copyID)} {
			var got string
			if err := w.QueryRowContext(ctx, `SELECT content_hash FROM mentions WHERE workspace_id = $1 AND external_id = $2`, ws, ext).Scan(&got); err != nil || got != want {
				t.Errorf("hash of %s: %q, %v; want %q", ext, got, err, want)
			}
		}
		if n, err := db.StaleMentionCount(ctx, listen.NormVersion); err != nil || n != 0 {
			t.Errorf("mentions to re-hash after the re-hash: %d, %v; want 0", n, err)
		}
		post.ExternalID = "w2"
		if res, err := listen.NewService(db, listen.Brands{}, listen.Options{}).Ingest(ctx, ws, []listen.Post{post}); err != nil || res.Duplicates != 1 {
			t.Errorf("ingest after the re-hash: %+v, %v; want a duplicate", res, err)
		}
	})
}

// TestRehashConcurrently: runs on several nodes at once re-hash every
// mention once and agree on which of two rows stored for the same text
// keeps the hash: the older one.
func TestRehashConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		var batch []listen.NewMention
		const texts = 60
		for i := range 2 * texts {
			batch = append(batch, listen.NewMention{Mention: listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint("e", i), Author: "amy",
				Text: fmt.Sprintf("Post number %d", i/2), ContentHash: fmt.Sprint("old", i), Sentiment: listen.Neutral, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1})
		}
		ids, _, err := db.SaveMentions(ctx, ws, batch, listen.NearSync{})
		if err != nil {
			t.Fatal(err)
		}
		// As an older Chorus would have left them.
		if _, err := db.WriteDB().ExecContext(ctx, `UPDATE mentions SET norm_version = 1 WHERE workspace_id = $1`, ws); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for range 3 {
			wg.Go(func() {
				for {
					res, err := listen.Rehash(ctx, db, 16)
					if err != nil || res.Rehashed == 0 {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i, id := range ids {
			want := listen.ContentHash("amy", fmt.Sprintf("post number %d", i/2), at)
			if i%2 == 1 {
				want += fmt.Sprintf(":dup:%d", id)
			}
			var got string
			if err := db.WriteDB().QueryRowContext(ctx, `SELECT content_hash FROM mentions WHERE id = $1`, id).Scan(&got); err != nil || got != want {
				t.Errorf("hash of mention %d: %q, %v; want %q", i, got, err, want)
			}
		}
	})
}
