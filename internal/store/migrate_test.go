package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestMigrateIsIdempotentAndReady(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Ready(ctx); err != nil {
			t.Fatalf("Ready after Migrate: %v", err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
	})
}

// TestRebuildsKeepRows: migrations 0011 and 0012 build click_events,
// click_uniques, mentions and mention_topics anew on SQLite (to defer
// their foreign keys); every row, the mention id sequence and the
// cascades survive, and a row without its parent still fails at commit.
// 0020 builds mention_topics again, keyed by topic, and copies each
// mention's topics into its topic_ids. An upgrade says which migration
// runs; a new database's do not.
func TestRebuildsKeepRows(t *testing.T) {
	ctx := context.Background()
	var logged bytes.Buffer
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "old.db"), "", slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.MigrateThrough(ctx, "0010_sign_in_failures.sql"); err != nil {
		t.Fatal(err)
	}
	w := db.WriteDB()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := w.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const at = "2026-11-20 10:00:00+00:00"
	exec(`INSERT INTO workspaces (id, slug, name, time_zone, currency, created_at, updated_at) VALUES (1, 'w', 'W', 'UTC', 'CNY', ?, ?)`, at, at)
	exec(`INSERT INTO links (id, workspace_id, code, destination, created_at, updated_at) VALUES (1, 1, 'abcdefg', 'https://a.example', ?, ?), (2, 1, 'bcdefgh', 'https://b.example', ?, ?)`, at, at, at, at)
	exec(`INSERT INTO topics (id, workspace_id, name, kind, query, created_at, updated_at) VALUES (1, 1, 'brand', 'brand', 'x', ?, ?)`, at, at)
	for i, v := range []string{"visitorAAAAAAAAAAAAAAA", "visitorBBBBBBBBBBBBBBB", "short"} {
		exec(`INSERT INTO click_events (click_id, workspace_id, link_id, at, class, visitor, is_unique, device) VALUES (?, 1, ?, ?, 'human', ?, 1, 'mobile')`,
			"click-"+strconv.Itoa(i), 1+i%2, at, v)
		exec(`INSERT INTO click_uniques (link_id, visitor, day) VALUES (?, ?, '2026-11-20')`, 1+i%2, v)
	}
	for id := 1; id <= 3; id++ {
		exec(`INSERT INTO mentions (id, workspace_id, source_kind, external_id, text, content_hash, published_at, fetched_at) VALUES (?, 1, 'import', ?, ?, ?, ?, ?)`,
			id, "e"+strconv.Itoa(id), "文本"+strconv.Itoa(id), "h"+strconv.Itoa(id), at, at)
		exec(`INSERT INTO mention_topics (mention_id, topic_id, workspace_id, published_at) VALUES (?, 1, 1, ?)`, id, at)
	}
	exec(`DELETE FROM mentions WHERE id = 3`) // the sequence stays at 3
	if logged.Len() > 0 {
		t.Errorf("a new database's migrations logged %q", logged.String())
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"0011_click_journal.sql", "0012_listen_journal.sql"} {
		if !strings.Contains(logged.String(), `msg="database upgraded" migration=`+m) {
			t.Errorf("the upgrade log %q does not name %s", logged.String(), m)
		}
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := w.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	for _, c := range []struct {
		q    string
		want int
	}{
		{`SELECT count(*) FROM click_events WHERE device = 'mobile' AND visitor_key = substr(visitor, 1, 8)`, 3},
		{`SELECT count(*) FROM click_uniques`, 3},
		{`SELECT count(*) FROM mentions`, 2},
		{`SELECT count(*) FROM mention_topics`, 2},
		{`SELECT count(*) FROM mentions WHERE topic_ids = '1'`, 2},
		{`SELECT seq FROM sqlite_sequence WHERE name = 'mentions'`, 3},
		{`SELECT count(*) FROM pragma_foreign_key_check`, 0},
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("%s = %d; want %d", c.q, got, c.want)
		}
	}
	exec(`DELETE FROM links WHERE id = 1`)
	exec(`DELETE FROM topics WHERE id = 1`)
	if got := count(`SELECT count(*) FROM click_events`) + count(`SELECT count(*) FROM mention_topics`); got != 1+0 {
		t.Errorf("rows left after deleting link 1 and topic 1 = %d; want 1 (cascades)", got)
	}
	// Since 0018 a deleted link's unique keys stay until their day goes.
	if got := count(`SELECT count(*) FROM click_uniques WHERE day = '2026-11-20'`); got != 3 {
		t.Errorf("unique keys after deleting link 1 = %d; want 3", got)
	}
	for _, q := range []string{
		`INSERT INTO click_events (click_id, workspace_id, link_id, at, class, visitor, visitor_key) VALUES ('orphan', 1, 99, '` + at + `', 'human', 'v', 'v')`,
		`INSERT INTO mention_topics (mention_id, topic_id, workspace_id, published_at) VALUES (1, 99, 1, '` + at + `')`,
	} {
		if _, err := w.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
			t.Errorf("%s: %v; want a foreign key failure", q, err)
		}
	}
}

