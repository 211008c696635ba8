package store

import (
	"context"
	"fmt"
	"slices"
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
// workspace, of the topics when given, else of any topic it has now.
func mentionScope(ws int64, topicIDs []int64, from, to time.Time) (string, []any) {
	where := `m.workspace_id = $1 AND m.published_at >= $2 AND m.published_at < $3`
	args := []any{ws, from.UTC(), to.UTC()}
	// Any topic: the mentions that match one of the workspace's topics, as
	// the roll-ups of all topics count them. A source's posts that match
	// none stay in the stream but not in the figures, and so do the
	// mentions of deleted topics only: their matches went with the topics,
	// while topic_ids keeps their ids. The unary plus has SQLite read the
	// period's mentions by time, one range of an index, rather than look
	// each of the many matched ones up by id.
	mentionID, topics := `+m.id`, `(SELECT t.id FROM topics t WHERE t.workspace_id = $1)`
	if len(topicIDs) > 0 {
		mentionID = `m.id`
		topics, args = numberedIn(args, topicIDs)
	}
	where += ` AND ` + mentionID + ` IN (SELECT mt.mention_id FROM mention_topics mt WHERE mt.topic_id IN ` + topics + `
		AND mt.published_at >= $2 AND mt.published_at < $3)`
	return where, args
}

// MentionRollups counts, per UTC hour in [from, to), the distinct mentions
// that match any of topicIDs (none when it is empty), as the topic
// roll-ups count each topic's: it adds up the workspace's roll-ups of the
// topic sets (mention_rollups) that hold one of them; deleted topics
// count for nothing, as their roll-ups went with them.
func (db *DB) MentionRollups(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time) ([]listen.Rollup, error) {
	out, err := db.VoiceRollups(ctx, ws, [][]int64{topicIDs}, from, to)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// VoiceRollups is MentionRollups of several selections of topics (the
// voices of a share of voice) in one read of the roll-ups: out[i] counts
// the distinct mentions that match any of voices[i].
func (db *DB) VoiceRollups(ctx context.Context, ws int64, voices [][]int64, from, to time.Time) ([][]listen.Rollup, error) {
	out := make([][]listen.Rollup, len(voices))
	for i := range out {
		out[i] = []listen.Rollup{}
	}
	if !slices.ContainsFunc(voices, func(v []int64) bool { return len(v) > 0 }) {
		return out, nil
	}
	live, err := topicSet(ctx, sqlBatch{db.reader()}, ws)
	if err != nil {
		return nil, err
	}
	want := make([]map[int64]bool, len(voices))
	for i, v := range voices {
		want[i] = make(map[int64]bool, len(v))
		for _, id := range v {
			want[i][id] = live[id]
		}
	}
	rows, err := db.reader().query(ctx, `SELECT hour, topic_ids, volume, positive, neutral, negative, `+boundedReach+` FROM mention_rollups
		WHERE workspace_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`, ws, from.UTC(), to.UTC())
	if err != nil {
		return nil, apperr.Wrap(err, "read mention roll-ups")
	}
	defer rows.Close()
	for rows.Next() {
		var r listen.Rollup
		var topics string
		if err := rows.Scan(&r.Hour, &topics, &r.Volume, &r.Positive, &r.Neutral, &r.Negative, &r.Reach); err != nil {
			return nil, apperr.Wrap(err, "read mention roll-ups")
		}
		r.Hour = r.Hour.UTC()
		ids := parseTopicIDs(topics)
		for i := range voices {
			if slices.ContainsFunc(ids, func(t int64) bool { return want[i][t] }) {
				out[i] = addRollup(out[i], r)
			}
		}
	}
	return out, apperr.Wrap(rows.Err(), "read mention roll-ups")
}

// addRollup adds r to rows, in order of hour, into the last row when it
// is of r's hour.
func addRollup(rows []listen.Rollup, r listen.Rollup) []listen.Rollup {
	n := len(rows)
	if n == 0 || !rows[n-1].Hour.Equal(r.Hour) {
		return append(rows, r)
	}
	last := &rows[n-1]
	last.Volume += r.Volume
	last.Positive += r.Positive
	last.Neutral += r.Neutral
	last.Negative += r.Negative
	last.Reach += r.Reach
	return rows
}

// CutHourVoices returns, for each selection of topics (voice) of voices,
// the mentions published in the whole UTC hours that start at hours that
// match any of its topics (none when it is empty), each once as a
// roll-up of one at its own time (Hour), as MentionRollups and
// TopicRollups would count them in those hours; in one query for all.
func (db *DB) CutHourVoices(ctx context.Context, ws int64, voices [][]int64, hours []time.Time) ([][]listen.Rollup, error) {
	out := make([][]listen.Rollup, len(voices))
	for i := range out {
		out[i] = []listen.Rollup{}
	}
	all := slices.Sorted(slices.Values(slices.Concat(voices...)))
	if all = slices.Compact(all); len(all) == 0 || len(hours) == 0 {
		return out, nil
	}
	hours = slices.SortedFunc(slices.Values(hours), time.Time.Compare)
	from, to := hours[0].UTC(), hours[len(hours)-1].UTC().Add(time.Hour)
	in, args := numberedIn([]any{ws, from, to}, all)
	var within []string
	for _, h := range slices.CompactFunc(hours, time.Time.Equal) {
		args = append(args, h.UTC(), h.UTC().Add(time.Hour))
		within = append(within, fmt.Sprintf(`m.published_at >= $%d AND m.published_at < $%d`, len(args)-1, len(args)))
	}
	// One row per mention and topic of any voice it matches, a mention's
	// rows one after the other.
	rows, err := db.reader().query(ctx, `SELECT m.id, m.published_at, m.sentiment, `+boundedCount("m.author_followers")+`, mt.topic_id
		FROM mention_topics mt JOIN mentions m ON m.id = mt.mention_id
		WHERE mt.workspace_id = $1 AND mt.topic_id IN `+in+` AND mt.published_at >= $2 AND mt.published_at < $3
		AND m.workspace_id = $1 AND m.published_at >= $2 AND m.published_at < $3 AND (`+strings.Join(within, ` OR `)+`)
		ORDER BY m.published_at, m.id`, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read mentions of cut hours")
	}
	defer rows.Close()
	var (
		m      listen.Mention
		topics []int64
	)
	flush := func() {
		if len(topics) == 0 {
			return
		}
		r := listen.Rollup{Hour: m.PublishedAt.UTC()}
		count(&r, &m)
		for i, v := range voices {
			if slices.ContainsFunc(v, func(t int64) bool { return slices.Contains(topics, t) }) {
				out[i] = append(out[i], r)
			}
		}
		topics = topics[:0]
	}
	for rows.Next() {
		var next listen.Mention
		var topic int64
		if err := rows.Scan(&next.ID, &next.PublishedAt, &next.Sentiment, &next.AuthorFollowers, &topic); err != nil {
			return nil, apperr.Wrap(err, "read mentions of cut hours")
		}
		if next.ID != m.ID {
			flush()
			m = next
		}
		topics = append(topics, topic)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "read mentions of cut hours")
	}
	flush()
	return out, nil
}

// InsightMentions returns a sample of the mentions f selects, at most
// f.Limit (1,000 if 0, 10,000 at most), newest first. A period with more
// is sampled evenly over its time, by an order of ids (sampleOrder) that
// does not follow time: its newest mentions alone, a busy workspace's
// last two days of 90, told nothing of the rest of the period.
func (db *DB) InsightMentions(ctx context.Context, ws int64, f insight.MentionFilter) ([]insight.MentionText, error) {
	from, id := `mentions m`, `m.id`
	var where string
	var args []any
	if len(f.TopicIDs) == 1 {
		// One topic: its matches are keyed by topic and time, so both
		// databases read the period's from the key alone, without the
		// mentions of the other topics or a look-up per match.
		from, id = `mention_topics mt`, `mt.mention_id`
		where = `mt.topic_id = $4 AND mt.published_at >= $2 AND mt.published_at < $3 AND mt.workspace_id = $1`
		args = []any{ws, f.From.UTC(), f.To.UTC(), f.TopicIDs[0]}
		if f.Sentiment != "" {
			from += ` JOIN mentions m ON m.id = mt.mention_id`
		}
	} else {
		where, args = mentionScope(ws, f.TopicIDs, f.From, f.To)
	}
	if f.Sentiment != "" {
		args = append(args, f.Sentiment)
		where += fmt.Sprintf(` AND m.sentiment = $%d`, len(args))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, 10000)
	rows, err := db.reader().query(ctx, `SELECT m.id, m.text, m.sentiment, m.published_at FROM mentions m
		WHERE m.id IN (SELECT `+id+` FROM `+from+` WHERE `+where+fmt.Sprintf(` ORDER BY %s LIMIT %d)`, sampleOrder(id), limit)+`
		ORDER BY m.published_at DESC, m.id DESC`, args...)
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

// sampleOrder orders the ids of column by Knuth's multiplicative hash (id
// times 2^32/φ, modulo 2^32): consecutive ids, stored in order of
// arrival, land evenly apart, so that the first n of any stretch of ids
// are spread over it. The same on both databases, in 64-bit integers for
// ids below 3.4 billion.
func sampleOrder(column string) string {
	return `(` + column + ` * 2654435761) % 4294967296, ` + column
}

// MentionTexts returns the texts of the workspace's mentions among ids,
// by id, in one query.
func (db *DB) MentionTexts(ctx context.Context, ws int64, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := numberedIn([]any{ws}, ids)
	rows, err := db.reader().query(ctx, `SELECT m.id, m.text FROM mentions m WHERE m.workspace_id = $1 AND m.id IN `+in, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read mention texts")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return nil, apperr.Wrap(err, "read mention texts")
		}
		out[id] = text
	}
	return out, apperr.Wrap(rows.Err(), "read mention texts")
}

// TopAuthors ranks the authors of mentions in [from, to) by their
// followers, then their mentions. An author is a name on one source kind:
// the same name on two platforms is two accounts.
func (db *DB) TopAuthors(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time, limit int) ([]insight.AuthorStat, error) {
	where, args := mentionScope(ws, topicIDs, from, to)
	rows, err := db.reader().query(ctx, `SELECT m.author, m.source_kind, MAX(m.author_followers), COUNT(*),
		SUM(CASE WHEN m.sentiment = 'positive' THEN 1 ELSE 0 END),
		SUM(CASE WHEN m.sentiment = 'negative' THEN 1 ELSE 0 END),
		SUM(`+boundedCount("m.likes")+` + `+boundedCount("m.reposts")+` + `+boundedCount("m.comments")+`)
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

// boundedCount is the SQL of a stored count within 0 and listen.MaxCount,
// as posts bring them in since: a mention stored before could hold one
// near the largest integer, and adding two of them overflowed (an error
// on both databases).
func boundedCount(col string) string {
	return fmt.Sprintf(`(CASE WHEN %[1]s > %[2]d THEN %[2]d WHEN %[1]s < 0 THEN 0 ELSE %[1]s END)`, col, int64(listen.MaxCount))
}

// boundedReach is the SQL of a roll-up's reach within 0 and its volume
// times listen.MaxCount, as mentions' followers add up since they are
// bounded on the way in: a roll-up stored before could hold a sum near
// the largest integer, which wrapped negative when added to another, or
// on SQLite past it, a real number that failed every read of its hour.
var boundedReach = fmt.Sprintf(`(CASE WHEN reach > volume * %[1]d THEN volume * %[1]d WHEN reach < 0 THEN 0 ELSE reach END)`, int64(listen.MaxCount))

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
