package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/query"
	"github.com/chorus-hq/chorus/internal/listen/source"
)

var _ listen.Store = (*DB)(nil)

// ---- topics ----

const topicColumns = `id, name, kind, query, competitor_id, enabled, created_at, updated_at`

func scanTopic(r linkRow) (listen.Topic, error) {
	var t listen.Topic
	var comp sql.NullInt64
	if err := r.Scan(&t.ID, &t.Name, &t.Kind, &t.Query, &comp, &t.Enabled, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return t, err
	}
	t.CompetitorID = comp.Int64
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, nil
}

func idOrNull(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// CreateTopic stores a new topic.
func (db *DB) CreateTopic(ctx context.Context, ws int64, t listen.Topic) (listen.Topic, error) {
	now := db.now()
	t.CreatedAt, t.UpdatedAt = now, now
	err := db.writer().queryRow(ctx, `INSERT INTO topics (workspace_id, name, kind, query, competitor_id, enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, ws, t.Name, t.Kind, t.Query, idOrNull(t.CompetitorID), t.Enabled, now).Scan(&t.ID)
	if err != nil {
		return listen.Topic{}, apperr.Wrap(err, "create topic")
	}
	return t, nil
}

// Topic returns one topic of the workspace. Returns apperr.NotFound.
func (db *DB) Topic(ctx context.Context, ws, id int64) (listen.Topic, error) {
	t, err := scanTopic(db.reader().queryRow(ctx, `SELECT `+topicColumns+` FROM topics WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return listen.Topic{}, notFound(err, "topic")
	}
	return t, nil
}

// Topics returns the workspace's topics, oldest first.
func (db *DB) Topics(ctx context.Context, ws int64) ([]listen.Topic, error) {
	rows, err := db.reader().query(ctx, `SELECT `+topicColumns+` FROM topics WHERE workspace_id = $1 ORDER BY id`, ws)
	if err != nil {
		return nil, apperr.Wrap(err, "list topics")
	}
	defer rows.Close()
	out := []listen.Topic{}
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "list topics")
		}
		out = append(out, t)
	}
	return out, apperr.Wrap(rows.Err(), "list topics")
}

// ListenVersion counts the changes to the workspace's topics (kept by
// triggers on topics) and sentiment model (kept by SaveSentimentModel).
func (db *DB) ListenVersion(ctx context.Context, ws int64) (int64, error) {
	var v int64
	if err := db.reader().queryRow(ctx, `SELECT listen_version FROM workspaces WHERE id = $1`, ws).Scan(&v); err != nil {
		return 0, notFound(err, "workspace")
	}
	return v, nil
}

// SentimentModel returns the workspace's own sentiment model. Returns
// apperr.NotFound when it has none.
func (db *DB) SentimentModel(ctx context.Context, ws int64) (listen.SentimentModel, error) {
	var m listen.SentimentModel
	err := db.reader().queryRow(ctx, `SELECT model, train_rows, held_out_rows, macro_f1, base_macro_f1, created_at
		FROM sentiment_models WHERE workspace_id = $1`, ws).Scan(&m.Data, &m.TrainRows, &m.HeldOutRows, &m.MacroF1, &m.BaseMacroF1, &m.CreatedAt)
	if err != nil {
		return listen.SentimentModel{}, notFound(err, "sentiment model")
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return m, nil
}

// SaveSentimentModel stores the workspace's own sentiment model in place
// of the one before, and counts the change in its listen version.
func (db *DB) SaveSentimentModel(ctx context.Context, ws int64, m listen.SentimentModel) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if _, err := c.exec(ctx, `INSERT INTO sentiment_models (workspace_id, model, train_rows, held_out_rows, macro_f1, base_macro_f1, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (workspace_id) DO UPDATE SET model = excluded.model, train_rows = excluded.train_rows,
				held_out_rows = excluded.held_out_rows, macro_f1 = excluded.macro_f1, base_macro_f1 = excluded.base_macro_f1,
				created_at = excluded.created_at`,
			ws, m.Data, m.TrainRows, m.HeldOutRows, m.MacroF1, m.BaseMacroF1, m.CreatedAt.UTC()); err != nil {
			return apperr.Wrap(err, "save sentiment model")
		}
		res, err := c.exec(ctx, `UPDATE workspaces SET listen_version = listen_version + 1 WHERE id = $1`, ws)
		return brandRowsOne(res, err, "save", "workspace")
	})
}

// UpdateTopic saves a topic. Returns apperr.NotFound.
func (db *DB) UpdateTopic(ctx context.Context, ws int64, t listen.Topic) (listen.Topic, error) {
	res, err := db.writer().exec(ctx, `UPDATE topics SET name = $1, kind = $2, query = $3, competitor_id = $4, enabled = $5, updated_at = $6
		WHERE workspace_id = $7 AND id = $8`, t.Name, t.Kind, t.Query, idOrNull(t.CompetitorID), t.Enabled, db.now(), ws, t.ID)
	if err := brandRowsOne(res, err, "update", "topic"); err != nil {
		return listen.Topic{}, err
	}
	return db.Topic(ctx, ws, t.ID)
}

// DeleteTopic removes a topic with its matches, roll-ups and alert rules.
// Returns apperr.NotFound.
func (db *DB) DeleteTopic(ctx context.Context, ws, id int64) error {
	res, err := db.writer().exec(ctx, `DELETE FROM topics WHERE workspace_id = $1 AND id = $2`, ws, id)
	return brandRowsOne(res, err, "delete", "topic")
}

// WorkspaceName returns a workspace's display name. Returns
// apperr.NotFound.
func (db *DB) WorkspaceName(ctx context.Context, ws int64) (string, error) {
	var name string
	if err := db.reader().queryRow(ctx, `SELECT name FROM workspaces WHERE id = $1`, ws).Scan(&name); err != nil {
		return "", notFound(err, "workspace")
	}
	return name, nil
}

// ---- mentions ----