// TestUpgradedMentions: a content hash stored by an older release (32 hex
// digits of the text's SHA-256) becomes, through migrations 0017 (the
// first 16 digits) and 0019 (the publication day in front), the key the
// same text of the same day is looked up by now, so an upgraded store
// still knows its texts; and 0020 copies a mention's topic matches into
// its topic_ids.
func TestUpgradedMentions(t *testing.T) {
	eachUpgrade(t, "0016_source_error_key.sql", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const text = "oat latte launch day"
		// 23:30 in Shanghai is the 20th there but the 19th in UTC.
		at := time.Date(2026, 11, 20, 23, 30, 0, 0, time.FixedZone("CST", 8*3600))
		sum := sha256.Sum256([]byte(text))
		w := db.WriteDB()
		if _, err := w.ExecContext(ctx, `INSERT INTO workspaces (id, slug, name, time_zone, currency, created_at, updated_at) VALUES (1, 'w', 'W', 'UTC', 'CNY', $1, $1)`, at.UTC()); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`INSERT INTO mentions (id, workspace_id, source_kind, external_id, text, content_hash, published_at, fetched_at) VALUES (1, 1, 'rss', 'e1', '` + text + `', $2, $1, $1)`,
			// The same text stored twice before 0008, which marked the
			// second copy's hash.
			`INSERT INTO mentions (id, workspace_id, source_kind, external_id, text, content_hash, published_at, fetched_at) VALUES (2, 1, 'rss', 'e2', '` + text + `', $2 || ':dup:2', $1, $1)`,
			`INSERT INTO topics (id, workspace_id, name, kind, query, created_at, updated_at) VALUES (7, 1, 'brand', 'brand', 'oat', $1, $1), (3, 1, 'rival', 'competitor', 'latte', $1, $1)`,
			`INSERT INTO mention_topics (mention_id, topic_id, workspace_id, published_at) VALUES (1, 7, 1, $1), (1, 3, 1, $1)`,
		} {
			args := []any{at.UTC(), hex.EncodeToString(sum[:16])}
			if !strings.Contains(q, "$2") {
				args = args[:1]
			}
			if _, err := w.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		want := listen.ContentHash("", text, at)
		if !strings.HasPrefix(want, "20261120") {
			t.Fatalf("ContentHash = %s, want the UTC day 20261120 first", want)
		}
		_, hashes, err := db.KnownMentions(ctx, 1, nil, []string{want, listen.ContentHash("", text, at.Add(24*time.Hour))})
		if err != nil || len(hashes) != 1 || !hashes[want] {
			t.Errorf("known hashes %v, %v; want only %s", hashes, err, want)
		}
		if m, err := db.Mention(ctx, 1, 1); err != nil || !slices.Equal(m.TopicIDs, []int64{3, 7}) {
			t.Errorf("topics of the mention: %v, %v; want [3 7]", m.TopicIDs, err)
		}
	})
}

