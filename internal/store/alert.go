package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
)

// alertRuleConfig is what an alert rule keeps in its config column.
type alertRuleConfig struct {
	Channels []listen.Channel  `json:"channels"`
	Extra    map[string]string `json:"extra,omitempty"`
}

const alertRuleColumns = `id, workspace_id, name, kind, COALESCE(topic_id, 0), threshold, quiet_minutes, config, enabled, last_fired_at, created_at, updated_at`

func scanAlertRule(row linkRow) (listen.AlertRule, error) {
	var r listen.AlertRule
	var cfg string
	var last sql.NullTime
	if err := row.Scan(&r.ID, &r.WorkspaceID, &r.Name, &r.Kind, &r.TopicID, &r.Threshold, &r.QuietMinutes, &cfg, &r.Enabled, &last, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return r, err
	}
	var c alertRuleConfig
	if err := json.Unmarshal([]byte(cfg), &c); err != nil {
		return r, fmt.Errorf("alert rule %d config: %w", r.ID, err)
	}
	r.Channels, r.Extra = c.Channels, c.Extra
	if r.Channels == nil {
		r.Channels = []listen.Channel{}
	}
	if last.Valid {
		t := last.Time.UTC()
		r.LastFiredAt = &t
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

// alertNullID stores 0 as NULL.
func alertNullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func alertRuleConfigText(r listen.AlertRule) (string, error) {
	b, err := json.Marshal(alertRuleConfig{Channels: r.Channels, Extra: r.Extra})
	return string(b), err
}

// AlertRules lists the workspace's alert rules by id.
func (db *DB) AlertRules(ctx context.Context, ws int64) ([]listen.AlertRule, error) {
	rows, err := db.reader().query(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules WHERE workspace_id = $1 ORDER BY id`, ws)
	if err != nil {
		return nil, apperr.Wrap(err, "read alert rules")
	}
	defer rows.Close()
	out := []listen.AlertRule{}
	for rows.Next() {
		r, err := scanAlertRule(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "read alert rules")
		}
		out = append(out, r)
	}
	return out, apperr.Wrap(rows.Err(), "read alert rules")
}

// AlertRule returns one rule of the workspace. Returns apperr.NotFound if
// it does not exist there.
func (db *DB) AlertRule(ctx context.Context, ws, id int64) (listen.AlertRule, error) {
	r, err := scanAlertRule(db.reader().queryRow(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return r, notFound(err, "alert_rule")
	}
	return r, nil
}

// alertTopicOK refuses a topic of another workspace as NotFound.
func (db *DB) alertTopicOK(ctx context.Context, ws, topicID int64) error {
	if topicID == 0 {
		return nil
	}
	var one int
	err := db.reader().queryRow(ctx, `SELECT 1 FROM topics WHERE workspace_id = $1 AND id = $2`, ws, topicID).Scan(&one)
	return notFound(err, "topic")
}

// CreateAlertRule stores a new rule. A topic of another workspace is
// apperr.NotFound.
func (db *DB) CreateAlertRule(ctx context.Context, ws int64, r listen.AlertRule) (listen.AlertRule, error) {
	if err := db.alertTopicOK(ctx, ws, r.TopicID); err != nil {
		return r, err
	}
	cfg, err := alertRuleConfigText(r)
	if err != nil {
		return r, apperr.Wrap(err, "encode alert rule")
	}
	var id int64
	err = db.writer().queryRow(ctx, `INSERT INTO alert_rules (workspace_id, name, kind, topic_id, threshold, quiet_minutes, config, enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`, ws, r.Name, r.Kind, alertNullID(r.TopicID), r.Threshold, r.QuietMinutes, cfg, r.Enabled, db.now()).Scan(&id)
	if err != nil {
		return r, apperr.Wrap(err, "create alert rule")
	}
	return db.AlertRule(ctx, ws, id)
}

// UpdateAlertRule replaces a rule's settings (not its last firing).
// Returns apperr.NotFound if it is not the workspace's.
func (db *DB) UpdateAlertRule(ctx context.Context, ws int64, r listen.AlertRule) (listen.AlertRule, error) {
	if err := db.alertTopicOK(ctx, ws, r.TopicID); err != nil {
		return r, err
	}
	cfg, err := alertRuleConfigText(r)
	if err != nil {
		return r, apperr.Wrap(err, "encode alert rule")
	}
	res, err := db.writer().exec(ctx, `UPDATE alert_rules SET name = $3, kind = $4, topic_id = $5, threshold = $6, quiet_minutes = $7, config = $8, enabled = $9, updated_at = $10
		WHERE workspace_id = $1 AND id = $2`, ws, r.ID, r.Name, r.Kind, alertNullID(r.TopicID), r.Threshold, r.QuietMinutes, cfg, r.Enabled, db.now())
	if err != nil {
		return r, apperr.Wrap(err, "update alert rule")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return r, apperr.NotFoundf("alert_rule")
	}
	return db.AlertRule(ctx, ws, r.ID)
}

// DeleteAlertRule deletes a rule; its alerts stay, without it. Returns
// apperr.NotFound if it is not the workspace's.
func (db *DB) DeleteAlertRule(ctx context.Context, ws, id int64) error {
	res, err := db.writer().exec(ctx, `DELETE FROM alert_rules WHERE workspace_id = $1 AND id = $2`, ws, id)
	if err != nil {
		return apperr.Wrap(err, "delete alert rule")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("alert_rule")
	}
	return nil
}

// AlertWorkspaces lists the workspaces with an enabled alert rule.
func (db *DB) AlertWorkspaces(ctx context.Context) ([]int64, error) {
	rows, err := db.reader().query(ctx, `SELECT DISTINCT workspace_id FROM alert_rules WHERE enabled = $1 ORDER BY workspace_id`, true)
	if err != nil {
		return nil, apperr.Wrap(err, "read alert workspaces")
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, apperr.Wrap(err, "read alert workspaces")
		}
		out = append(out, id)
	}
	return out, apperr.Wrap(rows.Err(), "read alert workspaces")
}

// TopicMentionIDs returns ids of mentions of the topics published in
// [from, to), of a sentiment when set, newest first, at most limit.
func (db *DB) TopicMentionIDs(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time, sentiment string, limit int) ([]int64, error) {
	if len(topicIDs) == 0 {
		return nil, nil
	}
	in, args := numberedIn([]any{ws, from.UTC(), to.UTC()}, topicIDs)
	q := `SELECT mt.mention_id, MAX(mt.published_at) FROM mention_topics mt`
	where := ` WHERE mt.workspace_id = $1 AND mt.published_at >= $2 AND mt.published_at < $3 AND mt.topic_id IN ` + in
	if sentiment != "" {
		args = append(args, sentiment)
		q += ` JOIN mentions m ON m.id = mt.mention_id`
		where += fmt.Sprintf(` AND m.sentiment = $%d`, len(args))
	}
	rows, err := db.reader().query(ctx, q+where+fmt.Sprintf(` GROUP BY mt.mention_id ORDER BY MAX(mt.published_at) DESC, mt.mention_id DESC LIMIT %d`, max(1, min(limit, 1000))), args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read topic mentions")
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		var at any
		if err := rows.Scan(&id, &at); err != nil {
			return nil, apperr.Wrap(err, "read topic mentions")
		}
		out = append(out, id)
	}
	return out, apperr.Wrap(rows.Err(), "read topic mentions")
}

// FetchedMentionIDs returns ids of mentions of the topics stored at or
// after fetchedSince and published at or after publishedSince, newest
// first, at most limit. It reads the topics' matches published since
// publishedSince by the primary key of mention_topics and each one's
// mention by id; mentions have no index by fetched_at, which every stored
// mention would pay for.
func (db *DB) FetchedMentionIDs(ctx context.Context, ws int64, topicIDs []int64, fetchedSince, publishedSince time.Time, limit int) ([]int64, error) {
	if len(topicIDs) == 0 {
		return nil, nil
	}
	in, args := numberedIn([]any{ws, fetchedSince.UTC(), publishedSince.UTC()}, topicIDs)
	rows, err := db.reader().query(ctx, `SELECT mt.mention_id FROM mention_topics mt JOIN mentions m ON m.id = mt.mention_id
		WHERE mt.topic_id IN `+in+` AND mt.published_at >= $3 AND m.workspace_id = $1 AND m.fetched_at >= $2
		GROUP BY mt.mention_id ORDER BY mt.mention_id DESC`+fmt.Sprintf(` LIMIT %d`, max(1, min(limit, 1000))), args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read fetched mentions")
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, apperr.Wrap(err, "read fetched mentions")
		}
		out = append(out, id)
	}
	return out, apperr.Wrap(rows.Err(), "read fetched mentions")
}

// MentionTopicPairs returns the topics of each of the given mentions of
// the workspace.
func (db *DB) MentionTopicPairs(ctx context.Context, ws int64, mentionIDs []int64) (map[int64][]int64, error) {
	topics, err := topicSet(ctx, sqlBatch{db.reader()}, ws)
	if err != nil {
		return nil, err
	}
	out := map[int64][]int64{}
	for start := 0; start < len(mentionIDs); start += 500 {
		part := mentionIDs[start:min(start+500, len(mentionIDs))]
		in, args := numberedIn([]any{ws}, part)
		rows, err := db.reader().query(ctx, `SELECT id, topic_ids FROM mentions WHERE workspace_id = $1 AND topic_ids <> '' AND id IN `+in, args...)
		if err != nil {
			return nil, apperr.Wrap(err, "read mention topics")
		}
		for rows.Next() {
			var m int64
			var ids string
			if err := rows.Scan(&m, &ids); err != nil {
				rows.Close()
				return nil, apperr.Wrap(err, "read mention topics")
			}
			if live := liveTopics(parseTopicIDs(ids), topics); len(live) > 0 {
				out[m] = live
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, apperr.Wrap(err, "read mention topics")
		}
	}
	return out, nil
}

// AlertMentions returns the workspace's mentions with the given ids (at
// most 200), in that order, skipping missing ones.
func (db *DB) AlertMentions(ctx context.Context, ws int64, ids []int64) ([]listen.Mention, error) {
	if len(ids) == 0 {
		return []listen.Mention{}, nil
	}
	ms, err := db.MentionsByID(ctx, ws, ids[:min(len(ids), 200)])
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]listen.Mention, len(ms))
	for _, m := range ms {
		byID[m.ID] = m
	}
	out := make([]listen.Mention, 0, len(ms))
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			out = append(out, m)
			delete(byID, id)
		}
	}
	return out, nil
}

const alertColumns = `id, workspace_id, COALESCE(rule_id, 0), COALESCE(topic_id, 0), kind, value, baseline, detail, mention_ids, fired_at, read_at,
	delivery_due_at, delivery_attempts`

func scanAlert(row linkRow) (listen.Alert, error) {
	var a listen.Alert
	var detail, ids string
	var read, due sql.NullTime
	if err := row.Scan(&a.ID, &a.WorkspaceID, &a.RuleID, &a.TopicID, &a.Kind, &a.Value, &a.Baseline, &detail, &ids, &a.FiredAt, &read,
		&due, &a.DeliveryAttempts); err != nil {
		return a, err
	}
	if due.Valid {
		t := due.Time.UTC()
		a.DeliveryDueAt = &t
	}
	if err := json.Unmarshal([]byte(detail), &a.Detail); err != nil {
		return a, fmt.Errorf("alert %d detail: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(ids), &a.MentionIDs); err != nil {
		return a, fmt.Errorf("alert %d mention ids: %w", a.ID, err)
	}
	if a.MentionIDs == nil {
		a.MentionIDs = []int64{}
	}
	a.FiredAt = a.FiredAt.UTC()
	if read.Valid {
		t := read.Time.UTC()
		a.ReadAt = &t
	}
	return a, nil
}

// FireAlert stores a when its rule has not fired since quietSince and dup
// (when not nil) finds a new among the rule's recent alerts, and sets the
// rule's last firing, in one transaction: the rule's row stays locked from
// the claim to the commit, so two evaluations at once (an ingest and the
// hourly job, or two nodes) fire once.
func (db *DB) FireAlert(ctx context.Context, ws int64, a listen.Alert, quietSince time.Time, dup func([]listen.Alert) bool) (listen.Alert, bool, error) {
	if len(a.MentionIDs) > alert.MaxCarriedMentions {
		a.MentionIDs = a.MentionIDs[:alert.MaxCarriedMentions]
	}
	if a.MentionIDs == nil {
		a.MentionIDs = []int64{}
	}
	if a.Detail == nil {
		a.Detail = map[string]any{}
	}
	detail, err := json.Marshal(a.Detail)
	if err != nil {
		return a, false, apperr.Wrap(err, "encode alert")
	}
	ids, _ := json.Marshal(a.MentionIDs)
	if a.FiredAt.IsZero() {
		a.FiredAt = db.now()
	}
	a.FiredAt = a.FiredAt.UTC().Truncate(time.Microsecond)
	a.WorkspaceID = ws
	fired := false
	err = db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if a.RuleID != 0 {
			res, err := c.exec(ctx, `UPDATE alert_rules SET last_fired_at = $3 WHERE workspace_id = $1 AND id = $2 AND (last_fired_at IS NULL OR last_fired_at <= $4)`,
				ws, a.RuleID, a.FiredAt, quietSince.UTC())
			if err != nil {
				return apperr.Wrap(err, "claim alert rule")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			if dup != nil {
				recent, err := queryAlerts(ctx, c, recentAlertsSQL, ws, a.RuleID, a.FiredAt.Add(-alert.DupWindow))
				if err != nil {
					return err
				}
				if dup(recent) {
					return errAlreadyAlerted
				}
			}
		}
		if err := c.queryRow(ctx, `INSERT INTO alerts (workspace_id, rule_id, topic_id, kind, value, baseline, detail, mention_ids, fired_at, delivery_due_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, ws, alertNullID(a.RuleID), alertNullID(a.TopicID), a.Kind, a.Value, a.Baseline,
			string(detail), string(ids), a.FiredAt, timeOrNull(a.DeliveryDueAt)).Scan(&a.ID); err != nil {
			return apperr.Wrap(err, "insert alert")
		}
		fired = true
		return nil
	})
	if errors.Is(err, errAlreadyAlerted) {
		return a, false, nil
	}
	return a, fired, err
}

// errAlreadyAlerted rolls back a firing whose alert another evaluation
// stored first.
var errAlreadyAlerted = errors.New("already alerted")

const recentAlertsSQL = `SELECT ` + alertColumns + ` FROM alerts WHERE workspace_id = $1 AND rule_id = $2 AND fired_at >= $3 ORDER BY id DESC LIMIT 500`

// RecentAlerts returns the rule's alerts fired at or after since, newest
// first, at most 500.
func (db *DB) RecentAlerts(ctx context.Context, ws, ruleID int64, since time.Time) ([]listen.Alert, error) {
	return queryAlerts(ctx, db.reader(), recentAlertsSQL, ws, ruleID, since.UTC())
}

// Alerts lists the workspace's alerts newest first.
func (db *DB) Alerts(ctx context.Context, ws int64, f alert.Filter) ([]listen.Alert, error) {
	q := `SELECT ` + alertColumns + ` FROM alerts WHERE workspace_id = $1`
	args := []any{ws}
	if f.Unread {
		q += ` AND read_at IS NULL`
	}
	if f.BeforeID > 0 {
		args = append(args, f.BeforeID)
		q += fmt.Sprintf(` AND id < $%d`, len(args))
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return queryAlerts(ctx, db.reader(), q+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit), args...)
}

func queryAlerts(ctx context.Context, c conn, q string, args ...any) ([]listen.Alert, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read alerts")
	}
	defer rows.Close()
	out := []listen.Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "read alerts")
		}
		out = append(out, a)
	}
	return out, apperr.Wrap(rows.Err(), "read alerts")
}