const mentionColumns = `m.id, m.source_id, m.source_kind, m.external_id, m.url, m.author, m.author_followers, m.text, m.urls,
	m.content_hash, m.simhash, m.cluster_id, m.cluster_size, m.lang, m.sentiment, m.p_positive, m.p_neutral, m.p_negative,
	m.sentiment_corrected, m.likes, m.reposts, m.comments, m.published_at, m.fetched_at, m.topic_ids`

func scanMention(r linkRow) (listen.Mention, error) {
	var m listen.Mention
	var source, cluster sql.NullInt64
	var urls, topics string
	var sim int64
	err := r.Scan(&m.ID, &source, &m.SourceKind, &m.ExternalID, &m.URL, &m.Author, &m.AuthorFollowers, &m.Text, &urls,
		&m.ContentHash, &sim, &cluster, &m.ClusterSize, &m.Lang, &m.Sentiment, &m.PPositive, &m.PNeutral, &m.PNegative,
		&m.SentimentCorrected, &m.Likes, &m.Reposts, &m.Comments, &m.PublishedAt, &m.FetchedAt, &topics)
	if err != nil {
		return m, err
	}
	m.SourceID, m.ClusterID, m.SimHash = source.Int64, cluster.Int64, uint64(sim)
	if urls != "" {
		m.URLs = strings.Split(urls, "\n")
	}
	m.PublishedAt, m.FetchedAt = m.PublishedAt.UTC(), m.FetchedAt.UTC()
	m.TopicIDs = parseTopicIDs(topics)
	return m, nil
}

// topicIDsText is the topic_ids column of a mention: its matched topics
// of the workspace, ascending, comma-separated ("3,17").
func topicIDsText(ids []int64, topics map[int64]bool) string {
	kept := make([]int64, 0, len(ids))
	for _, t := range ids {
		if topics[t] {
			kept = append(kept, t)
		}
	}
	slices.Sort(kept)
	var b []byte
	for i, t := range slices.Compact(kept) {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, t, 10)
	}
	return string(b)
}

// parseTopicIDs reads a topic_ids column, ascending (migration 0020 filled
// it from an unordered aggregate on SQLite).
func parseTopicIDs(s string) []int64 {
	ids := []int64{}
	for f := range strings.SplitSeq(s, ",") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// mentionInsertColumns are the columns SaveMentions writes, in order. The
// ids are allocated first, so a near-duplicate of a root of the same batch
// points at it in the same INSERT.
var mentionInsertColumns = []string{"id", "workspace_id", "source_id", "source_kind", "external_id", "url", "author", "author_followers", "text", "urls",
	"content_hash", "simhash", "cluster_id", "cluster_size", "lang", "sentiment", "p_positive", "p_neutral", "p_negative",
	"likes", "reposts", "comments", "published_at", "fetched_at", "topic_ids", "norm_version"}

// The bulk statements of SaveMentions; SQLite prepares them once on the
// writer.
var (
	insertMentionRows = &bulk{into: `mentions (` + strings.Join(mentionInsertColumns, ", ") + `) VALUES `,
		cols: len(mentionInsertColumns), max: 128}
	insertMatches     = &bulk{into: `mention_topics (mention_id, topic_id, workspace_id, published_at) VALUES `, cols: 4, max: 512}
	upsertTopicRollup = &bulk{into: `topic_rollups (topic_id, hour, workspace_id, volume, positive, neutral, negative, reach) VALUES `,
		tail: ` ON CONFLICT (topic_id, hour) DO UPDATE SET volume = topic_rollups.volume + excluded.volume,
			positive = topic_rollups.positive + excluded.positive, neutral = topic_rollups.neutral + excluded.neutral,
			negative = topic_rollups.negative + excluded.negative, reach = topic_rollups.reach + excluded.reach`, cols: 8, max: 256}
	upsertMentionRollup = &bulk{into: `mention_rollups (workspace_id, hour, topic_ids, volume, positive, neutral, negative, reach) VALUES `,
		tail: ` ON CONFLICT (workspace_id, hour, topic_ids) DO UPDATE SET volume = mention_rollups.volume + excluded.volume,
			positive = mention_rollups.positive + excluded.positive, neutral = mention_rollups.neutral + excluded.neutral,
			negative = mention_rollups.negative + excluded.negative, reach = mention_rollups.reach + excluded.reach`, cols: 8, max: 256}
)

var sqliteMentionStatements = sync.OnceValue(func() []string {
	var out []string
	for _, s := range []*bulk{insertMentionRows, insertMatches, upsertTopicRollup, upsertMentionRollup} {
		out = append(out, s.all(true)...)
	}
	return out
})

// mentionsLockSpace is the first key of the PostgreSQL advisory locks
// that SaveMentions takes per workspace (the second is the workspace id,
// folded into 32 bits: workspaces that share a key only wait for each
// other).
const mentionsLockSpace int32 = 0x6d656e74 // "ment"

// SaveMentions stores a batch of mentions in one transaction: rows (in
// multi-row INSERTs), topic matches, cluster-size increments of roots
// stored before, and the hourly roll-ups of each topic and of each set of
// topics. Source ids and topic ids
// that are not the workspace's are dropped. It returns the new ids in batch
// order, and the roots stored after near.After before this batch (see
// listen.Store). The mentions' hashes are taken to be made with this
// build's normalization (listen.NormVersion). Returns apperr.Conflict if
// a (source kind, external id) or a content hash is taken.
func (db *DB) SaveMentions(ctx context.Context, ws int64, batch []listen.NewMention, near listen.NearSync) ([]int64, []listen.DedupEntry, error) {
	if err := db.prepare(ctx, &db.writeStmts, sqliteMentionStatements()); err != nil {
		return nil, nil, apperr.Wrap(err, "store mentions")
	}
	var ids []int64
	var others []listen.DedupEntry
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		// One batch of a workspace at a time, also across nodes, so that
		// its ids are above those of every batch stored before it. (A
		// SQLite transaction holds the whole database's write lock.) An
		// advisory lock, not the workspace's row: a topic's deletion locks
		// the topic and then, by trigger, the workspace's row, while a
		// batch would lock that row and then wait for the topic.
		if db.dialect == Postgres {
			if _, err := c.exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, mentionsLockSpace, int32(ws)); err != nil {
				return apperr.Wrap(err, "lock the workspace's mentions")
			}
		}
		var err error
		if others, _, err = rootsAfter(ctx, c, ws, near); err != nil {
			return err
		}
		topics, sources, err := listenRefs(ctx, sqlBatch{c}, ws, batch)
		if err != nil {
			return err
		}
		if ids, err = newMentionIDs(ctx, c, len(batch)); err != nil {
			return err
		}
		if err := insertMentions(ctx, sqlBatch{c}, ws, batch, ids, topics, sources); err != nil {
			return err
		}
		if err := growClusters(ctx, tx, ws, batch); err != nil {
			return err
		}
		if err := insertMentionTopics(ctx, sqlBatch{c}, ws, batch, ids, topics); err != nil {
			return err
		}
		if err := upsertTopicRollups(ctx, sqlBatch{c}, ws, batch, topics); err != nil {
			return err
		}
		return upsertMentionRollups(ctx, sqlBatch{c}, ws, batch, topics)
	})
	if err != nil {
		return nil, nil, err
	}
	return ids, others, nil
}

