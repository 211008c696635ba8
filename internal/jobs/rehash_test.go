package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/syncbuf"
)

// TestRehashMentionsOnStart: when a node starts, the mentions an older
// normalization hashed are re-hashed in the background, and the run says
// how many.
func TestRehashMentionsOnStart(t *testing.T) {
	t.Parallel()
	migratedDBs(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ws int64
		if err := db.WriteDB().QueryRowContext(ctx, `INSERT INTO workspaces (slug, name, time_zone, currency, created_at, updated_at)
			VALUES ('w', 'W', 'UTC', 'CNY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`).Scan(&ws); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		var batch []listen.NewMention
		for i := range 3 {
			batch = append(batch, listen.NewMention{Mention: listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint(i), Text: fmt.Sprint("text ", i),
				ContentHash: fmt.Sprint("old", i), PublishedAt: at, FetchedAt: at}, ClusterIndex: -1})
		}
		if _, _, err := db.SaveMentions(ctx, ws, batch, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.WriteDB().ExecContext(ctx, `UPDATE mentions SET norm_version = 1`); err != nil {
			t.Fatal(err)
		}
		var buf syncbuf.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
		client := newClient(t, db, Deps{Cleaner: &funcCleaner{}, Rehash: db}, testOptions(t, "", time.Hour, logger))
		start(t, client)
		eventually(t, 10*time.Second, "the run logged its end", func() bool { return strings.Contains(buf.String(), `msg="re-hashed mentions"`) })
		if n, err := db.StaleMentionCount(ctx, listen.NormVersion); err != nil || n != 0 {
			t.Errorf("mentions left to re-hash: %d, %v; want 0", n, err)
		}
		for _, want := range []string{"mentions=3 version=2", "mentions=3 changed=3 marked_taken=0 left=0"} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, buf.String())
			}
		}
		if (RehashMentionsArgs{}).Kind() != "rehash_mentions" {
			t.Error("the re-hash job's kind changed: stored jobs would find no worker")
		}
	})
}