// TestUpgradedCounts: counts an older release stored unbounded (near the
// largest integer, or negative) and the roll-up sums they made are
// brought within bounds by migration 0025, so that a late mention added
// to such an hour is stored (PostgreSQL failed the batch: bigint out of
// range) and the hour's topic roll-ups read (SQLite had a real number).
func TestUpgradedCounts(t *testing.T) {
	eachUpgrade(t, "0024_mention_norm_version.sql", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hour := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Hour)
		w := db.WriteDB()
		for _, q := range []string{
			`INSERT INTO workspaces (id, slug, name, time_zone, currency, created_at, updated_at) VALUES (1, 'w', 'W', 'UTC', 'CNY', $1, $1)`,
			`INSERT INTO topics (id, workspace_id, name, kind, query, enabled, created_at, updated_at) VALUES (7, 1, 't', 'brand', 'oat', TRUE, $1, $1)`,
		} {
			if _, err := w.ExecContext(ctx, q, hour); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		mention := func(id string, followers int64) listen.NewMention {
			at := hour.Add(time.Minute)
			return listen.NewMention{Mention: listen.Mention{SourceKind: "rss", ExternalID: id, Text: "oat " + id, ContentHash: id,
				Sentiment: listen.Neutral, TopicIDs: []int64{7}, AuthorFollowers: followers, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1}
		}
		if _, _, err := db.SaveMentions(ctx, 1, []listen.NewMention{mention("a", 5), mention("b", 5)}, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}
		const huge = int64(1<<63 - 2)
		old := []string{
			`UPDATE mentions SET author_followers = $1, likes = $1, reposts = $2, comments = $1 WHERE external_id = 'a'`,
			`UPDATE topic_rollups SET reach = $1`,
			`UPDATE mention_rollups SET reach = $1`,
		}
		if strings.HasSuffix(t.Name(), "sqlite") {
			// What adding a second huge reach left on SQLite.
			old = append(old, `UPDATE topic_rollups SET reach = reach + $1`)
		}
		for _, q := range old {
			args := []any{huge, -huge}
			if !strings.Contains(q, "$2") {
				args = args[:1]
			}
			if _, err := w.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SaveMentions(ctx, 1, []listen.NewMention{mention("c", listen.MaxCount)}, listen.NearSync{}); err != nil {
			t.Fatalf("a late mention in the hour: %v", err)
		}
		rows, err := db.TopicRollups(ctx, 1, []int64{7}, hour, hour.Add(time.Hour))
		if err != nil || len(rows) != 1 || rows[0].Volume != 3 || rows[0].Reach != 3*listen.MaxCount {
			t.Errorf("topic roll-ups %+v, %v; want volume 3, reach %d", rows, err, 3*listen.MaxCount)
		}
		var followers, likes, reposts, comments, reach int64
		if err := w.QueryRowContext(ctx, `SELECT author_followers, likes, reposts, comments FROM mentions WHERE external_id = 'a'`).
			Scan(&followers, &likes, &reposts, &comments); err != nil {
			t.Fatal(err)
		}
		if followers != listen.MaxCount || likes != listen.MaxCount || reposts != 0 || comments != listen.MaxCount {
			t.Errorf("old counts %d, %d, %d, %d; want %d, %d, 0, %d", followers, likes, reposts, comments, listen.MaxCount, listen.MaxCount, listen.MaxCount)
		}
		if err := w.QueryRowContext(ctx, `SELECT reach FROM mention_rollups`).Scan(&reach); err != nil || reach != 3*listen.MaxCount {
			t.Errorf("mention roll-up reach %d, %v; want %d", reach, err, 3*listen.MaxCount)
		}
	})
}

// eachUpgrade runs fn on a new database of each dialect migrated through
// the migration named last, for fn to store what an older release did
// and migrate the rest.
func eachUpgrade(t *testing.T, last string, fn func(t *testing.T, db *store.DB)) {
	dsns := map[string]func(t *testing.T) string{"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "old.db") }}
	if os.Getenv(storetest.PostgresEnv) != "" {
		dsns["postgres"] = func(t *testing.T) string { return storetest.PostgresURL(t) }
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(context.Background(), dsn(t), "", slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateThrough(context.Background(), last); err != nil {
				t.Fatal(err)
			}
			fn(t, db)
		})
	}
}

// TestMigrateRefusesNewerDatabase: a database a newer Chorus upgraded
// (a migration this binary does not have, numbered after its last) is
// refused at start instead of used with tables of an unknown shape; an
// unknown migration numbered among the known ones is not a newer one.
func TestMigrateRefusesNewerDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record := func(name string) {
			t.Helper()
			if _, err := db.WriteDB().ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, CURRENT_TIMESTAMP)`, name); err != nil {
				t.Fatal(err)
			}
		}
		record("0001_renamed_since.sql")
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate with an old unknown migration: %v", err)
		}
		record("9999_from_a_newer_chorus.sql")
		err := db.Migrate(ctx)
		if err == nil || !strings.Contains(err.Error(), "upgraded by a newer Chorus (its migration 9999_from_a_newer_chorus.sql") {
			t.Errorf("Migrate = %v, want an error naming the newer migration", err)
		}
	})
}

// TestInstalled: a database is a Chorus database once its migrations ran.
func TestInstalled(t *testing.T) {
	for name, dsn := range map[string]func(t testing.TB) string{
		"sqlite":   func(t testing.TB) string { return filepath.Join(t.TempDir(), "new.db") },
		"postgres": storetest.PostgresURL,
	} {
		t.Run(name, func(t *testing.T) {
			if name == "postgres" && os.Getenv(storetest.PostgresEnv) == "" {
				t.Skipf("%s is not set", storetest.PostgresEnv)
			}
			ctx := context.Background()
			db, err := store.Open(ctx, dsn(t), "", slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, want := range []bool{false, true} {
				if got, err := db.Installed(ctx); err != nil || got != want {
					t.Errorf("Installed = %v, %v; want %v", got, err, want)
				}
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