// RecordPushed records a processed batch on the pushed sources (webhooks
// and imports, which no poll visits) it names: fetched[id] new mentions
// are added to the source's items fetched, as a poll adds those it
// stored, and the batch is its last success, new mentions or not, as a
// poll that found nothing new is. Polled sources and ids that are not
// the workspace's are left alone.
func (db *DB) RecordPushed(ctx context.Context, ws int64, fetched map[int64]int) error {
	if len(fetched) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(fetched))
	now := db.now()
	args := []any{0, now, ws, 0}
	polled := make([]string, len(source.PolledKinds))
	for i, k := range source.PolledKinds {
		args = append(args, k)
		polled[i] = fmt.Sprintf("$%d", len(args))
	}
	q := `UPDATE sources SET items_fetched = items_fetched + $1, last_success_at = $2, updated_at = $2
		WHERE workspace_id = $3 AND id = $4 AND kind NOT IN (` + strings.Join(polled, ", ") + `)`
	for _, id := range ids {
		args[0], args[3] = fetched[id], id
		if _, err := db.writer().exec(ctx, q, args...); err != nil {
			return apperr.Wrap(err, "record source health")
		}
	}
	return nil
}

// newMentionIDs allocates n mention ids, ascending. On SQLite the
// transaction holds the database's write lock from its start (IMMEDIATE),
// so the next ids are known: past both the largest id ever given (kept by
// AUTOINCREMENT in sqlite_sequence) and the largest stored. PostgreSQL
// draws them from the identity's sequence, which other nodes share.
func newMentionIDs(ctx context.Context, c conn, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if c.db.dialect == SQLite {
		var last int64
		err := c.queryRow(ctx, `SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'mentions'), 0),
			COALESCE((SELECT max(id) FROM mentions), 0))`).Scan(&last)
		if err != nil {
			return nil, apperr.Wrap(err, "allocate mention ids")
		}
		for i := range n {
			ids = append(ids, last+1+int64(i))
		}
		return ids, nil
	}
	err := sqlBatch{c}.query(ctx, `SELECT nextval(pg_get_serial_sequence('mentions', 'id')) FROM generate_series(1, $1)`, []any{n},
		func(scan func(...any) error) error {
			var id int64
			if err := scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		})
	if err != nil {
		return nil, apperr.Wrap(err, "allocate mention ids")
	}
	if len(ids) != n {
		return nil, apperr.Wrap(fmt.Errorf("%d ids for %d mentions", len(ids), n), "allocate mention ids")
	}
	slices.Sort(ids)
	return ids, nil
}

func insertMentions(ctx context.Context, b batchConn, ws int64, batch []listen.NewMention, ids []int64, topics, sources map[int64]bool) error {
	args := make([]any, 0, insertMentionRows.cols*insertMentionRows.max)
	return insertMentionRows.chunks(len(batch), func(start, end int) error {
		args = args[:0]
		for i := start; i < end; i++ {
			m := &batch[i].Mention
			cluster := idOrNull(m.ClusterID)
			if k := batch[i].ClusterIndex; k >= 0 {
				cluster = idOrNull(ids[k])
			}
			src := sql.NullInt64{}
			if sources[m.SourceID] {
				src = idOrNull(m.SourceID)
			}
			args = append(args, ids[i], ws, src, m.SourceKind, m.ExternalID, m.URL, m.Author, m.AuthorFollowers, m.Text, strings.Join(m.URLs, "\n"),
				m.ContentHash, int64(m.SimHash), cluster, max(m.ClusterSize, 1), m.Lang, m.Sentiment, m.PPositive, m.PNeutral, m.PNegative,
				m.Likes, m.Reposts, m.Comments, m.PublishedAt.UTC(), m.FetchedAt.UTC(), topicIDsText(m.TopicIDs, topics), listen.NormVersion)
		}
		err := b.exec(ctx, insertMentionRows.text(end-start, b.anonymous()), args...)
		if isUnique(err) {
			return apperr.New(apperr.Conflict, "error.listen.duplicate", nil)
		}
		return apperr.Wrap(err, "insert mentions")
	})
}

// growClusters adds the batch's near-duplicates of roots stored before
// to the roots' cluster sizes.
func growClusters(ctx context.Context, tx *Tx, ws int64, batch []listen.NewMention) error {
	grow := map[int64]int{}
	var roots []int64
	for i := range batch {
		if c := batch[i].ClusterID; c != 0 && batch[i].ClusterIndex < 0 {
			if grow[c] == 0 {
				roots = append(roots, c)
			}
			grow[c]++
		}
	}
	if len(roots) == 0 {
		return nil
	}
	slices.Sort(roots)
	st, err := tx.tx.PrepareContext(ctx, tx.db.rebind(`UPDATE mentions SET cluster_size = cluster_size + $1 WHERE workspace_id = $2 AND id = $3`))
	if err != nil {
		return apperr.Wrap(err, "grow cluster")
	}
	for _, r := range roots {
		if _, err := st.ExecContext(ctx, grow[r], ws, r); err != nil {
			return apperr.Wrap(err, "grow cluster")
		}
	}
	return nil
}