// Alert returns one alert of the workspace. Returns apperr.NotFound if it
// does not exist there.
func (db *DB) Alert(ctx context.Context, ws, id int64) (listen.Alert, error) {
	a, err := scanAlert(db.reader().queryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE workspace_id = $1 AND id = $2`, ws, id))
	if err != nil {
		return a, notFound(err, "alert")
	}
	return a, nil
}

// MarkAlertRead marks an alert read, keeping the first time it was.
// Returns apperr.NotFound if it is not the workspace's.
func (db *DB) MarkAlertRead(ctx context.Context, ws, id int64, at time.Time) (listen.Alert, error) {
	res, err := db.writer().exec(ctx, `UPDATE alerts SET read_at = COALESCE(read_at, $3) WHERE workspace_id = $1 AND id = $2`, ws, id, at.UTC().Truncate(time.Microsecond))
	if err != nil {
		return listen.Alert{}, apperr.Wrap(err, "mark alert read")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return listen.Alert{}, apperr.NotFoundf("alert")
	}
	return db.Alert(ctx, ws, id)
}

// SetAlertDelivery records each channel's delivery outcome in the alert's
// detail under "delivery".
func (db *DB) SetAlertDelivery(ctx context.Context, ws, id int64, delivery map[string]string, next *time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		var detail string
		if err := c.queryRow(ctx, `SELECT detail FROM alerts WHERE workspace_id = $1 AND id = $2`, ws, id).Scan(&detail); err != nil {
			return notFound(err, "alert")
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(detail), &d); err != nil || d == nil {
			d = map[string]any{}
		}
		d["delivery"] = delivery
		b, err := json.Marshal(d)
		if err != nil {
			return apperr.Wrap(err, "encode alert delivery")
		}
		_, err = c.exec(ctx, `UPDATE alerts SET detail = $3, delivery_due_at = $4, delivery_attempts = delivery_attempts + 1 WHERE workspace_id = $1 AND id = $2`,
			ws, id, string(b), timeOrNull(next))
		return apperr.Wrap(err, "record alert delivery")
	})
}

// DueDeliveries returns up to limit alerts, of every workspace, whose next
// delivery try is due at now, the longest due first.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]listen.Alert, error) {
	return queryAlerts(ctx, db.reader(), `SELECT `+alertColumns+` FROM alerts WHERE delivery_due_at <= $1 ORDER BY delivery_due_at, id LIMIT `+fmt.Sprint(max(limit, 1)), now.UTC())
}

// ClaimDelivery moves a due delivery try of an alert to until, so that no
// other node tries it meanwhile; false when it was not due at now (another
// node claimed it first).
func (db *DB) ClaimDelivery(ctx context.Context, ws, id int64, now, until time.Time) (bool, error) {
	res, err := db.writer().exec(ctx, `UPDATE alerts SET delivery_due_at = $4 WHERE workspace_id = $1 AND id = $2 AND delivery_due_at <= $3`,
		ws, id, now.UTC(), until.UTC())
	if err != nil {
		return false, apperr.Wrap(err, "claim alert delivery")
	}
	n, err := res.RowsAffected()
	return n == 1, apperr.Wrap(err, "claim alert delivery")
}

// RequeueDelivery makes an alert's delivery due again at due, as a first
// try: requeue, given the alert as stored and holding it locked until the
// commit, returns each channel's outcome to record (or the error that
// refuses the requeue, which is returned as is), and the tries start
// again from none. Returns apperr.NotFound if the alert is not the
// workspace's.
func (db *DB) RequeueDelivery(ctx context.Context, ws, id int64, due time.Time, requeue func(listen.Alert) (map[string]string, error)) (listen.Alert, error) {
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		a, err := scanAlert(c.queryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE workspace_id = $1 AND id = $2`+db.forUpdate(false), ws, id))
		if err != nil {
			return notFound(err, "alert")
		}
		delivery, err := requeue(a)
		if err != nil {
			return err
		}
		if a.Detail == nil {
			a.Detail = map[string]any{}
		}
		a.Detail["delivery"] = delivery
		b, err := json.Marshal(a.Detail)
		if err != nil {
			return apperr.Wrap(err, "encode alert delivery")
		}
		_, err = c.exec(ctx, `UPDATE alerts SET detail = $3, delivery_due_at = $4, delivery_attempts = 0 WHERE workspace_id = $1 AND id = $2`,
			ws, id, string(b), due.UTC().Truncate(time.Microsecond))
		return apperr.Wrap(err, "requeue alert delivery")
	})
	if err != nil {
		return listen.Alert{}, err
	}
	return db.Alert(ctx, ws, id)
}
