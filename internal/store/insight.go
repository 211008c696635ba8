package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/insight"
)

// numberedIn returns "($first, …, $first+n-1)" and appends ids to args.
func numberedIn(args []any, ids []int64) (string, []any) {
	var sb strings.Builder
	sb.WriteByte('(')
	for i, id := range ids {
		if i > 0 {
			sb.WriteString(", ")
		}
		args = append(args, id)
		fmt.Fprintf(&sb, "$%d", len(args))
	}
	sb.WriteByte(')')
	return sb.String(), args
}

// InsightTopics lists the workspace's topics for insights and alerts.
func (db *DB) InsightTopics(ctx context.Context, ws int64) ([]insight.TopicRef, error) {
	rows, err := db.reader().query(ctx, `SELECT id, name, kind, COALESCE(competitor_id, 0) FROM topics WHERE workspace_id = $1 ORDER BY id`, ws)
	if err != nil {
		return nil, apperr.Wrap(err, "read topics")
	}
	defer rows.Close()
	var out []insight.TopicRef
	for rows.Next() {
		var t insight.TopicRef
		if err := rows.Scan(&t.ID, &t.Name, &t.Kind, &t.CompetitorID); err != nil {
			return nil, apperr.Wrap(err, "read topics")
		}
		out = append(out, t)
	}
	return out, apperr.Wrap(rows.Err(), "read topics")
}

// mentionScope is the WHERE clause of mentions in [from, to) of a
// workspace, of the topics when given.
func mentionScope(ws int64, topicIDs []int64, from, to time.Time) (string, []any) {
	where := `m.workspace_id = $1 AND m.published_at >= $2 AND m.published_at < $3`
	args := []any{ws, from.UTC(), to.UTC()}
	if len(topicIDs) > 0 {
		var in string
		in, args = numberedIn(args, topicIDs)
		where += ` AND m.id IN (SELECT mt.mention_id FROM mention_topics mt WHERE mt.topic_id IN ` + in + `
			AND mt.published_at >= $2 AND mt.published_at < $3)`
	}
	return where, args
}

// utcHour is the text "2006-01-02 15" of the UTC hour of a timestamp
// column: SQLite keeps timestamps as UTC text that begins so, PostgreSQL
// formats them.
func (db *DB) utcHour(col string) string {
	if db.dialect == Postgres {
		return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')`
	}
	return `substr(` + col + `, 1, 13)`
}

// MentionRollups counts, per UTC hour in [from, to), the distinct mentions
// that match any of topicIDs (none when it is empty), as the topic
// roll-ups count each topic's. It reads the topics' matches in the period
// by the primary key of mention_topics (topic, published_at) and each
// matched mention's row once.
func (db *DB) MentionRollups(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time) ([]listen.Rollup, error) {
	out := []listen.Rollup{}
	if len(topicIDs) == 0 {
		return out, nil
	}
	where, args := mentionScope(ws, topicIDs, from, to)
	rows, err := db.reader().query(ctx, `SELECT `+db.utcHour("m.published_at")+`, COUNT(*),
		SUM(CASE WHEN m.sentiment = 'positive' THEN 1 ELSE 0 END),
		SUM(CASE WHEN m.sentiment = 'neutral' THEN 1 ELSE 0 END),
		SUM(CASE WHEN m.sentiment = 'negative' THEN 1 ELSE 0 END),
		SUM(m.author_followers)
		FROM mentions m WHERE `+where+` GROUP BY 1 ORDER BY 1`, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "count distinct mentions")
	}
	defer rows.Close()
	for rows.Next() {
		var r listen.Rollup
		var hour string
		if err := rows.Scan(&hour, &r.Volume, &r.Positive, &r.Neutral, &r.Negative, &r.Reach); err != nil {
			return nil, apperr.Wrap(err, "count distinct mentions")
		}
		if r.Hour, err = time.Parse("2006-01-02 15", strings.Replace(hour, "T", " ", 1)); err != nil {
			return nil, apperr.Wrap(err, "count distinct mentions")
		}
		out = append(out, r)
	}
	return out, apperr.Wrap(rows.Err(), "count distinct mentions")
}