// listenRefs returns which topic ids and source ids of a batch belong to
// the workspace.
func listenRefs(ctx context.Context, b sqlBatch, ws int64, batch []listen.NewMention) (map[int64]bool, map[int64]bool, error) {
	topics := map[int64]bool{}
	sources := map[int64]bool{}
	needTopics, needSources := false, map[int64]bool{}
	for i := range batch {
		if len(batch[i].TopicIDs) > 0 {
			needTopics = true
		}
		if s := batch[i].SourceID; s != 0 {
			needSources[s] = true
		}
	}
	if needTopics {
		var err error
		if topics, err = topicSet(ctx, b, ws); err != nil {
			return nil, nil, err
		}
	}
	if len(needSources) > 0 {
		var err error
		if sources, err = idSet(ctx, b, "sources", ws); err != nil {
			return nil, nil, err
		}
	}
	return topics, sources, nil
}

// topicSet returns the ids of the workspace's topics.
func topicSet(ctx context.Context, b sqlBatch, ws int64) (map[int64]bool, error) {
	return idSet(ctx, b, "topics", ws)
}

// idSet returns the ids of the workspace's rows of table.
func idSet(ctx context.Context, b sqlBatch, table string, ws int64) (map[int64]bool, error) {
	ids := map[int64]bool{}
	err := b.query(ctx, b.c.db.rebind(`SELECT id FROM `+table+` WHERE workspace_id = $1`), []any{ws}, func(scan func(...any) error) error {
		var id int64
		if err := scan(&id); err != nil {
			return err
		}
		ids[id] = true
		return nil
	})
	return ids, apperr.Wrap(err, "read "+table)
}

type topicMatch struct {
	topic, mention int64
	published      time.Time
}

func insertMentionTopics(ctx context.Context, b batchConn, ws int64, batch []listen.NewMention, ids []int64, topics map[int64]bool) error {
	var matches []topicMatch
	for i := range batch {
		for _, t := range batch[i].TopicIDs {
			if topics[t] {
				matches = append(matches, topicMatch{t, ids[i], batch[i].PublishedAt.UTC()})
			}
		}
	}
	// In the order of the key, so that each topic's entries go in at
	// its end together.
	slices.SortFunc(matches, func(x, y topicMatch) int {
		if c := cmp.Compare(x.topic, y.topic); c != 0 {
			return c
		}
		if c := x.published.Compare(y.published); c != 0 {
			return c
		}
		return cmp.Compare(x.mention, y.mention)
	})
	args := make([]any, 0, insertMatches.cols*insertMatches.max)
	err := insertMatches.chunks(len(matches), func(start, end int) error {
		args = args[:0]
		for _, m := range matches[start:end] {
			args = append(args, m.mention, m.topic, ws, m.published)
		}
		return b.exec(ctx, insertMatches.text(end-start, b.anonymous()), args...)
	})
	return apperr.Wrap(err, "insert topic matches")
}

type topicHour struct {
	topic int64
	hour  time.Time
}

func upsertTopicRollups(ctx context.Context, b batchConn, ws int64, batch []listen.NewMention, topics map[int64]bool) error {
	err := rollUp(ctx, b, upsertTopicRollup, batch,
		func(m *listen.Mention, add func(topicHour)) {
			for _, t := range m.TopicIDs {
				if topics[t] {
					add(topicHour{t, m.PublishedAt.UTC().Truncate(time.Hour)})
				}
			}
		},
		func(x, y topicHour) int {
			if x.topic != y.topic {
				return cmp.Compare(x.topic, y.topic)
			}
			return x.hour.Compare(y.hour)
		},
		func(args []any, k topicHour, r *listen.Rollup) []any {
			return append(args, k.topic, k.hour, ws, r.Volume, r.Positive, r.Neutral, r.Negative, r.Reach)
		})
	return apperr.Wrap(err, "update topic roll-ups")
}

// rollUp counts each mention of batch in the roll-up of every key keys
// gives it, then upserts the sums with stmt, a row of values (row) per
// key. In key order (order), the upserts walk the roll-up table's B-tree
// once.
func rollUp[K comparable](ctx context.Context, b batchConn, stmt *bulk, batch []listen.NewMention,
	keys func(m *listen.Mention, add func(K)), order func(x, y K) int, row func(args []any, k K, r *listen.Rollup) []any) error {
	sums := map[K]*listen.Rollup{}
	var ks []K
	for i := range batch {
		m := &batch[i].Mention
		keys(m, func(k K) {
			r := sums[k]
			if r == nil {
				r = &listen.Rollup{}
				sums[k] = r
				ks = append(ks, k)
			}
			count(r, m)
		})
	}
	slices.SortFunc(ks, order)
	args := make([]any, 0, stmt.cols*stmt.max)
	return stmt.chunks(len(ks), func(start, end int) error {
		args = args[:0]
		for _, k := range ks[start:end] {
			args = row(args, k, sums[k])
		}
		return b.exec(ctx, stmt.text(end-start, b.anonymous()), args...)
	})
}

// count adds a mention to a roll-up.
func count(r *listen.Rollup, m *listen.Mention) {
	r.Volume++
	switch m.Sentiment {
	case listen.Positive:
		r.Positive++
	case listen.Neutral:
		r.Neutral++
	case listen.Negative:
		r.Negative++
	}
	r.Reach += m.AuthorFollowers
}

type topicsHour struct {
	hour   time.Time
	topics string // a topic_ids column
}

