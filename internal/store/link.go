package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
)

var (
	_ link.Store      = (*DB)(nil)
	_ link.ClickStore = (*DB)(nil)
)

const linkColumns = `l.id, l.workspace_id, l.code, l.destination, l.label, l.campaign_id, l.channel, l.post_id,
	l.utm_source, l.utm_medium, l.utm_campaign, l.utm_content, l.expires_at, l.disabled_at, l.created_at, l.updated_at`

// Effective clicks come from the roll-ups from the hour a link's
// snippet was first seen (link_snippets.since, set by MarkClick and the
// click writer); before it, and for a link whose landing was never
// reported, its unique clicks count as effective (METRICS.md). snippetHour
// says that roll-up r is of such an hour.
const snippetHour = `r.hour >= s.since`

// linkCounts are a link's counts over its roll-ups r, with its snippet s
// (LEFT JOIN link_snippets s ON s.link_id = l.id). The last says that
// some of its effective clicks are unique clicks: it had unique clicks in
// hours before its snippet was seen, or never saw it (no since: the hour
// test is not true). A link without unique clicks has none such.
const linkCounts = `CAST(COALESCE(SUM(r.clicks), 0) AS BIGINT), CAST(COALESCE(SUM(r.human_clicks), 0) AS BIGINT),
	CAST(COALESCE(SUM(r.unique_clicks), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN ` + snippetHour + ` THEN r.effective_clicks ELSE r.unique_clicks END), 0) AS BIGINT),
	CAST(COALESCE(SUM(r.engaged_visits), 0) AS BIGINT),
	(COALESCE(SUM(CASE WHEN (` + snippetHour + `) IS NOT TRUE AND r.unique_clicks > 0 THEN 1 ELSE 0 END), 0) > 0)`

// linkCountsFrom joins what linkCounts reads.
const linkCountsFrom = `FROM links l LEFT JOIN link_snippets s ON s.link_id = l.id LEFT JOIN click_rollups r ON r.link_id = l.id`

type linkRow interface{ Scan(dest ...any) error }

// scanLink reads a link with its counts (linkCounts).
func scanLink(r linkRow) (link.Link, error) {
	var l link.Link
	c := &l.Counts
	err := scanLinkInto(r, &l, &c.Clicks, &c.HumanClicks, &c.UniqueClicks, &c.EffectiveClicks, &c.EngagedVisits, &c.EffectiveFallback)
	return l, err
}

