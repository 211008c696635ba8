package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
)

// TestMentionsOfTopicInOrder: the stream of a topic reads the topic's
// matches in the order of their key, newest first, and stops at the page's
// end, where reading its mentions by id sorted every match of the topic
// (a busy topic's thousands) for each page.
func TestMentionsOfTopicInOrder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "chorus.db"), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	from := time.Now().UTC()
	for _, f := range []listen.MentionFilter{
		{TopicID: 3},
		{TopicID: 3, BeforeID: 9},
		{TopicID: 3, Sentiment: listen.Negative, SourceKind: "weibo", Lang: listen.LangZH, From: &from, BeforeID: 9},
	} {
		q, args := mentionsQuery(SQLite, 1, f)
		rows, err := db.reader().query(ctx, `EXPLAIN QUERY PLAN `+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(plan, "\n"); !strings.Contains(got, "SEARCH mt USING PRIMARY KEY (topic_id=?") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("plan of %+v:\n%s\nwant it to read the topic's matches by their key, unsorted", f, got)
		}
	}
}