// upsertMentionRollups counts each mention of the batch with topics once,
// in the roll-up of its hour and its topic_ids.
func upsertMentionRollups(ctx context.Context, b batchConn, ws int64, batch []listen.NewMention, topics map[int64]bool) error {
	err := rollUp(ctx, b, upsertMentionRollup, batch,
		func(m *listen.Mention, add func(topicsHour)) {
			if ids := topicIDsText(m.TopicIDs, topics); ids != "" {
				add(topicsHour{m.PublishedAt.UTC().Truncate(time.Hour), ids})
			}
		},
		func(x, y topicsHour) int {
			if c := x.hour.Compare(y.hour); c != 0 {
				return c
			}
			return strings.Compare(x.topics, y.topics)
		},
		func(args []any, k topicsHour, r *listen.Rollup) []any {
			return append(args, ws, k.hour, k.topics, r.Volume, r.Positive, r.Neutral, r.Negative, r.Reach)
		})
	return apperr.Wrap(err, "update mention roll-ups")
}

const knownChunk = 500

// KnownMentions reports which keys and content hashes are stored in the
// workspace.
func (db *DB) KnownMentions(ctx context.Context, ws int64, keys []listen.ExactKey, hashes []string) (map[listen.ExactKey]bool, map[string]bool, error) {
	b := sqlBatch{db.reader()}
	anon := b.anonymous()
	known := map[listen.ExactKey]bool{}
	byKind := map[string][]string{}
	for _, k := range keys {
		byKind[k.SourceKind] = append(byKind[k.SourceKind], k.ExternalID)
	}
	for kind, ext := range byKind {
		for start := 0; start < len(ext); start += knownChunk {
			part := ext[start:min(start+knownChunk, len(ext))]
			args := make([]any, 0, len(part)+2)
			args = append(args, ws, kind)
			for _, e := range part {
				args = append(args, e)
			}
			q := `SELECT external_id FROM mentions WHERE workspace_id = $1 AND source_kind = $2 AND external_id IN ` + placeholders(1, len(part)+2, false)
			q = strings.Replace(q, "($1, $2, ", "(", 1)
			if anon {
				q = `SELECT external_id FROM mentions WHERE workspace_id = ? AND source_kind = ? AND external_id IN ` + inList(len(part), true)
			}
			err := b.query(ctx, q, args, func(scan func(...any) error) error {
				var e string
				if err := scan(&e); err != nil {
					return err
				}
				known[listen.ExactKey{SourceKind: kind, ExternalID: e}] = true
				return nil
			})
			if err != nil {
				return nil, nil, apperr.Wrap(err, "look up mentions")
			}
		}
	}
	knownHash := map[string]bool{}
	for start := 0; start < len(hashes); start += knownChunk {
		part := hashes[start:min(start+knownChunk, len(hashes))]
		args := make([]any, 0, len(part)+1)
		args = append(args, ws)
		for _, h := range part {
			args = append(args, h)
		}
		q := `SELECT content_hash FROM mentions WHERE workspace_id = $1 AND content_hash IN ` + strings.Replace(placeholders(1, len(part)+1, false), "($1, ", "(", 1)
		if anon {
			q = `SELECT content_hash FROM mentions WHERE workspace_id = ? AND content_hash IN ` + inList(len(part), true)
		}
		err := b.query(ctx, q, args, func(scan func(...any) error) error {
			var h string
			if err := scan(&h); err != nil {
				return err
			}
			knownHash[h] = true
			return nil
		})
		if err != nil {
			return nil, nil, apperr.Wrap(err, "look up mentions")
		}
	}
	return known, knownHash, nil
}

