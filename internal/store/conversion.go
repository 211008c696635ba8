package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/conversion"
)

var _ conversion.Store = (*DB)(nil)

// The reads of every collect call, prepared once on SQLite.
const (
	siteByKeySQL = `SELECT k.workspace_id, k.public_key, w.currency, k.server_purchases_only
	FROM workspace_keys k JOIN workspaces w ON w.id = k.workspace_id
	WHERE k.public_key = $1`
	customerSQL = `SELECT first_click_id, first_at, last_click_id, last_at FROM customers
	WHERE workspace_id = $1 AND customer_id = $2`
)

// SiteByKey returns the workspace whose public key is key. Returns
// apperr.NotFound when there is none.
func (db *DB) SiteByKey(ctx context.Context, key string) (conversion.Site, error) {
	if err := db.prepare(ctx, &db.readStmts, []string{siteByKeySQL}); err != nil {
		return conversion.Site{}, err
	}
	var s conversion.Site
	err := db.reader().queryRow(ctx, siteByKeySQL, key).Scan(&s.WorkspaceID, &s.Key, &s.Currency, &s.ServerPurchasesOnly)
	if err != nil {
		return conversion.Site{}, notFound(err, "public_key")
	}
	return s, nil
}

// EnsurePublicKey stores key as the workspace's public key unless it has
// one, and returns the key in force; two callers racing get the same key.
// Once the workspace has a key it only reads: the conversions page asks
// on every view, and a write would wait for the writer behind the click
// batches (on SQLite, the only one).
func (db *DB) EnsurePublicKey(ctx context.Context, workspaceID int64, key string) (string, error) {
	var out string
	err := db.reader().queryRow(ctx, `SELECT public_key FROM workspace_keys WHERE workspace_id = $1`, workspaceID).Scan(&out)
	if !errors.Is(err, sql.ErrNoRows) {
		return out, apperr.Wrap(err, "read public key")
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if _, err := c.exec(ctx, `INSERT INTO workspace_keys (workspace_id, public_key, created_at)
			VALUES ($1, $2, $3) ON CONFLICT (workspace_id) DO NOTHING`, workspaceID, key, db.now()); err != nil {
			return apperr.Wrap(err, "create public key")
		}
		return notFound(c.queryRow(ctx, `SELECT public_key FROM workspace_keys WHERE workspace_id = $1`, workspaceID).Scan(&out), "workspace")
	})
	return out, err
}

// SetServerPurchasesOnly sets whether the workspace counts only the
// purchases its shop's server reports; apperr.NotFound when the
// workspace has no public key yet.
func (db *DB) SetServerPurchasesOnly(ctx context.Context, workspaceID int64, on bool) error {
	res, err := db.writer().exec(ctx, `UPDATE workspace_keys SET server_purchases_only = $1 WHERE workspace_id = $2`, on, workspaceID)
	if err != nil {
		return apperr.Wrap(err, "set where purchases come from")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound(sql.ErrNoRows, "workspace")
	}
	return nil
}

// SetPublicKey replaces the workspace's public key (or sets its first).
func (db *DB) SetPublicKey(ctx context.Context, workspaceID int64, key string) error {
	_, err := db.writer().exec(ctx, `INSERT INTO workspace_keys (workspace_id, public_key, created_at)
		VALUES ($1, $2, $3)
		ON CONFLICT (workspace_id) DO UPDATE SET public_key = excluded.public_key, created_at = excluded.created_at`,
		workspaceID, key, db.now())
	if err != nil {
		return apperr.Wrap(err, "rotate public key")
	}
	return nil
}

const conversionColumns = `id, event, event_id, order_id, click_id, link_id, campaign_id, channel, customer_id, browser_id, value, currency, source, props, at`