// InsightMentions returns the newest mentions f selects, at most f.Limit
// (1,000 if 0, 10,000 at most).
func (db *DB) InsightMentions(ctx context.Context, ws int64, f insight.MentionFilter) ([]insight.MentionText, error) {
	where, args := mentionScope(ws, f.TopicIDs, f.From, f.To)
	if f.Sentiment != "" {
		args = append(args, f.Sentiment)
		where += fmt.Sprintf(` AND m.sentiment = $%d`, len(args))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, 10000)
	rows, err := db.reader().query(ctx, `SELECT m.id, m.text, m.sentiment, m.published_at FROM mentions m WHERE `+where+
		fmt.Sprintf(` ORDER BY m.published_at DESC, m.id DESC LIMIT %d`, limit), args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read mentions")
	}
	defer rows.Close()
	var out []insight.MentionText
	for rows.Next() {
		var m insight.MentionText
		if err := rows.Scan(&m.ID, &m.Text, &m.Sentiment, &m.PublishedAt); err != nil {
			return nil, apperr.Wrap(err, "read mentions")
		}
		out = append(out, m)
	}
	return out, apperr.Wrap(rows.Err(), "read mentions")
}

// TopAuthors ranks the authors of mentions in [from, to) by their
// followers, then their mentions. An author is a name on one source kind:
// the same name on two platforms is two accounts.
func (db *DB) TopAuthors(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time, limit int) ([]insight.AuthorStat, error) {
	where, args := mentionScope(ws, topicIDs, from, to)
	rows, err := db.reader().query(ctx, `SELECT m.author, m.source_kind, MAX(m.author_followers), COUNT(*),
		SUM(CASE WHEN m.sentiment = 'positive' THEN 1 ELSE 0 END),
		SUM(CASE WHEN m.sentiment = 'negative' THEN 1 ELSE 0 END),
		SUM(m.likes + m.reposts + m.comments)
		FROM mentions m WHERE `+where+` AND m.author <> ''
		GROUP BY m.source_kind, m.author ORDER BY MAX(m.author_followers) DESC, COUNT(*) DESC, m.author, m.source_kind`+fmt.Sprintf(` LIMIT %d`, max(1, min(limit, 1000))), args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read top authors")
	}
	defer rows.Close()
	out := []insight.AuthorStat{}
	for rows.Next() {
		var a insight.AuthorStat
		if err := rows.Scan(&a.Author, &a.Source, &a.Followers, &a.Mentions, &a.Positive, &a.Negative, &a.Engagement); err != nil {
			return nil, apperr.Wrap(err, "read top authors")
		}
		out = append(out, a)
	}
	return out, apperr.Wrap(rows.Err(), "read top authors")
}

// SourceBreakdown counts mentions in [from, to) per source kind.
func (db *DB) SourceBreakdown(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time) ([]insight.SourceStat, error) {
	where, args := mentionScope(ws, topicIDs, from, to)
	rows, err := db.reader().query(ctx, `SELECT m.source_kind, COUNT(*),
		SUM(CASE WHEN m.sentiment = 'positive' THEN 1 ELSE 0 END),
		SUM(CASE WHEN m.sentiment = 'neutral' THEN 1 ELSE 0 END),
		SUM(CASE WHEN m.sentiment = 'negative' THEN 1 ELSE 0 END)
		FROM mentions m WHERE `+where+` GROUP BY m.source_kind ORDER BY COUNT(*) DESC, m.source_kind`, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read sources breakdown")
	}
	defer rows.Close()
	out := []insight.SourceStat{}
	for rows.Next() {
		var s insight.SourceStat
		if err := rows.Scan(&s.Source, &s.Mentions, &s.Positive, &s.Neutral, &s.Negative); err != nil {
			return nil, apperr.Wrap(err, "read sources breakdown")
		}
		out = append(out, s)
	}
	return out, apperr.Wrap(rows.Err(), "read sources breakdown")
}