// DedupRoots returns the cluster roots stored after mention near.After and
// published since near.Since, oldest first, and the highest id of the
// workspace's mentions it saw. The first call of a node (After 0) reads
// the roots by publication time; later calls read what came after by id,
// which is few rows.
func (db *DB) DedupRoots(ctx context.Context, ws int64, near listen.NearSync) ([]listen.DedupEntry, int64, error) {
	if near.After > 0 {
		return rootsAfter(ctx, db.reader(), ws, near)
	}
	var last int64
	if err := db.reader().queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM mentions WHERE workspace_id = $1`, ws).Scan(&last); err != nil {
		return nil, 0, apperr.Wrap(err, "read dedup roots")
	}
	rows, err := db.reader().query(ctx, `SELECT id, simhash, published_at FROM mentions
		WHERE workspace_id = $1 AND published_at >= $2 AND cluster_id IS NULL AND id <= $3 ORDER BY id`, ws, near.Since.UTC(), last)
	if err != nil {
		return nil, 0, apperr.Wrap(err, "read dedup roots")
	}
	defer rows.Close()
	var out []listen.DedupEntry
	for rows.Next() {
		var e listen.DedupEntry
		var sim int64
		if err := rows.Scan(&e.ID, &sim, &e.PublishedAt); err != nil {
			return nil, 0, apperr.Wrap(err, "read dedup roots")
		}
		e.SimHash = uint64(sim)
		out = append(out, e)
	}
	return out, last, apperr.Wrap(rows.Err(), "read dedup roots")
}

// rootsAfter reads the workspace's mentions after near.After by id: the
// roots among them published since near.Since, and the highest id. The
// unary plus keeps SQLite from reading the workspace's whole index
// instead of the few rows past After.
func rootsAfter(ctx context.Context, c conn, ws int64, near listen.NearSync) ([]listen.DedupEntry, int64, error) {
	rows, err := c.query(ctx, `SELECT id, simhash, published_at, cluster_id IS NULL FROM mentions
		WHERE id > $1 AND +workspace_id = $2 ORDER BY id`, near.After, ws)
	if err != nil {
		return nil, 0, apperr.Wrap(err, "read dedup roots")
	}
	defer rows.Close()
	var out []listen.DedupEntry
	last := near.After
	for rows.Next() {
		var e listen.DedupEntry
		var sim int64
		var root bool
		if err := rows.Scan(&e.ID, &sim, &e.PublishedAt, &root); err != nil {
			return nil, 0, apperr.Wrap(err, "read dedup roots")
		}
		last = e.ID
		if root && !e.PublishedAt.Before(near.Since) {
			e.SimHash = uint64(sim)
			out = append(out, e)
		}
	}
	return out, last, apperr.Wrap(rows.Err(), "read dedup roots")
}

// Mention returns one mention with its topics. Returns apperr.NotFound.
func (db *DB) Mention(ctx context.Context, ws, id int64) (listen.Mention, error) {
	m, err := scanMention(db.reader().queryRow(ctx, `SELECT `+mentionColumns+` FROM mentions m WHERE m.workspace_id = $1 AND m.id = $2`, ws, id))
	if err != nil {
		return listen.Mention{}, notFound(err, "mention")
	}
	ms := []listen.Mention{m}
	if err := db.dropDeletedTopics(ctx, ws, ms); err != nil {
		return listen.Mention{}, err
	}
	return ms[0], nil
}

// Mentions returns the workspace's mentions by the filter, newest
// published first (a backfill imported today sits with its dates, not
// above live posts), with their topics; BeforeID pages on from a
// mention.
func (db *DB) Mentions(ctx context.Context, ws int64, f listen.MentionFilter) ([]listen.Mention, error) {
	q, args := mentionsQuery(db.dialect, ws, f)
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "list mentions")
	}
	out := []listen.Mention{}
	for rows.Next() {
		m, err := scanMention(rows)
		if err != nil {
			rows.Close()
			return nil, apperr.Wrap(err, "list mentions")
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "list mentions")
	}
	return out, db.dropDeletedTopics(ctx, ws, out)
}

// mentionsQuery is the query of Mentions and its arguments.
func mentionsQuery(d Dialect, ws int64, f listen.MentionFilter) (string, []any) {
	// The order's columns: those of mentions, or of a topic's matches,
	// which carry the mention's published_at and id and are stored in
	// that order (their key), so that both databases read a topic's
	// newest matches backwards, from the page's start, and stop at the
	// limit; matched mentions read by id were all sorted first, a busy
	// topic's thousands for each page of 50.
	from, at, id := `mentions m`, `m.published_at`, `m.id`
	if f.TopicID != 0 {
		from, at, id = `mention_topics mt JOIN mentions m ON m.id = mt.mention_id`, `mt.published_at`, `mt.mention_id`
	}
	q := `SELECT ` + mentionColumns + ` FROM ` + from + ` WHERE m.workspace_id = $1`
	args := []any{ws}
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args)))
	}
	if f.TopicID != 0 {
		add(`mt.topic_id = $? AND mt.workspace_id = $1`, f.TopicID)
	}
	if f.Sentiment != "" {
		add(`m.sentiment = $?`, f.Sentiment)
	}
	if f.SourceKind != "" {
		// As source: in a query: weibo also finds a Weibo search's posts.
		kinds := query.Kinds(f.SourceKind)
		add(`m.source_kind IN ($?`, kinds[0])
		for _, k := range kinds[1:] {
			args = append(args, k)
			q += fmt.Sprintf(", $%d", len(args))
		}
		q += ")"
	}
	if f.Lang != "" {
		add(`m.lang = $?`, f.Lang)
	}
	if f.From != nil {
		add(at+` >= $?`, f.From.UTC())
	}
	if f.To != nil {
		add(at+` < $?`, f.To.UTC())
	}
	if f.Query != "" {
		add(d.containsFolded(`m.text`, f.Query))
	}
	if f.BeforeID != 0 {
		// The page after a mention: those published before it, or at the
		// same time with a lower id.
		add(`(`+at+`, `+id+`) < (SELECT b.published_at, b.id FROM mentions b WHERE b.workspace_id = $1 AND b.id = $?)`, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > listen.TryWindow {
		limit = 50
	}
	q += fmt.Sprintf(` ORDER BY %s DESC, %s DESC LIMIT %d`, at, id, limit)
	return q, args
}

// MentionsByID returns the workspace's mentions with the given ids (those
// of another workspace are left out), in id order.
func (db *DB) MentionsByID(ctx context.Context, ws int64, ids []int64) ([]listen.Mention, error) {
	out := []listen.Mention{}
	for start := 0; start < len(ids); start += knownChunk {
		part := ids[start:min(start+knownChunk, len(ids))]
		args := []any{ws}
		var ph []string
		for _, id := range part {
			args = append(args, id)
			ph = append(ph, fmt.Sprintf("$%d", len(args)))
		}
		rows, err := db.reader().query(ctx, `SELECT `+mentionColumns+` FROM mentions m WHERE m.workspace_id = $1 AND m.id IN (`+strings.Join(ph, ", ")+`) ORDER BY m.id`, args...)
		if err != nil {
			return nil, apperr.Wrap(err, "read mentions")
		}
		for rows.Next() {
			m, err := scanMention(rows)
			if err != nil {
				rows.Close()
				return nil, apperr.Wrap(err, "read mentions")
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, apperr.Wrap(err, "read mentions")
		}
	}
	return out, db.dropDeletedTopics(ctx, ws, out)
}

// dropDeletedTopics leaves the ids of topics deleted since out of the
// mentions' TopicIDs (topic_ids keeps them; topic ids are never reused).
func (db *DB) dropDeletedTopics(ctx context.Context, ws int64, ms []listen.Mention) error {
	if !slices.ContainsFunc(ms, func(m listen.Mention) bool { return len(m.TopicIDs) > 0 }) {
		return nil
	}
	topics, err := topicSet(ctx, sqlBatch{db.reader()}, ws)
	if err != nil {
		return err
	}
	for i := range ms {
		ms[i].TopicIDs = liveTopics(ms[i].TopicIDs, topics)
	}
	return nil
}

// liveTopics leaves the ids that are not in topics out of ids.
func liveTopics(ids []int64, topics map[int64]bool) []int64 {
	return slices.DeleteFunc(ids, func(t int64) bool { return !topics[t] })
}

// SetMentionSentiment sets a corrected label and moves the mention's count
// in its topics' roll-ups and its topic set's from the old label to the
// new. Returns apperr.NotFound.
func (db *DB) SetMentionSentiment(ctx context.Context, ws, id int64, label string) (listen.Mention, error) {
	col := map[string]string{listen.Positive: "positive", listen.Neutral: "neutral", listen.Negative: "negative"}
	if col[label] == "" {
		return listen.Mention{}, apperr.New(apperr.Invalid, "error.invalid", nil)
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		var old, topics string
		var published time.Time
		// Locked: two corrections at once must not both move the count
		// from the label they read.
		if err := c.queryRow(ctx, `SELECT sentiment, published_at, topic_ids FROM mentions WHERE workspace_id = $1 AND id = $2`+db.forUpdate(false),
			ws, id).Scan(&old, &published, &topics); err != nil {
			return notFound(err, "mention")
		}
		if _, err := c.exec(ctx, `UPDATE mentions SET sentiment = $1, sentiment_corrected = $2 WHERE workspace_id = $3 AND id = $4`, label, true, ws, id); err != nil {
			return apperr.Wrap(err, "correct sentiment")
		}
		ids := parseTopicIDs(topics)
		if old == label || len(ids) == 0 {
			return nil
		}
		set := col[label] + ` = ` + col[label] + ` + 1`
		if col[old] != "" {
			set += `, ` + col[old] + ` = ` + col[old] + ` - 1`
		}
		hour := published.UTC().Truncate(time.Hour)
		if _, err := c.exec(ctx, `UPDATE mention_rollups SET `+set+` WHERE workspace_id = $1 AND hour = $2 AND topic_ids = $3`, ws, hour, topics); err != nil {
			return apperr.Wrap(err, "move sentiment count")
		}
		in, args := numberedIn([]any{ws, hour}, ids)
		_, err := c.exec(ctx, `UPDATE topic_rollups SET `+set+` WHERE workspace_id = $1 AND hour = $2 AND topic_id IN `+in, args...)
		return apperr.Wrap(err, "move sentiment count")
	})
	if err != nil {
		return listen.Mention{}, err
	}
	return db.Mention(ctx, ws, id)
}

// MentionSourceKinds returns the source kinds the workspace's mentions
// carry, in order: besides the kinds of sources, those pushed and
// imported posts name (weibo, xiaohongshu).
func (db *DB) MentionSourceKinds(ctx context.Context, ws int64) ([]string, error) {
	// One index probe per kind (mentions_external starts with workspace_id,
	// source_kind), where DISTINCT would read every mention's entry: the
	// stream asks on each page, of workspaces holding millions.
	rows, err := db.reader().query(ctx, `WITH RECURSIVE k(kind) AS (
		SELECT MIN(source_kind) FROM mentions WHERE workspace_id = $1
		UNION ALL
		SELECT (SELECT MIN(source_kind) FROM mentions WHERE workspace_id = $1 AND source_kind > k.kind) FROM k WHERE k.kind IS NOT NULL)
		SELECT kind FROM k WHERE kind IS NOT NULL`, ws)
	if err != nil {
		return nil, apperr.Wrap(err, "list mention source kinds")
	}
	defer rows.Close()
	kinds := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, apperr.Wrap(err, "list mention source kinds")
		}
		kinds = append(kinds, k)
	}
	return kinds, apperr.Wrap(rows.Err(), "list mention source kinds")
}

// Corrections calls fn with every corrected mention's text and label,
// oldest first.
func (db *DB) Corrections(ctx context.Context, ws int64, fn func(text, label string) error) error {
	rows, err := db.reader().query(ctx, `SELECT text, sentiment FROM mentions WHERE workspace_id = $1 AND sentiment_corrected = $2 ORDER BY id`, ws, true)
	if err != nil {
		return apperr.Wrap(err, "read corrections")
	}
	defer rows.Close()
	for rows.Next() {
		var text, label string
		if err := rows.Scan(&text, &label); err != nil {
			return apperr.Wrap(err, "read corrections")
		}
		if err := fn(text, label); err != nil {
			return err
		}
	}
	return apperr.Wrap(rows.Err(), "read corrections")
}

// TopicRollups returns the hourly roll-ups of the workspace's topics
// (all when topicIDs is empty) with from ≤ hour < to, by topic and hour.
func (db *DB) TopicRollups(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time) ([]listen.Rollup, error) {
	q := `SELECT topic_id, hour, volume, positive, neutral, negative, ` + boundedReach + ` FROM topic_rollups
		WHERE workspace_id = $1 AND hour >= $2 AND hour < $3`
	args := []any{ws, from.UTC(), to.UTC()}
	if len(topicIDs) > 0 {
		var ph []string
		for _, id := range topicIDs {
			args = append(args, id)
			ph = append(ph, fmt.Sprintf("$%d", len(args)))
		}
		q += ` AND topic_id IN (` + strings.Join(ph, ", ") + `)`
	} else {
		// Roll-ups are keyed by topic and hour only (no index by
		// workspace, which every stored batch would pay for).
		q += ` AND topic_id IN (SELECT id FROM topics WHERE workspace_id = $1)`
	}
	rows, err := db.reader().query(ctx, q+` ORDER BY topic_id, hour`, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read topic roll-ups")
	}
	defer rows.Close()
	out := []listen.Rollup{}
	for rows.Next() {
		var r listen.Rollup
		if err := rows.Scan(&r.TopicID, &r.Hour, &r.Volume, &r.Positive, &r.Neutral, &r.Negative, &r.Reach); err != nil {
			return nil, apperr.Wrap(err, "read topic roll-ups")
		}
		r.Hour = r.Hour.UTC()
		out = append(out, r)
	}
	return out, apperr.Wrap(rows.Err(), "read topic roll-ups")
}

func utcPtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "{}"
	}
	return string(b)
}

// ---- sources ----

const sourceColumns = `id, workspace_id, kind, name, config, enabled, poll_seconds, cursor, etag, last_modified, last_success_at,
	last_error, last_error_key, last_error_args, last_error_at, failures, items_fetched, next_poll_at, created_at, updated_at`

func scanSource(r linkRow) (listen.Source, error) {
	var s listen.Source
	var config, errArgs string
	var ok, errAt, next sql.NullTime
	err := r.Scan(&s.ID, &s.WorkspaceID, &s.Kind, &s.Name, &config, &s.Enabled, &s.PollSeconds, &s.Cursor, &s.ETag, &s.LastModified, &ok,
		&s.LastError, &s.LastErrorKey, &errArgs, &errAt, &s.Failures, &s.ItemsFetched, &next, &s.CreatedAt, &s.UpdatedAt)
	if err != nil {
		return s, err
	}
	if errArgs != "" {
		_ = json.Unmarshal([]byte(errArgs), &s.LastErrorArgs)
	}
	s.Config = map[string]string{}
	_ = json.Unmarshal([]byte(config), &s.Config)
	s.LastSuccessAt, s.LastErrorAt, s.NextPollAt = utcPtr(ok), utcPtr(errAt), utcPtr(next)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, nil
}

func timeOrNull(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}

// CreateSource stores a new source of the workspace (ws overrides
// s.WorkspaceID).
func (db *DB) CreateSource(ctx context.Context, ws int64, s listen.Source) (listen.Source, error) {
	now := db.now()
	s.WorkspaceID, s.CreatedAt, s.UpdatedAt = ws, now, now
	if s.Config == nil {
		s.Config = map[string]string{}
	}
	err := db.writer().queryRow(ctx, `INSERT INTO sources (workspace_id, kind, name, config, enabled, poll_seconds, cursor, etag, last_modified,
		next_poll_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		ws, s.Kind, s.Name, jsonText(s.Config), s.Enabled, s.PollSeconds, s.Cursor, s.ETag, s.LastModified, timeOrNull(s.NextPollAt), now).Scan(&s.ID)
	if err != nil {
		return listen.Source{}, apperr.Wrap(err, "create source")
	}
	return s, nil
}

// Source returns one source of the workspace. Returns apperr.NotFound.
func (db *DB) Source(ctx context.Context, ws, id int64) (listen.Source, error) {
	s, err := scanSource(db.reader().queryRow(ctx, `SELECT `+sourceColumns+` FROM sources WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return listen.Source{}, notFound(err, "source")
	}
	return s, nil
}

// Sources returns the workspace's sources, oldest first.
func (db *DB) Sources(ctx context.Context, ws int64) ([]listen.Source, error) {
	rows, err := db.reader().query(ctx, `SELECT `+sourceColumns+` FROM sources WHERE workspace_id = $1 ORDER BY id`, ws)
	if err != nil {
		return nil, apperr.Wrap(err, "list sources")
	}
	defer rows.Close()
	out := []listen.Source{}
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "list sources")
		}
		out = append(out, s)
	}
	return out, apperr.Wrap(rows.Err(), "list sources")
}

// UpdateSource saves a source's settings (kind, name, config, enabled,
// poll interval, next poll). Returns apperr.NotFound.
func (db *DB) UpdateSource(ctx context.Context, ws int64, s listen.Source) (listen.Source, error) {
	if s.Config == nil {
		s.Config = map[string]string{}
	}
	res, err := db.writer().exec(ctx, `UPDATE sources SET kind = $1, name = $2, config = $3, enabled = $4, poll_seconds = $5, next_poll_at = $6, updated_at = $7
		WHERE workspace_id = $8 AND id = $9`, s.Kind, s.Name, jsonText(s.Config), s.Enabled, s.PollSeconds, timeOrNull(s.NextPollAt), db.now(), ws, s.ID)
	if err := brandRowsOne(res, err, "update", "source"); err != nil {
		return listen.Source{}, err
	}
	return db.Source(ctx, ws, s.ID)
}

// DeleteSource removes a source; its mentions stay, without a source id.
// Returns apperr.NotFound.
func (db *DB) DeleteSource(ctx context.Context, ws, id int64) error {
	res, err := db.writer().exec(ctx, `DELETE FROM sources WHERE workspace_id = $1 AND id = $2`, ws, id)
	return brandRowsOne(res, err, "delete", "source")
}

// RecordSourceSuccess records a successful poll: the new cursor and
// validators, items fetched added, failures reset, the next poll time.
// Returns apperr.NotFound.
func (db *DB) RecordSourceSuccess(ctx context.Context, ws, id int64, cursor, etag, lastModified string, items int, next time.Time) error {
	now := db.now()
	res, err := db.writer().exec(ctx, `UPDATE sources SET cursor = $1, etag = $2, last_modified = $3, items_fetched = items_fetched + $4,
		last_success_at = $5, failures = 0, next_poll_at = $6, updated_at = $5 WHERE workspace_id = $7 AND id = $8`,
		cursor, etag, lastModified, items, now, next.UTC(), ws, id)
	return brandRowsOne(res, err, "update", "source")
}

// RecordSourceFailure records a failed poll: the error (its text cut to
// 500 characters, its message key and arguments), one more failure, the
// next poll time (the caller's backoff). Returns apperr.NotFound.
func (db *DB) RecordSourceFailure(ctx context.Context, ws, id int64, problem listen.SourceProblem, next time.Time) error {
	now := db.now()
	text := problem.Text
	if r := []rune(text); len(r) > 500 {
		text = string(r[:500])
	}
	args := ""
	if len(problem.Args) > 0 {
		b, err := json.Marshal(problem.Args)
		if err != nil {
			return apperr.Wrap(err, "encode source error")
		}
		args = string(b)
	}
	res, err := db.writer().exec(ctx, `UPDATE sources SET last_error = $1, last_error_key = $2, last_error_args = $3, last_error_at = $4,
		failures = failures + 1, next_poll_at = $5, updated_at = $4 WHERE workspace_id = $6 AND id = $7`,
		text, problem.Key, args, now, next.UTC(), ws, id)
	return brandRowsOne(res, err, "update", "source")
}