func scanConversion(row interface{ Scan(...any) error }, ws int64) (conversion.Conversion, error) {
	c := conversion.Conversion{WorkspaceID: ws}
	var eventID, orderID, clickID, customerID, browserID sql.NullString
	var linkID, campaignID sql.NullInt64
	var props string
	err := row.Scan(&c.ID, &c.Event, &eventID, &orderID, &clickID, &linkID, &campaignID, &c.Channel, &customerID, &browserID,
		&c.Value, &c.Currency, &c.Source, &props, &c.At)
	if err != nil {
		return c, err
	}
	c.EventID, c.OrderID, c.ClickID, c.CustomerID = eventID.String, orderID.String, clickID.String, customerID.String
	c.BrowserID = browserID.String
	c.LinkID, c.CampaignID = nullInt(linkID), nullInt(campaignID)
	c.At = c.At.UTC()
	if props != "" && props != "{}" {
		_ = json.Unmarshal([]byte(props), &c.Props)
	}
	return c, nil
}

func nullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// The statements of AddConversion, prepared once on SQLite.
const (
	addConversionSQL = `INSERT INTO conversions (workspace_id, event, event_id, order_id, click_id, link_id, campaign_id, channel, customer_id, browser_id,
		value, currency, source, props, at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
	ON CONFLICT DO NOTHING RETURNING id`
	sameConversionSQL = `SELECT ` + conversionColumns + ` FROM conversions
	WHERE workspace_id = $1 AND (event_id = $2 OR (event = $3 AND order_id = $4))
	ORDER BY id LIMIT 1`
	// touchCustomerSQL binds a customer, or moves them: $6 is 1 for a
	// public-key claim, which moves only a customer its browser bound.
	touchCustomerSQL = `INSERT INTO customers (workspace_id, customer_id, first_click_id, first_at, last_click_id, last_at, browser_id)
	VALUES ($1, $2, $3, $4, $3, $4, $5)
	ON CONFLICT (workspace_id, customer_id) DO UPDATE SET
		first_click_id = CASE WHEN excluded.first_at < customers.first_at THEN excluded.first_click_id ELSE customers.first_click_id END,
		first_at = CASE WHEN excluded.first_at < customers.first_at THEN excluded.first_at ELSE customers.first_at END,
		last_click_id = CASE WHEN excluded.last_at > customers.last_at THEN excluded.last_click_id ELSE customers.last_click_id END,
		last_at = CASE WHEN excluded.last_at > customers.last_at THEN excluded.last_at ELSE customers.last_at END
	WHERE $6 = 0 OR customers.browser_id = excluded.browser_id`
	// serverCustomerSQL finds whether the server named a customer who has
	// no click bound before $3: then a claim may not bind them.
	serverCustomerSQL = `SELECT COUNT(*) FROM conversions n
	WHERE n.workspace_id = $1 AND n.customer_id = $2 AND n.source <> 'snippet' AND n.at < $3
		AND NOT EXISTS (SELECT 1 FROM customers cu WHERE cu.workspace_id = $1 AND cu.customer_id = $2)`
)

// AddConversion stores c unless the workspace already has an event with
// its event id, or the same event with its order id; then it returns that
// one and true, and changes nothing. Concurrent calls store one row: the
// unique indexes decide. With customer set, a new row also moves the
// customer's first and last click, in the same transaction.
func (db *DB) AddConversion(ctx context.Context, c conversion.Conversion, customer *conversion.ClickAt) (conversion.Conversion, bool, error) {
	out, err := db.AddConversions(ctx, []conversion.Addition{{Conversion: c, Customer: customer}})
	if err != nil {
		return c, false, err
	}
	return out[0].Conversion, out[0].Duplicate, nil
}