// scanLinkInto reads linkColumns into l, then the columns after them
// into extra.
func scanLinkInto(r linkRow, l *link.Link, extra ...any) error {
	var campaign, post sql.NullInt64
	var expires, disabled sql.NullTime
	dest := append([]any{&l.ID, &l.WorkspaceID, &l.Code, &l.Destination, &l.Label, &campaign, &l.Channel, &post,
		&l.UTM.Source, &l.UTM.Medium, &l.UTM.Campaign, &l.UTM.Content, &expires, &disabled, &l.CreatedAt, &l.UpdatedAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return err
	}
	if campaign.Valid {
		l.CampaignID = &campaign.Int64
	}
	if post.Valid {
		l.PostID = &post.Int64
	}
	if expires.Valid {
		t := expires.Time.UTC()
		l.ExpiresAt = &t
	}
	if disabled.Valid {
		t := disabled.Time.UTC()
		l.DisabledAt = &t
	}
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	return nil
}

func linkNullInt(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

// CreateLink stores a new link. Returns apperr.Conflict if the code is
// taken.
func (db *DB) CreateLink(ctx context.Context, l link.Link) (link.Link, error) {
	now := db.now()
	l.CreatedAt, l.UpdatedAt = now, now
	err := db.writer().queryRow(ctx, `INSERT INTO links (workspace_id, code, destination, label, campaign_id, channel, post_id,
		utm_source, utm_medium, utm_campaign, utm_content, expires_at, disabled_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
		l.WorkspaceID, l.Code, l.Destination, l.Label, linkNullInt(l.CampaignID), l.Channel, linkNullInt(l.PostID),
		l.UTM.Source, l.UTM.Medium, l.UTM.Campaign, l.UTM.Content, timeOrNull(l.ExpiresAt), timeOrNull(l.DisabledAt), now).Scan(&l.ID)
	if isUnique(err) {
		return link.Link{}, apperr.New(apperr.Conflict, "error.link_code_taken", nil)
	}
	if err != nil {
		return link.Link{}, apperr.Wrap(err, "create link")
	}
	return l, nil
}

// Link returns a link of the workspace with its counts. Returns
// apperr.NotFound.
func (db *DB) Link(ctx context.Context, workspaceID, id int64) (link.Link, error) {
	l, err := scanLink(db.reader().queryRow(ctx, `SELECT `+linkColumns+`, `+linkCounts+` `+linkCountsFrom+`
		WHERE l.workspace_id = $1 AND l.id = $2 GROUP BY l.id`, workspaceID, id))
	if err != nil {
		return link.Link{}, notFound(err, "link")
	}
	return l, nil
}

// Links returns the workspace's links, newest first, with counts: at
// most f.Limit, and link.MaxList when it is 0 or more.
func (db *DB) Links(ctx context.Context, workspaceID int64, f link.Filter) ([]link.Link, error) {
	q := `SELECT ` + linkColumns + `, ` + linkCounts + ` ` + linkCountsFrom + ` WHERE l.workspace_id = $1`
	args := []any{workspaceID}
	if f.CampaignID != nil {
		args = append(args, *f.CampaignID)
		q += fmt.Sprintf(` AND l.campaign_id = $%d`, len(args))
	}
	if f.Channel != "" {
		args = append(args, f.Channel)
		q += fmt.Sprintf(` AND l.channel = $%d`, len(args))
	}
	limit := f.Limit
	if limit <= 0 || limit > link.MaxList {
		limit = link.MaxList
	}
	q += fmt.Sprintf(` GROUP BY l.id ORDER BY l.id DESC LIMIT %d`, limit)
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "list links")
	}
	defer rows.Close()
	out := []link.Link{}
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "list links")
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "list links")
	}
	return out, nil
}

// LinkTotals counts the workspace's links and sums the hourly roll-ups
// of all of them, in one query, effective clicks as linkCounts counts
// them. EffectiveFallback says that some hour's unique clicks count as
// effective.
func (db *DB) LinkTotals(ctx context.Context, workspaceID int64) (link.Totals, error) {
	var t link.Totals
	c := &t.Counts
	err := db.reader().queryRow(ctx, `SELECT (SELECT COUNT(*) FROM links WHERE workspace_id = $1),
		CAST(COALESCE(SUM(r.clicks), 0) AS BIGINT), CAST(COALESCE(SUM(r.human_clicks), 0) AS BIGINT),
		CAST(COALESCE(SUM(r.unique_clicks), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN `+snippetHour+` THEN r.effective_clicks ELSE r.unique_clicks END), 0) AS BIGINT),
		CAST(COALESCE(SUM(r.engaged_visits), 0) AS BIGINT),
		COALESCE(SUM(CASE WHEN (`+snippetHour+`) IS NOT TRUE AND r.unique_clicks > 0 THEN 1 ELSE 0 END), 0) > 0
		FROM click_rollups r LEFT JOIN link_snippets s ON s.link_id = r.link_id
		WHERE r.workspace_id = $1`, workspaceID).
		Scan(&t.Links, &c.Clicks, &c.HumanClicks, &c.UniqueClicks, &c.EffectiveClicks, &c.EngagedVisits, &c.EffectiveFallback)
	if err != nil {
		return link.Totals{}, apperr.Wrap(err, "sum link roll-ups")
	}
	return t, nil
}

// UpdateLink saves a link's destination, label, expiry and disabled time.
// Returns apperr.NotFound.
func (db *DB) UpdateLink(ctx context.Context, l link.Link) error {
	res, err := db.writer().exec(ctx, `UPDATE links SET destination = $1, label = $2, expires_at = $3, disabled_at = $4, updated_at = $5
		WHERE workspace_id = $6 AND id = $7`,
		l.Destination, l.Label, timeOrNull(l.ExpiresAt), timeOrNull(l.DisabledAt), db.now(), l.WorkspaceID, l.ID)
	return brandRowsOne(res, err, "update", "link")
}

// SetLinkCreated dates a link's creation (and last change) to at: the
// demo's links are made when it loads but carry weeks of clicks. Returns
// apperr.NotFound.
func (db *DB) SetLinkCreated(ctx context.Context, workspaceID, id int64, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	res, err := db.writer().exec(ctx, `UPDATE links SET created_at = $1, updated_at = $1 WHERE workspace_id = $2 AND id = $3`, at, workspaceID, id)
	return brandRowsOne(res, err, "update", "link")
}

// DeleteLink removes a link with its clicks and roll-ups. Returns
// apperr.NotFound.
func (db *DB) DeleteLink(ctx context.Context, workspaceID, id int64) error {
	res, err := db.writer().exec(ctx, `DELETE FROM links WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	return brandRowsOne(res, err, "delete", "link")
}

// LinkVersion returns the count of link changes and deletions made so
// far, by any node.
func (db *DB) LinkVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.reader().queryRow(ctx, `SELECT version FROM link_version WHERE id = 1`).Scan(&v)
	return v, apperr.Wrap(err, "read link version")
}

// linkByCodeSQL is how the redirect's cache loads a link: for each code
// not in memory, and for each cached one every TTL, so its readers keep it
// prepared.
const linkByCodeSQL = `SELECT ` + linkColumns + `, w.time_zone
	FROM links l JOIN workspaces w ON w.id = l.workspace_id WHERE l.code = $1`

// LinkByCode returns the link with a code and its workspace's time zone.
// Returns apperr.NotFound.
func (db *DB) LinkByCode(ctx context.Context, code string) (link.Link, string, error) {
	if err := db.prepare(ctx, &db.readStmts, []string{linkByCodeSQL}); err != nil {
		return link.Link{}, "", err
	}
	var l link.Link
	var tz string
	if err := scanLinkInto(db.reader().queryRow(ctx, linkByCodeSQL, code), &l, &tz); err != nil {
		return link.Link{}, "", notFound(err, "link")
	}
	return l, tz, nil
}

// EachLinkDestination calls fn with every link of the workspace, newest
// first, with its id, code, label and destination only, as the rows
// come: it holds one at a time. It stops at fn's first error.
func (db *DB) EachLinkDestination(ctx context.Context, workspaceID int64, fn func(link.LinkRef) error) error {
	rows, err := db.reader().query(ctx, `SELECT id, code, label, destination FROM links WHERE workspace_id = $1 ORDER BY id DESC`, workspaceID)
	if err != nil {
		return apperr.Wrap(err, "read link destinations")
	}
	defer rows.Close()
	for rows.Next() {
		var r link.LinkRef
		if err := rows.Scan(&r.ID, &r.Code, &r.Label, &r.Destination); err != nil {
			return apperr.Wrap(err, "read link destinations")
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return apperr.Wrap(rows.Err(), "read link destinations")
}

// AllowedDomains returns the workspace's destination-domain allowlist.
func (db *DB) AllowedDomains(ctx context.Context, workspaceID int64) ([]string, error) {
	var s string
	err := db.reader().queryRow(ctx, `SELECT allowed_domains FROM link_settings WHERE workspace_id = $1`, workspaceID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return []string{}, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "read allowed domains")
	}
	out := []string{}
	for _, d := range strings.Split(s, "\n") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out, nil
}

// SetAllowedDomains replaces the workspace's allowlist.
func (db *DB) SetAllowedDomains(ctx context.Context, workspaceID int64, domains []string) error {
	_, err := db.writer().exec(ctx, `INSERT INTO link_settings (workspace_id, allowed_domains, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (workspace_id) DO UPDATE SET allowed_domains = excluded.allowed_domains, updated_at = excluded.updated_at`,
		workspaceID, strings.Join(domains, "\n"), db.now())
	if err != nil {
		return apperr.Wrap(err, "save allowed domains")
	}
	return nil
}

// breakdownKeys are the keys of link.Dimensions as expressions over
// click_events; a region is its country and subdivision codes ("CN-SH").
var breakdownKeys = map[string]string{
	"class": "class", "device": "device", "os": "os", "browser": "browser", "referrer": "referrer",
	"region": "CASE WHEN region = '' THEN country ELSE country || '-' || region END",
}

// maxBuckets bounds each breakdown.
const maxBuckets = 50

// LinkStats returns the hourly roll-ups of a link in [from, to) and its
// breakdowns over the clicks of that range. Returns apperr.NotFound.
func (db *DB) LinkStats(ctx context.Context, workspaceID, id int64, from, to time.Time) (link.Stats, error) {
	c := db.reader()
	var since sql.NullTime
	if err := c.queryRow(ctx, `SELECT s.since FROM links l LEFT JOIN link_snippets s ON s.link_id = l.id
		WHERE l.workspace_id = $1 AND l.id = $2`, workspaceID, id).Scan(&since); err != nil {
		return link.Stats{}, notFound(err, "link")
	}
	from, to = from.UTC(), to.UTC()
	rows, err := c.query(ctx, `SELECT hour, clicks, human_clicks, unique_clicks, effective_clicks, engaged_visits
		FROM click_rollups WHERE link_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`, id, from, to)
	if err != nil {
		return link.Stats{}, apperr.Wrap(err, "read link roll-ups")
	}
	st := link.Stats{Hourly: []link.Point{}, Breakdowns: map[string][]link.Bucket{}}
	for rows.Next() {
		var p link.Point
		if err := rows.Scan(&p.At, &p.Clicks, &p.HumanClicks, &p.UniqueClicks, &p.EffectiveClicks, &p.EngagedVisits); err != nil {
			rows.Close()
			return link.Stats{}, apperr.Wrap(err, "read link roll-ups")
		}
		if !since.Valid || p.At.Before(since.Time) {
			// As linkCounts: only an hour with unique clicks counts
			// some of them as effective.
			p.EffectiveClicks, p.EffectiveFallback = p.UniqueClicks, p.UniqueClicks > 0
		}
		p.At = p.At.UTC()
		st.Hourly = append(st.Hourly, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return link.Stats{}, apperr.Wrap(err, "read link roll-ups")
	}
	days, err := db.breakdownDays(ctx, id, from, to)
	if err != nil {
		return link.Stats{}, err
	}
	for _, dim := range link.Dimensions {
		// The filled days of the range from click_breakdowns, the rest
		// (its first and last partial days, and days not ended an hour
		// ago) from the clicks.
		rows, err := c.query(ctx, fmt.Sprintf(`SELECT key, CAST(SUM(n) AS BIGINT), CAST(SUM(h) AS BIGINT) FROM (
			SELECT key, clicks AS n, human_clicks AS h FROM click_breakdowns WHERE link_id = $1 AND dim = $2 AND day >= $3 AND day < $4
			UNION ALL
			SELECT %s, 1, CASE WHEN class = 'human' THEN 1 ELSE 0 END FROM click_events
			WHERE link_id = $1 AND (at >= $5 AND at < $6 OR at >= $7 AND at < $8)
		) x GROUP BY key ORDER BY SUM(n) DESC, key LIMIT %d`, breakdownKeys[dim], maxBuckets),
			id, dim, days.first, days.end, from, days.from, days.to, to)
		if err != nil {
			return link.Stats{}, apperr.Wrap(err, "read link breakdown")
		}
		buckets := []link.Bucket{}
		for rows.Next() {
			var b link.Bucket
			if err := rows.Scan(&b.Key, &b.Clicks, &b.HumanClicks); err != nil {
				rows.Close()
				return link.Stats{}, apperr.Wrap(err, "read link breakdown")
			}
			buckets = append(buckets, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return link.Stats{}, apperr.Wrap(err, "read link breakdown")
		}
		st.Breakdowns[dim] = buckets
	}
	return st, nil
}

// breakdownSpan is how LinkStats splits a range: the whole UTC days
// [first, end) come from click_breakdowns, which hold the clicks of
// [from, to); the rest of the range from the clicks.
type breakdownSpan struct {
	first, end string
	from, to   time.Time
}

// breakdownSettle is how long after a UTC day has ended its clicks are
// taken as final: the click writer stores a click within its flush
// interval (a second) unless it is overloaded.
const breakdownSettle = time.Hour

// breakdownDays returns the whole UTC days of [from, to) that ended
// breakdownSettle ago, first filling click_breakdowns for those a report
// has not asked for before. Every node may fill a day; they write the
// same rows, and the keys keep one.
func (db *DB) breakdownDays(ctx context.Context, id int64, from, to time.Time) (breakdownSpan, error) {
	first := from.Truncate(24 * time.Hour)
	if first.Before(from) {
		first = first.Add(24 * time.Hour)
	}
	end := to
	if settled := db.now().UTC().Add(-breakdownSettle); settled.Before(end) {
		end = settled
	}
	end = end.Truncate(24 * time.Hour)
	if !first.Before(end) {
		// No whole day: everything from the clicks.
		return breakdownSpan{first: "", end: "", from: to, to: to}, nil
	}
	span := breakdownSpan{first: first.Format(time.DateOnly), end: end.Format(time.DateOnly), from: first, to: end}
	filled := map[string]bool{}
	rows, err := db.reader().query(ctx, `SELECT day FROM click_breakdown_days WHERE link_id = $1 AND day >= $2 AND day < $3`, id, span.first, span.end)
	if err != nil {
		return span, apperr.Wrap(err, "read breakdown days")
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return span, apperr.Wrap(err, "read breakdown days")
		}
		filled[d] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return span, apperr.Wrap(err, "read breakdown days")
	}
	for d := first; d.Before(end); d = d.Add(24 * time.Hour) {
		day := d.Format(time.DateOnly)
		if filled[day] {
			continue
		}
		err := db.InTx(ctx, func(tx *Tx) error {
			c := tx.conn()
			if db.dialect == Postgres {
				// As promoteClick: a click whose class changes after its
				// day ended is counted before or corrected after.
				if _, err := c.exec(ctx, `SELECT id FROM links WHERE id = $1 FOR NO KEY UPDATE`, id); err != nil {
					return err
				}
			}
			for _, dim := range link.Dimensions {
				if _, err := c.exec(ctx, fmt.Sprintf(`INSERT INTO click_breakdowns (link_id, day, dim, key, clicks, human_clicks)
					SELECT $1, $2, $3, %s, COUNT(*), CAST(SUM(CASE WHEN class = 'human' THEN 1 ELSE 0 END) AS BIGINT)
					FROM click_events WHERE link_id = $1 AND at >= $4 AND at < $5 GROUP BY %s
					ON CONFLICT DO NOTHING`, breakdownKeys[dim], breakdownKeys[dim]), id, day, dim, d, d.Add(24*time.Hour)); err != nil {
					return err
				}
			}
			_, err := c.exec(ctx, `INSERT INTO click_breakdown_days (link_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, day)
			return err
		})
		if err != nil {
			return span, apperr.Wrap(err, "fill link breakdown")
		}
	}
	return span, nil
}

// VisitorSalt returns the salt of a day, storing candidate when the day has
// none yet; every node that asks gets the same one.
func (db *DB) VisitorSalt(ctx context.Context, day, candidate string) (string, error) {
	if _, err := db.writer().exec(ctx, `INSERT INTO visitor_salts (day, salt, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (day) DO NOTHING`, day, candidate, db.now()); err != nil {
		return "", apperr.Wrap(err, "store visitor salt")
	}
	var salt string
	if err := db.writer().queryRow(ctx, `SELECT salt FROM visitor_salts WHERE day = $1`, day).Scan(&salt); err != nil {
		return "", apperr.Wrap(err, "read visitor salt")
	}
	return salt, nil
}

// ForgetBefore deletes the visitor salts and unique keys of days before
// day, and the early landing marks older than markBefore, as
// ForgetVisitors does; it is link.ClickStore's, which needs no counts.
func (db *DB) ForgetBefore(ctx context.Context, day string, markBefore time.Time) error {
	_, err := db.ForgetVisitors(ctx, day, markBefore)
	return err
}

// Forgotten says how many rows ForgetVisitors deleted, of each kind.
type Forgotten struct {
	Salts, UniqueKeys, Marks int64
}

// ForgetVisitors deletes the visitor salts and unique keys of days before
// day, and the early landing marks older than markBefore, and returns how
// many of each went, also when it fails part way; salts also go by age,
// in ForgetSalts. The periodic cleanup job calls it whether clicks come or
// not. Keys and marks go CleanupBatch rows a statement: a busy day leaves
// a key for every visitor of every link.
func (db *DB) ForgetVisitors(ctx context.Context, day string, markBefore time.Time) (Forgotten, error) {
	var f Forgotten
	res, err := db.writer().exec(ctx, `DELETE FROM visitor_salts WHERE day < $1`, day)
	if err != nil {
		return f, apperr.Wrap(err, "forget old salts")
	}
	if f.Salts, err = res.RowsAffected(); err != nil {
		return f, apperr.Wrap(err, "forget old salts")
	}
	if f.UniqueKeys, err = db.deleteAll(ctx, "click_uniques", "day, link_id, visitor", "day < $1", day); err != nil {
		return f, apperr.Wrap(err, "forget old unique keys")
	}
	if f.Marks, err = db.deleteAll(ctx, "click_marks", "click_id", "at < $1", markBefore.UTC()); err != nil {
		return f, apperr.Wrap(err, "forget old marks")
	}
	return f, nil
}

// ForgetSalts deletes the visitor salts created before createdBefore, of
// whatever day, and returns how many it deleted.
func (db *DB) ForgetSalts(ctx context.Context, createdBefore time.Time) (int64, error) {
	res, err := db.writer().exec(ctx, `DELETE FROM visitor_salts WHERE created_at < $1`, createdBefore.UTC().Truncate(time.Microsecond))
	if err != nil {
		return 0, apperr.Wrap(err, "forget old salts")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, apperr.Wrap(err, "forget old salts")
	}
	return n, nil
}

// batchConn is the little that the click batch needs of a transaction, on
// database/sql (SQLite) or on a pgx connection (PostgreSQL, for CopyFrom).
// Queries are written with $n; the SQLite side rebinds them.
type batchConn interface {
	// anonymous says to write parameters as "?": SQLite looks numbered
	// ones up by a linear scan per parameter, quadratic in a bulk insert.
	anonymous() bool
	// keyShare is the locking clause that keeps selected rows from being
	// deleted until the commit, where the database has one.
	keyShare() string
	exec(ctx context.Context, q string, args ...any) error
	query(ctx context.Context, q string, args []any, row func(scan func(dest ...any) error) error) error
}

type sqlBatch struct{ c conn }

func (b sqlBatch) anonymous() bool { return b.c.db.dialect == SQLite }

// keyShare is empty on SQLite, whose write transaction holds every other
// writer off.
func (b sqlBatch) keyShare() string {
	if b.c.db.dialect == SQLite {
		return ""
	}
	return " FOR KEY SHARE"
}

func (b sqlBatch) exec(ctx context.Context, q string, args ...any) error {
	_, err := b.c.exec(ctx, q, args...)
	return err
}

func (b sqlBatch) query(ctx context.Context, q string, args []any, row func(scan func(dest ...any) error) error) error {
	rows, err := b.c.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, row)
}

type pgxBatch struct{ tx pgx.Tx }

func (pgxBatch) anonymous() bool { return false }

func (pgxBatch) keyShare() string { return " FOR KEY SHARE" }

func (b pgxBatch) exec(ctx context.Context, q string, args ...any) error {
	_, err := b.tx.Exec(ctx, q, args...)
	return err
}

func (b pgxBatch) query(ctx context.Context, q string, args []any, row func(scan func(dest ...any) error) error) error {
	rows, err := b.tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, row)
}

// eachRow hands every row of database/sql's or pgx's result to row.
func eachRow(rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}, row func(scan func(dest ...any) error) error) error {
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// clickColumns are the columns the batch writes, in order.
var clickColumns = []string{"click_id", "workspace_id", "link_id", "at", "class", "visitor", "is_unique", "landed", "engaged",
	"device", "os", "browser", "referrer", "country", "region"}

func appendClickValues(args []any, c *link.Click) []any {
	return append(args, c.ClickID, c.WorkspaceID, c.LinkID, c.At, string(c.Class), c.Visitor, c.Unique, c.Landed, c.Engaged,
		c.Device, c.OS, c.Browser, c.Referrer, c.Country, c.Region)
}

// The bulk statements of a click batch. 512 rows of 16 columns stay below
// SQLite's 32,766 parameters. insertClicks is SQLite's: PostgreSQL copies
// clicks.
var (
	insertClicks = &bulk{into: `click_events (` + strings.Join(clickColumns, ", ") + `, visitor_key) VALUES `,
		cols: len(clickColumns) + 1, max: 512}
	claimClicks = &bulk{into: `click_uniques (link_id, visitor, day) VALUES `,
		tail: ` ON CONFLICT DO NOTHING RETURNING link_id, visitor, day`, cols: 3, max: 256}
	upsertRollup = &bulk{into: `click_rollups (link_id, hour, workspace_id, clicks, human_clicks, unique_clicks, effective_clicks, engaged_visits)
			VALUES `, tail: `
			ON CONFLICT (link_id, hour) DO UPDATE SET clicks = click_rollups.clicks + excluded.clicks,
				human_clicks = click_rollups.human_clicks + excluded.human_clicks,
				unique_clicks = click_rollups.unique_clicks + excluded.unique_clicks,
				effective_clicks = click_rollups.effective_clicks + excluded.effective_clicks,
				engaged_visits = click_rollups.engaged_visits + excluded.engaged_visits`, cols: 8, max: 128}
)

const anyMarks = `SELECT 1 FROM click_marks LIMIT 1`

// sqliteClickStatements are the statements a click batch prepares on
// SQLite.
var sqliteClickStatements = sync.OnceValue(func() []string {
	out := []string{anyMarks}
	for _, s := range []*bulk{insertClicks, claimClicks, upsertRollup} {
		out = append(out, s.all(true)...)
	}
	return out
})

// WriteClicks stores a batch of clicks in one transaction: it claims the
// unique keys of the candidates (setting Unique on the new ones), applies
// landing marks that arrived early, inserts the clicks (multi-row inserts
// on SQLite, CopyFrom on PostgreSQL) and adds them to the hourly roll-ups
// with upserts. Clicks of links deleted since they were answered are left
// out (a link's clicks go with it); it returns how many it stored.
func (db *DB) WriteClicks(ctx context.Context, clicks []link.Click) (int, error) {
	if len(clicks) == 0 {
		return 0, nil
	}
	if db.dialect == Postgres {
		return db.writeClicksPostgres(ctx, clicks)
	}
	if err := db.prepare(ctx, &db.writeStmts, sqliteClickStatements()); err != nil {
		return 0, apperr.Wrap(err, "write clicks")
	}
	var stored int
	err := db.InTx(ctx, func(tx *Tx) error {
		b := sqlBatch{tx.conn()}
		live, err := prepareClicks(ctx, b, clicks)
		if err != nil {
			return err
		}
		if err := insertClicksSQL(ctx, b, live); err != nil {
			return apperr.Wrap(err, "insert clicks")
		}
		stored = len(live)
		return upsertRollups(ctx, b, live)
	})
	return stored, err
}

func (db *DB) writeClicksPostgres(ctx context.Context, clicks []link.Click) (int, error) {
	sc, err := db.write.Conn(ctx)
	if err != nil {
		return 0, apperr.Wrap(err, "write clicks")
	}
	defer sc.Close()
	var stored int
	err = sc.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
		b := pgxBatch{tx}
		live, err := prepareClicks(ctx, b, clicks)
		if err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"click_events"}, clickColumns,
			pgx.CopyFromSlice(len(live), func(i int) ([]any, error) { return appendClickValues(nil, &live[i]), nil })); err != nil {
			return fmt.Errorf("copy clicks: %w", err)
		}
		if err := upsertRollups(ctx, b, live); err != nil {
			return err
		}
		stored = len(live)
		return tx.Commit(ctx)
	})
	return stored, apperr.Wrap(err, "write clicks")
}

// prepareClicks leaves out the clicks of deleted links, then claims
// unique keys (setting Unique on clicks) and applies early marks. It
// returns the clicks to store.
func prepareClicks(ctx context.Context, b batchConn, clicks []link.Click) ([]link.Click, error) {
	live, err := liveClicks(ctx, b, clicks)
	if err != nil {
		return nil, apperr.Wrap(err, "look up the links of clicks")
	}
	// Marks first: a prefetch whose landing came before it is a person's
	// click, and may be unique.
	if err := applyMarks(ctx, b, live); err != nil {
		return nil, apperr.Wrap(err, "apply landing marks")
	}
	if err := claimUniques(ctx, b, live); err != nil {
		return nil, apperr.Wrap(err, "claim unique clicks")
	}
	if len(live) < len(clicks) {
		unique := make(map[string]bool, len(live))
		for _, c := range live {
			unique[c.ClickID] = c.Unique
		}
		for i := range clicks {
			clicks[i].Unique = unique[clicks[i].ClickID]
		}
	}
	return live, nil
}

// liveClicks returns clicks without those of links that no longer exist:
// the redirect answered from its cache while the link was deleted. The
// links found stay locked against deletion until the commit.
func liveClicks(ctx context.Context, b batchConn, clicks []link.Click) ([]link.Click, error) {
	var ids []any
	seen := map[int64]bool{}
	for i := range clicks {
		if id := clicks[i].LinkID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	found := make(map[int64]bool, len(ids))
	for start := 0; start < len(ids); start += markChunk {
		part := ids[start:min(start+markChunk, len(ids))]
		err := b.query(ctx, `SELECT id FROM links WHERE id IN `+inList(len(part), b.anonymous())+b.keyShare(), part,
			func(scan func(...any) error) error {
				var id int64
				if err := scan(&id); err != nil {
					return err
				}
				found[id] = true
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	if len(found) == len(ids) {
		return clicks, nil
	}
	live := make([]link.Click, 0, len(clicks))
	for _, c := range clicks {
		if found[c.LinkID] {
			live = append(live, c)
		}
	}
	return live, nil
}

func claimUniques(ctx context.Context, b batchConn, clicks []link.Click) error {
	var idx []int
	for i := range clicks {
		clicks[i].Unique = false
		if clicks[i].UniqueDay != "" && clicks[i].Class == link.Human {
			idx = append(idx, i)
		}
	}
	type key struct {
		link         int64
		visitor, day string
	}
	args := make([]any, 0, claimClicks.cols*claimClicks.max)
	won := map[key]bool{}
	return claimClicks.chunks(len(idx), func(start, end int) error {
		part := idx[start:end]
		args = args[:0]
		for _, i := range part {
			args = append(args, clicks[i].LinkID, clicks[i].Visitor, clicks[i].UniqueDay)
		}
		clear(won)
		err := b.query(ctx, claimClicks.text(len(part), b.anonymous()), args, func(scan func(...any) error) error {
			var k key
			if err := scan(&k.link, &k.visitor, &k.day); err != nil {
				return err
			}
			won[k] = true
			return nil
		})
		if err != nil {
			return err
		}
		for _, i := range part {
			c := &clicks[i]
			// One click a key: a prefetch made a person's by its early
			// landing is a candidate the writer did not weigh against the
			// batch's other clicks.
			k := key{c.LinkID, c.Visitor, c.UniqueDay}
			c.Unique = won[k]
			delete(won, k)
		}
		return nil
	})
}

const markChunk = 500

// applyMarks sets Landed and Engaged on clicks whose landing arrived
// before them, and deletes those marks. The table is almost always empty,
// so the common cost is one cheap query.
func applyMarks(ctx context.Context, b batchConn, clicks []link.Click) error {
	some := false
	if err := b.query(ctx, anyMarks, nil, func(scan func(...any) error) error {
		some = true
		return nil
	}); err != nil || !some {
		return err
	}
	byID := make(map[string]*link.Click, len(clicks))
	for i := range clicks {
		byID[clicks[i].ClickID] = &clicks[i]
	}
	for start := 0; start < len(clicks); start += markChunk {
		part := clicks[start:min(start+markChunk, len(clicks))]
		args := make([]any, len(part))
		for i := range part {
			args[i] = part[i].ClickID
		}
		in := inList(len(part), b.anonymous())
		var found []any
		var seen []*link.Click
		err := b.query(ctx, `SELECT click_id, landed, engaged FROM click_marks WHERE click_id IN `+in, args,
			func(scan func(...any) error) error {
				var id string
				var landed, engaged bool
				if err := scan(&id, &landed, &engaged); err != nil {
					return err
				}
				if c := byID[id]; c != nil {
					c.Landed = c.Landed || landed || engaged
					c.Engaged = c.Engaged || engaged
					if c.Landed && c.Class.Landed() == link.Human && c.Class != link.Human {
						c.Class, c.UniqueDay = link.Human, c.Day
					}
					found = append(found, id)
					if c.Landed && c.Class == link.Human {
						seen = append(seen, c)
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
		if len(found) > 0 {
			if err := b.exec(ctx, `DELETE FROM click_marks WHERE click_id IN `+inList(len(found), b.anonymous()), found...); err != nil {
				return err
			}
		}
		for _, id := range found {
			if err := attributeEarlyVisits(ctx, b, byID[id.(string)]); err != nil {
				return err
			}
		}
		for _, c := range seen {
			if err := snippetSeen(ctx, b, c.LinkID, c.At); err != nil {
				return err
			}
		}
	}
	return nil
}

// attributeEarlyVisits ties the visits reported before click c was
// written, and so stored without a click, to c: its link, campaign and
// channel. They are found by the event ids the service gives visits
// reported without one.
func attributeEarlyVisits(ctx context.Context, b batchConn, c *link.Click) error {
	return b.exec(ctx, `UPDATE conversions SET click_id = $1, link_id = $2,
		campaign_id = (SELECT campaign_id FROM links WHERE id = $2), channel = (SELECT channel FROM links WHERE id = $2)
		WHERE workspace_id = $3 AND event_id IN ($4, $5) AND click_id IS NULL`,
		c.ClickID, c.LinkID, c.WorkspaceID, conversion.VisitEventID(conversion.Landing, c.ClickID), conversion.VisitEventID(conversion.Engaged, c.ClickID))
}

func inList(n int, anon bool) string {
	return placeholders(1, n, anon)
}

func insertClicksSQL(ctx context.Context, b batchConn, clicks []link.Click) error {
	args := make([]any, 0, insertClicks.cols*insertClicks.max)
	return insertClicks.chunks(len(clicks), func(start, end int) error {
		args = args[:0]
		for i := start; i < end; i++ {
			args = append(appendClickValues(args, &clicks[i]), visitorKey(&clicks[i]))
		}
		return b.exec(ctx, insertClicks.text(end-start, b.anonymous()), args...)
	})
}

// visitorKey is what SQLite indexes to find a visitor's clicks (migration
// 0011): 8 characters, two for the day whose salt made the visitor hash
// and the hash's first six (36 bits; the query compares whole hashes). A
// hash is random, but a visitor is one day's, so the day first keeps a
// batch's index entries on today's pages, which stay in the page cache,
// instead of every page of an index that grows with every day of clicks.
// Clicks without a day (stored before) keep the hash's first 8.
func visitorKey(c *link.Click) string {
	d := c.Day
	if len(d) != len(time.DateOnly) || len(c.Visitor) < 6 {
		return c.Visitor[:min(len(c.Visitor), 8)]
	}
	digits := func(s string) int {
		n := 0
		for _, r := range s {
			n = n*10 + int(r-'0')
		}
		return n
	}
	// A distinct number per date (not a day count), wrapping after about
	// eleven years, when the old day's entries are long gone or cold.
	day := (digits(d[:4])*372 + digits(d[5:7])*31 + digits(d[8:10])) % 4096
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
	return string([]byte{alphabet[day>>6], alphabet[day&63]}) + c.Visitor[:6]
}

type rollupKey struct {
	link int64
	hour time.Time
}

func upsertRollups(ctx context.Context, b batchConn, clicks []link.Click) error {
	sums := map[rollupKey]*link.Counts{}
	ws := map[int64]int64{}
	var keys []rollupKey
	for i := range clicks {
		c := &clicks[i]
		k := rollupKey{c.LinkID, c.At.UTC().Truncate(time.Hour)}
		s := sums[k]
		if s == nil {
			s = &link.Counts{}
			sums[k] = s
			keys = append(keys, k)
			ws[c.LinkID] = c.WorkspaceID
		}
		s.Clicks++
		if c.Class == link.Human {
			s.HumanClicks++
			if c.Unique {
				s.UniqueClicks++
				if c.Landed {
					s.EffectiveClicks++
				}
				if c.Engaged {
					s.EngagedVisits++
				}
			}
		}
	}
	args := make([]any, 0, upsertRollup.cols*upsertRollup.max)
	err := upsertRollup.chunks(len(keys), func(start, end int) error {
		args = args[:0]
		for _, k := range keys[start:end] {
			s := sums[k]
			args = append(args, k.link, k.hour, ws[k.link], s.Clicks, s.HumanClicks, s.UniqueClicks, s.EffectiveClicks, s.EngagedVisits)
		}
		return b.exec(ctx, upsertRollup.text(end-start, b.anonymous()), args...)
	})
	return apperr.Wrap(err, "update click roll-ups")
}

const clickRefQuery = `SELECT e.click_id, e.workspace_id, e.link_id, l.campaign_id, l.channel, l.post_id, e.at, e.visitor, e.class,
	e.is_unique, e.landed, e.engaged
	FROM click_events e JOIN links l ON l.id = e.link_id WHERE e.click_id = $1`

func scanClickRef(r linkRow) (link.ClickRef, error) {
	var c link.ClickRef
	var campaign, post sql.NullInt64
	if err := r.Scan(&c.ClickID, &c.WorkspaceID, &c.LinkID, &campaign, &c.Channel, &post, &c.At, &c.Visitor, &c.Class,
		&c.Unique, &c.Landed, &c.Engaged); err != nil {
		return link.ClickRef{}, err
	}
	if campaign.Valid {
		c.CampaignID = &campaign.Int64
	}
	if post.Valid {
		c.PostID = &post.Int64
	}
	c.At = c.At.UTC()
	return c, nil
}

// Click returns a stored click by its id (the cid). Returns
// apperr.NotFound, also for a click still in the writer's queue.
func (db *DB) Click(ctx context.Context, clickID string) (link.ClickRef, error) {
	if !link.ValidClickID(clickID) {
		return link.ClickRef{}, apperr.NotFoundf("click")
	}
	if err := db.prepare(ctx, &db.readStmts, []string{clickRefQuery}); err != nil {
		return link.ClickRef{}, err
	}
	c, err := scanClickRef(db.reader().queryRow(ctx, clickRefQuery, clickID))
	if err != nil {
		return link.ClickRef{}, notFound(err, "click")
	}
	return c, nil
}

// The statements of MarkClick (with clickRefQuery), prepared once on
// SQLite.
const (
	keepMarkSQL = `INSERT INTO click_marks (click_id, landed, engaged, at) VALUES ($1, $2, $3, $4)
	ON CONFLICT (click_id) DO UPDATE SET landed = (click_marks.landed OR excluded.landed),
		engaged = (click_marks.engaged OR excluded.engaged)`
	markLandedSQL  = `UPDATE click_events SET landed = TRUE WHERE click_id = $1 AND landed = FALSE`
	markEngagedSQL = `UPDATE click_events SET engaged = TRUE WHERE click_id = $1 AND engaged = FALSE`
	addMarksSQL    = `UPDATE click_rollups SET effective_clicks = effective_clicks + $1, engaged_visits = engaged_visits + $2
	WHERE link_id = $3 AND hour = $4`
	snippetSeenSQL = `INSERT INTO link_snippets (link_id, since) VALUES ($1, $2)
	ON CONFLICT (link_id) DO UPDATE SET since = excluded.since WHERE excluded.since < link_snippets.since`
)

// markClick sets a click's landed and engaged marks, and says which of
// them it set (1) rather than found set (0).
func markClick(ctx context.Context, c conn, clickID string, landed, engaged bool) (addLanded, addEngaged int64, err error) {
	if landed {
		res, err := c.exec(ctx, markLandedSQL, clickID)
		if err != nil {
			return 0, 0, apperr.Wrap(err, "mark click landed")
		}
		addLanded, _ = res.RowsAffected()
	}
	if engaged {
		res, err := c.exec(ctx, markEngagedSQL, clickID)
		if err != nil {
			return 0, 0, apperr.Wrap(err, "mark click engaged")
		}
		addEngaged, _ = res.RowsAffected()
	}
	return addLanded, addEngaged, nil
}

// uniqueSibling finds the unique click that a visitor's later human click
// of the day on the same link counted under: the latest such before it,
// within a day (a visitor hash is one salt day's).
func (db *DB) uniqueSibling(ctx context.Context, c conn, ref link.ClickRef) (link.ClickRef, bool, error) {
	sameVisitor := `t.visitor = own.visitor`
	if db.dialect == SQLite {
		sameVisitor = `t.visitor_key = own.visitor_key AND ` + sameVisitor
	}
	var sib link.ClickRef
	err := c.queryRow(ctx, `SELECT t.click_id, t.link_id, t.at FROM click_events own
		JOIN click_events t ON `+sameVisitor+` AND t.class = 'human' AND t.link_id = own.link_id AND t.is_unique
			AND t.click_id <> own.click_id AND t.at <= own.at AND t.at > $2
		WHERE own.click_id = $1 ORDER BY t.at DESC LIMIT 1`, ref.ClickID, ref.At.Add(-24*time.Hour)).Scan(&sib.ClickID, &sib.LinkID, &sib.At)
	if errors.Is(err, sql.ErrNoRows) {
		return sib, false, nil
	}
	if err != nil {
		return sib, false, apperr.Wrap(err, "find the visitor's unique click")
	}
	return sib, true, nil
}

// snippetBounces is how many unique clicks a link may have had before
// the first person's landing was reported and still count as carrying
// the snippet from its first click: at a usual landing rate, a few
// visitors leaving before the page loaded; a page without the snippet
// shows many more. Either way the unique clicks in question are at most
// this many.
const snippetBounces = 10

// snippetSeen records that a person's click at `at` on the link landed:
// the link's snippet counts from that hour, or from the hour of its first
// unique click when at most snippetBounces came before. The earliest such
// hour is kept.
func snippetSeen(ctx context.Context, b batchConn, linkID int64, at time.Time) error {
	hour := at.UTC().Truncate(time.Hour)
	var since, first sql.NullTime
	var before int64
	scanInto := func(dst any) func(scan func(...any) error) error {
		return func(scan func(...any) error) error { return scan(dst) }
	}
	if err := b.query(ctx, `SELECT since FROM link_snippets WHERE link_id = $1`, []any{linkID}, scanInto(&since)); err != nil {
		return err
	}
	if since.Valid && !since.Time.After(hour) {
		return nil
	}
	if err := b.query(ctx, `SELECT CAST(COALESCE(SUM(unique_clicks), 0) AS BIGINT) FROM click_rollups WHERE link_id = $1 AND hour < $2`,
		[]any{linkID, hour}, scanInto(&before)); err != nil {
		return err
	}
	if before <= snippetBounces {
		if err := b.query(ctx, `SELECT hour FROM click_rollups WHERE link_id = $1 AND unique_clicks > 0 ORDER BY hour LIMIT 1`,
			[]any{linkID}, scanInto(&first)); err != nil {
			return err
		}
		if first.Valid && first.Time.Before(hour) {
			hour = first.Time.UTC()
		}
	}
	return b.exec(ctx, snippetSeenSQL, linkID, hour)
}

// promoteClick makes a click whose landing was reported a person's
// (link.Class.Landed: a prefetch whose response their visit used) and
// counts it so: unique when its visitor has no unique click on the link
// that day, in its roll-up, and in the breakdowns of its day when they
// are filled (a server may report a landing days later). It says whether
// the click is unique.
func (db *DB) promoteClick(ctx context.Context, c conn, ref link.ClickRef) (bool, error) {
	if db.dialect == Postgres {
		// breakdownDays takes the same lock to fill a day, so that the
		// filling either counts this click as it now is or comes first
		// and is corrected below.
		if _, err := c.exec(ctx, `SELECT id FROM links WHERE id = $1 FOR NO KEY UPDATE`, ref.LinkID); err != nil {
			return false, err
		}
	}
	var tz string
	if err := c.queryRow(ctx, `SELECT time_zone FROM workspaces WHERE id = $1`, ref.WorkspaceID).Scan(&tz); err != nil {
		return false, err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	// The claim keeps the visitor's later clicks of the day from counting
	// as unique too; a day's claims are forgotten two days on, so the
	// clicks say whether one counted already. A visitor hash is one
	// day's: the same hash is the same day.
	res, err := c.exec(ctx, `INSERT INTO click_uniques (link_id, visitor, day) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		ref.LinkID, ref.Visitor, link.Day(loc, ref.At))
	if err != nil {
		return false, err
	}
	claimed, _ := res.RowsAffected()
	sameVisitor := `t.visitor = own.visitor`
	if db.dialect == SQLite {
		sameVisitor = `t.visitor_key = own.visitor_key AND ` + sameVisitor
	}
	var others int64
	if err := c.queryRow(ctx, `SELECT COUNT(*) FROM click_events own
		JOIN click_events t ON `+sameVisitor+` AND t.class = 'human' AND t.link_id = own.link_id AND t.is_unique AND t.click_id <> own.click_id
		WHERE own.click_id = $1`, ref.ClickID).Scan(&others); err != nil {
		return false, err
	}
	unique := claimed > 0 && others == 0
	if _, err := c.exec(ctx, `UPDATE click_events SET class = 'human', is_unique = $1 WHERE click_id = $2`, unique, ref.ClickID); err != nil {
		return false, err
	}
	uniques := 0
	if unique {
		uniques = 1
	}
	if _, err := c.exec(ctx, `UPDATE click_rollups SET human_clicks = human_clicks + 1, unique_clicks = unique_clicks + $1
		WHERE link_id = $2 AND hour = $3`, uniques, ref.LinkID, ref.At.UTC().Truncate(time.Hour)); err != nil {
		return false, err
	}
	day := ref.At.UTC().Format(time.DateOnly)
	var filled int64
	if err := c.queryRow(ctx, `SELECT COUNT(*) FROM click_breakdown_days WHERE link_id = $1 AND day = $2`, ref.LinkID, day).Scan(&filled); err != nil || filled == 0 {
		return unique, err
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE click_breakdowns SET clicks = clicks - 1 WHERE link_id = $1 AND day = $2 AND dim = 'class' AND key = $3`, []any{ref.LinkID, day, ref.Class}},
		{`DELETE FROM click_breakdowns WHERE link_id = $1 AND day = $2 AND dim = 'class' AND key = $3 AND clicks = 0`, []any{ref.LinkID, day, ref.Class}},
		{`INSERT INTO click_breakdowns (link_id, day, dim, key, clicks, human_clicks) VALUES ($1, $2, 'class', 'human', 1, 1)
			ON CONFLICT (link_id, day, dim, key) DO UPDATE SET clicks = click_breakdowns.clicks + 1,
				human_clicks = click_breakdowns.human_clicks + 1`, []any{ref.LinkID, day}},
	} {
		if _, err := c.exec(ctx, q.sql, q.args...); err != nil {
			return false, err
		}
	}
	for _, dim := range link.Dimensions {
		if dim == "class" {
			continue
		}
		if _, err := c.exec(ctx, fmt.Sprintf(`UPDATE click_breakdowns SET human_clicks = human_clicks + 1
			WHERE link_id = $1 AND day = $2 AND dim = $3 AND key = (SELECT %s FROM click_events WHERE click_id = $4)`, breakdownKeys[dim]),
			ref.LinkID, day, dim, ref.ClickID); err != nil {
			return false, err
		}
	}
	return unique, nil
}

// markStatements are the statements of MarkClick and MarkClicks (with
// clickRefQuery), prepared once on SQLite.
var markStatements = []string{clickRefQuery, keepMarkSQL, markLandedSQL, markEngagedSQL, addMarksSQL, snippetSeenSQL}

// MarkClick records that a click's visitor reached the landing page
// (landed) or stayed on it (engaged, which implies landed): it sets
// click_events.landed / engaged and, for a unique human click, adds one to
// the effective_clicks / engaged_visits of its link and hour — each once,
// however often it is called. It returns the click as it now stands.
//
// A click still in the writer's queue (the writer flushes every second)
// is not found: its mark is kept and applied when the click is written,
// and MarkClick returns apperr.NotFound. Marks for clicks that never come
// are deleted after an hour.
func (db *DB) MarkClick(ctx context.Context, clickID string, landed, engaged bool) (link.ClickRef, error) {
	if !link.ValidClickID(clickID) {
		return link.ClickRef{}, apperr.NotFoundf("click")
	}
	if err := db.prepare(ctx, &db.writeStmts, markStatements); err != nil {
		return link.ClickRef{}, err
	}
	var out link.ClickRef
	var pending bool
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		out, pending, err = db.markClickTx(ctx, tx.conn(), clickID, landed, engaged)
		return err
	})
	if err != nil {
		return link.ClickRef{}, err
	}
	if pending {
		return link.ClickRef{}, apperr.NotFoundf("click")
	}
	return out, nil
}

// MarkClicks records that the visitors of clickIDs landed, and those of
// the ids engaged says so stayed, as MarkClick does one by one: a click
// not written yet keeps its mark, a malformed id is passed over. On
// SQLite, whose one writer takes transactions in turn, the marks share one
// transaction and so one commit. On PostgreSQL each click is its own: a
// transaction holding the row locks of many clicks, their links and
// roll-ups deadlocks with another batch's or the click writer's, which
// take them in another order.
func (db *DB) MarkClicks(ctx context.Context, clickIDs []string, engaged map[string]bool) error {
	if db.dialect == Postgres {
		for _, id := range clickIDs {
			if _, err := db.MarkClick(ctx, id, true, engaged[id]); err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		return nil
	}
	if err := db.prepare(ctx, &db.writeStmts, markStatements); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		for _, id := range clickIDs {
			if !link.ValidClickID(id) {
				continue
			}
			if _, _, err := db.markClickTx(ctx, tx.conn(), id, true, engaged[id]); err != nil {
				return err
			}
		}
		return nil
	})
}

// markClickTx marks one click in MarkClick's or MarkClicks' transaction.
// It says whether the click was not written yet; then its landing mark is
// kept (a mark of no landing is apperr.NotFound).
func (db *DB) markClickTx(ctx context.Context, c conn, clickID string, landed, engaged bool) (link.ClickRef, bool, error) {
	var out link.ClickRef
	landed = landed || engaged
	refQuery := clickRefQuery
	if db.dialect == Postgres {
		// Two reports of the click at once (its landing and its engaged
		// visit) mark it one after the other, the second reading the
		// click as the first left it: a prefetch the first made a
		// person's. SQLite's one writer runs them so already.
		refQuery += ` FOR UPDATE OF e`
	}
	ref, err := scanClickRef(c.queryRow(ctx, refQuery, clickID))
	if errors.Is(err, sql.ErrNoRows) {
		if !landed {
			return out, false, apperr.NotFoundf("click")
		}
		_, err := c.exec(ctx, keepMarkSQL, clickID, landed, engaged, db.now())
		return out, true, apperr.Wrap(err, "keep landing mark")
	}
	if err != nil {
		return out, false, apperr.Wrap(err, "read click")
	}
	addLanded, addEngaged, err := markClick(ctx, c, clickID, landed, engaged)
	if err != nil {
		return out, false, err
	}
	if class := link.Class(ref.Class); addLanded > 0 && class.Landed() == link.Human && class != link.Human {
		if ref.Unique, err = db.promoteClick(ctx, c, ref); err != nil {
			return out, false, apperr.Wrap(err, "count the landed click as a person's")
		}
		ref.Class = string(link.Human)
	}
	ref.Landed = ref.Landed || landed
	ref.Engaged = ref.Engaged || engaged
	if addLanded > 0 && ref.Class == string(link.Human) {
		if err := snippetSeen(ctx, sqlBatch{c}, ref.LinkID, ref.At); err != nil {
			return out, false, apperr.Wrap(err, "record the link's snippet")
		}
	}
	if ref.Class == string(link.Human) && addLanded+addEngaged > 0 {
		unique := ref
		if !ref.Unique {
			// A visitor's later click of the day landed (the first
			// page load was left, a double tap): their unique click
			// is the one effective clicks count.
			var found bool
			unique, found, err = db.uniqueSibling(ctx, c, ref)
			if err != nil || !found {
				return ref, false, err
			}
			if addLanded, addEngaged, err = markClick(ctx, c, unique.ClickID, landed, engaged); err != nil {
				return out, false, err
			}
		}
		if addLanded+addEngaged > 0 {
			if _, err := c.exec(ctx, addMarksSQL, addLanded, addEngaged, unique.LinkID, unique.At.Truncate(time.Hour)); err != nil {
				return out, false, apperr.Wrap(err, "update click roll-ups")
			}
		}
	}
	return ref, false, nil
}