// AddConversions stores each addition as AddConversion does, in order, in
// one transaction. A commit per event writes the pages of the conversions
// table and its seven indexes again each time: on SQLite, over a gigabyte
// of WAL for the demo's 31,000 events, in a database of 27 MB.
func (db *DB) AddConversions(ctx context.Context, as []conversion.Addition) ([]conversion.Added, error) {
	qs := []string{addConversionSQL, sameConversionSQL}
	if slices.ContainsFunc(as, func(a conversion.Addition) bool { return a.Customer != nil && a.Conversion.CustomerID != "" }) {
		// Only then: a database an older Chorus left (the upgrade tests')
		// has events to add, and customers of another shape.
		qs = append(qs, touchCustomerSQL, serverCustomerSQL)
	}
	if err := db.prepare(ctx, &db.writeStmts, qs); err != nil {
		return nil, err
	}
	props := make([]string, len(as))
	for i, a := range as {
		var err error
		if props[i], err = conversionProps(a.Conversion); err != nil {
			return nil, err
		}
	}
	out := make([]conversion.Added, len(as))
	err := db.InTx(ctx, func(tx *Tx) error {
		for i, a := range as {
			c := a.Conversion
			c.At = c.At.UTC().Truncate(time.Microsecond)
			stored, dup, err := insertConversion(ctx, tx.conn(), c, props[i], a.Customer)
			if err != nil {
				return err
			}
			out[i] = conversion.Added{Conversion: stored, Duplicate: dup}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReplaceConversion stores c in place of the workspace's events that
// share its event id, or its event and order id, when every one of them
// came from the source replaceable: it deletes them and stores c (a new
// id), moving the customer as AddConversion does, in one transaction, and
// returns c and true. When one of them came from another source, or
// another caller's event took the place first, it changes nothing and
// returns that event and false.
func (db *DB) ReplaceConversion(ctx context.Context, c conversion.Conversion, customer *conversion.ClickAt, replaceable string) (conversion.Conversion, bool, error) {
	c.At = c.At.UTC().Truncate(time.Microsecond)
	props, err := conversionProps(c)
	if err != nil {
		return c, false, err
	}
	var out conversion.Conversion
	replaced := false
	err = db.InTx(ctx, func(tx *Tx) error {
		cn := tx.conn()
		rows, err := cn.query(ctx, `SELECT `+conversionColumns+` FROM conversions
			WHERE workspace_id = $1 AND (event_id = $2 OR (event = $3 AND order_id = $4)) ORDER BY id`,
			c.WorkspaceID, nullString(c.EventID), c.Event, nullString(c.OrderID))
		if err != nil {
			return apperr.Wrap(err, "read the events to replace")
		}
		var claims []conversion.Conversion
		for rows.Next() {
			old, err := scanConversion(rows, c.WorkspaceID)
			if err != nil {
				rows.Close()
				return apperr.Wrap(err, "read the events to replace")
			}
			claims = append(claims, old)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return apperr.Wrap(err, "read the events to replace")
		}
		for _, old := range claims {
			if old.Source != replaceable {
				out = old
				return nil
			}
		}
		for _, old := range claims {
			// The source is asked again: on PostgreSQL another caller may
			// have replaced the row since it was read.
			if _, err := cn.exec(ctx, `DELETE FROM conversions WHERE id = $1 AND source = $2`, old.ID, replaceable); err != nil {
				return apperr.Wrap(err, "replace conversion")
			}
		}
		var dup bool
		out, dup, err = insertConversion(ctx, cn, c, props, customer)
		replaced = !dup
		return err
	})
	return out, replaced, err
}

func conversionProps(c conversion.Conversion) (string, error) {
	if len(c.Props) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(c.Props)
	if err != nil {
		return "", apperr.Wrap(err, "encode conversion props")
	}
	return string(b), nil
}

// insertConversion stores c, and with customer moves the customer's
// clicks as conversion.Customer says who may, unless an event holds its
// event id or its event and order id: then it returns that event and true.
func insertConversion(ctx context.Context, cn conn, c conversion.Conversion, props string, customer *conversion.ClickAt) (conversion.Conversion, bool, error) {
	var id int64
	err := cn.queryRow(ctx, addConversionSQL,
		c.WorkspaceID, c.Event, nullString(c.EventID), nullString(c.OrderID), nullString(c.ClickID), nullInt64(c.LinkID),
		nullInt64(c.CampaignID), c.Channel, nullString(c.CustomerID), nullString(c.BrowserID), c.Value, c.Currency, c.Source, props, c.At).Scan(&id)
	if err == sql.ErrNoRows {
		same, err := scanConversion(cn.queryRow(ctx, sameConversionSQL, c.WorkspaceID, nullString(c.EventID), c.Event, nullString(c.OrderID)), c.WorkspaceID)
		return same, true, notFound(err, "conversion")
	}
	if err != nil {
		return c, false, apperr.Wrap(err, "add conversion")
	}
	c.ID = id
	if customer == nil || c.CustomerID == "" {
		return c, false, nil
	}
	claim := 0
	if c.Source == conversion.SourceSnippet {
		claim = 1
		var named int
		if err := cn.queryRow(ctx, serverCustomerSQL, c.WorkspaceID, c.CustomerID, c.At.Add(-conversion.ClaimSpan)).Scan(&named); err != nil {
			return c, false, apperr.Wrap(err, "read customer")
		}
		if named > 0 {
			return c, false, nil
		}
	}
	at := customer.At.UTC().Truncate(time.Microsecond)
	_, err = cn.exec(ctx, touchCustomerSQL, c.WorkspaceID, c.CustomerID, customer.ClickID, at, nullString(c.BrowserID), claim)
	return c, false, apperr.Wrap(err, "update customer")
}

// Customer returns a customer's first and last click. Returns
// apperr.NotFound when the workspace does not know the customer.
func (db *DB) Customer(ctx context.Context, workspaceID int64, customerID string) (conversion.Customer, error) {
	if err := db.prepare(ctx, &db.readStmts, []string{customerSQL}); err != nil {
		return conversion.Customer{}, err
	}
	cu := conversion.Customer{ID: customerID}
	err := db.reader().queryRow(ctx, customerSQL, workspaceID, customerID).
		Scan(&cu.FirstClickID, &cu.FirstAt, &cu.LastClickID, &cu.LastAt)
	if err != nil {
		return conversion.Customer{}, notFound(err, "customer")
	}
	cu.FirstAt, cu.LastAt = cu.FirstAt.UTC(), cu.LastAt.UTC()
	return cu, nil
}

// Conversions lists the workspace's conversions, newest first, at most
// f.Limit of them (100 when 0).
func (db *DB) Conversions(ctx context.Context, workspaceID int64, f conversion.ListFilter) ([]conversion.Conversion, error) {
	q := `SELECT ` + conversionColumns + ` FROM conversions WHERE workspace_id = $1`
	args := []any{workspaceID}
	if f.Event != nil {
		args = append(args, *f.Event)
		q += ` AND event = $2`
	}
	if f.CampaignID != nil {
		args = append(args, *f.CampaignID)
		q += ` AND campaign_id = $` + strconv.Itoa(len(args))
	}
	if f.BeforeID > 0 {
		args = append(args, f.BeforeID)
		q += ` AND id < $` + strconv.Itoa(len(args))
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	q += ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "list conversions")
	}
	defer rows.Close()
	var out []conversion.Conversion
	for rows.Next() {
		c, err := scanConversion(rows, workspaceID)
		if err != nil {
			return nil, apperr.Wrap(err, "list conversions")
		}
		out = append(out, c)
	}
	return out, apperr.Wrap(rows.Err(), "list conversions")
}

// ClickTotals sums the workspace's hourly click roll-ups in [from, to),
// per campaign and channel of the link. Hours before a link's snippet
// was first seen count their unique clicks as effective (METRICS.md),
// and FallbackLinks counts the links that had unique clicks in such
// hours; LandedClicks counts only the unique clicks marked landed.
func (db *DB) ClickTotals(ctx context.Context, workspaceID int64, from, to time.Time) ([]conversion.ClickTotal, error) {
	// Summed per link first, to count the links that fell back.
	rows, err := db.reader().query(ctx, `SELECT campaign_id, channel, CAST(SUM(clicks) AS BIGINT), CAST(SUM(human_clicks) AS BIGINT),
		CAST(SUM(unique_clicks) AS BIGINT), CAST(SUM(effective_clicks) AS BIGINT), CAST(SUM(landed_clicks) AS BIGINT),
		CAST(SUM(engaged_visits) AS BIGINT), CAST(SUM(CASE WHEN fallback > 0 THEN 1 ELSE 0 END) AS BIGINT)
		FROM (SELECT l.campaign_id, l.channel, SUM(r.clicks) AS clicks, SUM(r.human_clicks) AS human_clicks,
			SUM(r.unique_clicks) AS unique_clicks,
			SUM(CASE WHEN `+snippetHour+` THEN r.effective_clicks ELSE r.unique_clicks END) AS effective_clicks,
			SUM(r.effective_clicks) AS landed_clicks, SUM(r.engaged_visits) AS engaged_visits,
			SUM(CASE WHEN (`+snippetHour+`) IS NOT TRUE AND r.unique_clicks > 0 THEN 1 ELSE 0 END) AS fallback
			FROM click_rollups r JOIN links l ON l.id = r.link_id LEFT JOIN link_snippets s ON s.link_id = l.id
			WHERE r.workspace_id = $1 AND r.hour >= $2 AND r.hour < $3
			GROUP BY l.id, l.campaign_id, l.channel) x
		GROUP BY campaign_id, channel`, workspaceID, from.UTC(), to.UTC())
	if err != nil {
		return nil, apperr.Wrap(err, "sum click roll-ups")
	}
	defer rows.Close()
	var out []conversion.ClickTotal
	for rows.Next() {
		var t conversion.ClickTotal
		var campaign sql.NullInt64
		if err := rows.Scan(&campaign, &t.Channel, &t.Clicks, &t.HumanClicks, &t.UniqueClicks, &t.EffectiveClicks, &t.LandedClicks, &t.EngagedVisits, &t.FallbackLinks); err != nil {
			return nil, apperr.Wrap(err, "sum click roll-ups")
		}
		t.CampaignID = nullInt(campaign)
		out = append(out, t)
	}
	return out, apperr.Wrap(rows.Err(), "sum click roll-ups")
}

// touchQueries find, for the conversions of [$2, $3), the clicks that may
// earn credit through the conversion itself: its own click and that
// visitor's other human clicks. Clicks before $4 are too old for any of
// them. The visitor hash changes daily with its salt, so clicks of other
// days are found through the events of the same customer or browser
// (carriedTouches). The visitor lookup repeats the conditions of the
// partial index click_events_visitor, so that both databases use it:
// SQLite's indexes visitor_key (migration 0011), PostgreSQL's hashes
// visitor.
func touchQueries(d Dialect) []string {
	sameVisitor := `t.visitor = own.visitor`
	if d == SQLite {
		sameVisitor = `t.visitor_key = own.visitor_key AND ` + sameVisitor
	}
	return []string{
		`SELECT c.id, own.click_id, own.link_id, l.campaign_id, l.channel, own.at
	FROM conversions c
	JOIN click_events own ON own.click_id = c.click_id AND own.workspace_id = c.workspace_id
	JOIN links l ON l.id = own.link_id
	WHERE c.workspace_id = $1 AND c.at >= $2 AND c.at < $3 AND c.event NOT IN ('landing', 'engaged')
		AND own.at >= $4 AND own.at < $3`,
		`SELECT c.id, t.click_id, t.link_id, l.campaign_id, l.channel, t.at
	FROM conversions c
	JOIN click_events own ON own.click_id = c.click_id AND own.workspace_id = c.workspace_id
	JOIN click_events t ON ` + sameVisitor + ` AND t.class = 'human'
		AND t.workspace_id = c.workspace_id AND t.click_id <> own.click_id
	JOIN links l ON l.id = t.link_id
	WHERE c.workspace_id = $1 AND c.at >= $2 AND c.at < $3 AND c.event NOT IN ('landing', 'engaged')
		AND t.at >= $4 AND t.at < $3`,
	}
}

// carriedSlack is how long before the click it names an event's time may
// be and the event still be read by carriedTouches: an event comes after
// its click, but a shop's server reports its own clock's time, and a
// landing may be sent with a time before its click's (days, seen).
const carriedSlack = 7 * 24 * time.Hour

// carriedTouches gives each conversion of facts that names a customer or
// a browser every click of [since, to) that an event of that customer, or
// a landing of that browser, carried: a person's clicks on other days and
// devices. Each key's events are read once for the period, from those
// since its first click could be (less carriedSlack) on, and joined to
// the conversions here: joined in SQL, a busy browser's landings were
// read again for each of its events, and all its past ones each time.
func (db *DB) carriedTouches(ctx context.Context, facts []conversion.Fact, workspaceID int64, to, since time.Time) error {
	for _, k := range []struct {
		column, join, also string
		of                 func(conversion.Conversion) string
	}{
		// A claim sent with the public key names the customer's click
		// only when it bound or moved the customer (conversion.Customer):
		// it came from the browser that bound them, or carried their
		// first or last click.
		{"customer_id", ` LEFT JOIN customers cu ON cu.workspace_id = k.workspace_id AND cu.customer_id = k.customer_id`,
			` AND (k.source <> 'snippet' OR k.browser_id = cu.browser_id OR k.click_id = cu.first_click_id OR k.click_id = cu.last_click_id)`,
			func(c conversion.Conversion) string { return c.CustomerID }},
		// Every click the snippet saw reported its landing, with the
		// browser id: the browser's other events name the same clicks.
		{"browser_id", "", ` AND k.event = 'landing'`, func(c conversion.Conversion) string { return c.BrowserID }},
	} {
		carried, err := db.carried(ctx, `SELECT k.`+k.column+`, t.click_id, t.link_id, l.campaign_id, l.channel, t.at
	FROM conversions k
	JOIN click_events t ON t.click_id = k.click_id AND t.workspace_id = k.workspace_id
	JOIN links l ON l.id = t.link_id`+k.join+`
	WHERE k.workspace_id = $1 AND k.at >= $2 AND k.`+k.column+` IS NOT NULL AND k.click_id IS NOT NULL`+k.also+`
		AND t.at >= $3 AND t.at < $4`, workspaceID, since.Add(-carriedSlack), since, to)
		if err != nil {
			return err
		}
		for i := range facts {
			c := facts[i].Conversion
			if key := k.of(c); key != "" && !conversion.IsVisit(c.Event) {
				facts[i].Touches = append(facts[i].Touches, carried[key]...)
			}
		}
	}
	return nil
}

// carried reads q's rows (a key, then a touch) into each key's touches,
// each click once.
func (db *DB) carried(ctx context.Context, q string, args ...any) (map[string][]conversion.Touch, error) {
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read carried touches")
	}
	defer rows.Close()
	out := map[string][]conversion.Touch{}
	seen := map[[2]string]bool{}
	for rows.Next() {
		var key string
		var t conversion.Touch
		var campaign sql.NullInt64
		if err := rows.Scan(&key, &t.ClickID, &t.LinkID, &campaign, &t.Channel, &t.At); err != nil {
			return nil, apperr.Wrap(err, "read carried touches")
		}
		if seen[[2]string{key, t.ClickID}] {
			continue
		}
		seen[[2]string{key, t.ClickID}] = true
		t.CampaignID, t.At = nullInt(campaign), t.At.UTC()
		out[key] = append(out[key], t)
	}
	return out, apperr.Wrap(rows.Err(), "read carried touches")
}

// ConversionFacts returns the workspace's conversions of [from, to) that
// are not visits, each with the touches that happened in [since, to): its
// own click, that visitor's human clicks and the clicks known through its
// customer's cids. Which of them earn credit is the attribution model's
// business. Visits, most of the events, are counted by VisitTotals.
func (db *DB) ConversionFacts(ctx context.Context, workspaceID int64, from, to, since time.Time) ([]conversion.Fact, error) {
	from, to, since = from.UTC(), to.UTC(), since.UTC()
	rows, err := db.reader().query(ctx, `SELECT `+conversionColumns+` FROM conversions
		WHERE workspace_id = $1 AND at >= $2 AND at < $3 AND event NOT IN ('landing', 'engaged') ORDER BY id`, workspaceID, from, to)
	if err != nil {
		return nil, apperr.Wrap(err, "read conversions")
	}
	var facts []conversion.Fact
	index := map[int64]int{}
	for rows.Next() {
		c, err := scanConversion(rows, workspaceID)
		if err != nil {
			rows.Close()
			return nil, apperr.Wrap(err, "read conversions")
		}
		index[c.ID] = len(facts)
		facts = append(facts, conversion.Fact{Conversion: c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "read conversions")
	}
	for _, q := range touchQueries(db.dialect) {
		if err := db.touches(ctx, q, facts, index, workspaceID, from, to, since); err != nil {
			return nil, err
		}
	}
	return facts, db.carriedTouches(ctx, facts, workspaceID, to, since)
}

// VisitTotals counts the workspace's visits of [from, to) that the funnel
// counts (conversion.VisitTotal), per campaign and channel, in SQL: a
// period's visits are most of its events, and reading each of them cost
// the conversions page most of its time.
func (db *DB) VisitTotals(ctx context.Context, workspaceID int64, from, to time.Time) ([]conversion.VisitTotal, error) {
	rows, err := db.reader().query(ctx, `SELECT c.campaign_id, c.channel,
		CAST(SUM(CASE WHEN c.event = 'landing' THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN c.event = 'engaged' THEN 1 ELSE 0 END) AS BIGINT)
		FROM conversions c
		WHERE c.workspace_id = $1 AND c.at >= $2 AND c.at < $3 AND c.event IN ('landing', 'engaged') AND c.click_id IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM click_events e WHERE e.click_id = c.click_id AND e.class <> 'human')
		GROUP BY c.campaign_id, c.channel`, workspaceID, from.UTC(), to.UTC())
	if err != nil {
		return nil, apperr.Wrap(err, "count visits")
	}
	defer rows.Close()
	var out []conversion.VisitTotal
	for rows.Next() {
		var v conversion.VisitTotal
		var campaign sql.NullInt64
		if err := rows.Scan(&campaign, &v.Channel, &v.Landing, &v.Engaged); err != nil {
			return nil, apperr.Wrap(err, "count visits")
		}
		v.CampaignID = nullInt(campaign)
		out = append(out, v)
	}
	return out, apperr.Wrap(rows.Err(), "count visits")
}

func (db *DB) touches(ctx context.Context, q string, facts []conversion.Fact, index map[int64]int, args ...any) error {
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return apperr.Wrap(err, "read touches")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t conversion.Touch
		var campaign sql.NullInt64
		if err := rows.Scan(&id, &t.ClickID, &t.LinkID, &campaign, &t.Channel, &t.At); err != nil {
			return apperr.Wrap(err, "read touches")
		}
		t.CampaignID, t.At = nullInt(campaign), t.At.UTC()
		if i, ok := index[id]; ok {
			facts[i].Touches = append(facts[i].Touches, t)
		}
	}
	return apperr.Wrap(rows.Err(), "read touches")
}
