// Package alert watches listening: it evaluates each workspace's alert
// rules (volume spike, negative-share spike, crisis word) after every
// ingest batch and every hour, records fired alerts (the in-app
// notification list) and delivers them to chat robots and e-mail.
package alert

import (
	"context"
	"errors"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/notify"
)

// Filter selects alerts of a workspace: unread only, older than BeforeID
// when set, at most Limit (50 if 0, 200 at most), newest first.
type Filter struct {
	Unread   bool
	BeforeID int64
	Limit    int
}

// Store is what alerts read and write. Every method is scoped to the
// workspace ws; a rule or alert of another workspace is NotFound.
type Store interface {
	// AlertRules lists the workspace's rules.
	AlertRules(ctx context.Context, ws int64) ([]listen.AlertRule, error)
	// AlertRule returns one rule. Returns apperr.NotFound if missing.
	AlertRule(ctx context.Context, ws, id int64) (listen.AlertRule, error)
	// CreateAlertRule stores a new rule and returns it with its id.
	CreateAlertRule(ctx context.Context, ws int64, r listen.AlertRule) (listen.AlertRule, error)
	// UpdateAlertRule replaces a rule. Returns apperr.NotFound if missing.
	UpdateAlertRule(ctx context.Context, ws int64, r listen.AlertRule) (listen.AlertRule, error)
	// DeleteAlertRule deletes a rule; its alerts stay. Returns
	// apperr.NotFound if missing.
	DeleteAlertRule(ctx context.Context, ws, id int64) error

	// InsightTopics lists the workspace's topics.
	InsightTopics(ctx context.Context, ws int64) ([]insight.TopicRef, error)
	// TopicRollups returns hourly roll-ups of the topics (all when none)
	// with hour in [from, to).
	TopicRollups(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time) ([]listen.Rollup, error)
	// MentionRollups counts per hour in [from, to) the distinct mentions
	// that match any of topicIDs, which their topic roll-ups would count
	// once per topic (none when topicIDs is empty).
	MentionRollups(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time) ([]listen.Rollup, error)
	// TopicMentionIDs returns the ids of mentions of the topics published
	// in [from, to), of a sentiment when set, newest first, at most limit.
	TopicMentionIDs(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time, sentiment string, limit int) ([]int64, error)
	// FetchedMentionIDs returns the ids of mentions of the topics stored
	// at or after fetchedSince and published at or after publishedSince,
	// newest first, at most limit.
	FetchedMentionIDs(ctx context.Context, ws int64, topicIDs []int64, fetchedSince, publishedSince time.Time, limit int) ([]int64, error)
	// MentionTopicPairs returns, for the given mentions of the workspace,
	// the topics each matched.
	MentionTopicPairs(ctx context.Context, ws int64, mentionIDs []int64) (map[int64][]int64, error)
	// AlertMentions returns the workspace's mentions with the given ids,
	// in that order, skipping missing ones.
	AlertMentions(ctx context.Context, ws int64, ids []int64) ([]listen.Mention, error)

	// FireAlert stores a as an alert of its rule when the rule has not
	// fired since quietSince, and records the firing on the rule, in one
	// transaction that holds off every other firing of the rule; fired is
	// false (and nothing stored) otherwise. Under that hold it also asks
	// dup, when not nil, about the rule's alerts of the last DupWindow:
	// true means a says nothing new (an evaluation at the same time
	// fired it first).
	FireAlert(ctx context.Context, ws int64, a listen.Alert, quietSince time.Time, dup func(recent []listen.Alert) bool) (stored listen.Alert, fired bool, err error)
	// RecentAlerts returns the rule's alerts fired at or after since,
	// newest first, at most 500.
	RecentAlerts(ctx context.Context, ws, ruleID int64, since time.Time) ([]listen.Alert, error)
	// Alerts lists alerts.
	Alerts(ctx context.Context, ws int64, f Filter) ([]listen.Alert, error)
	// Alert returns one alert. Returns apperr.NotFound if missing.
	Alert(ctx context.Context, ws, id int64) (listen.Alert, error)
	// MarkAlertRead marks an alert read at at (once). Returns
	// apperr.NotFound if missing.
	MarkAlertRead(ctx context.Context, ws, id int64, at time.Time) (listen.Alert, error)
	// SetAlertDelivery records the outcome of each channel in the alert's
	// detail under "delivery", counts the try and sets when the next is
	// due (nil: none).
	SetAlertDelivery(ctx context.Context, ws, id int64, delivery map[string]string, next *time.Time) error
	// DueDeliveries returns up to limit alerts, of every workspace, whose
	// next delivery try is due at now, the longest due first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]listen.Alert, error)
	// ClaimDelivery moves an alert's due delivery try to until, so that no
	// other node makes it meanwhile; false when it was not due at now.
	ClaimDelivery(ctx context.Context, ws, id int64, now, until time.Time) (bool, error)
	// RequeueDelivery makes the alert's delivery due again at due, its
	// tries counted from none, recording the outcome requeue returns for
	// the alert as stored, which stays locked meanwhile; requeue's error
	// refuses it and is returned. Returns apperr.NotFound if missing.
	RequeueDelivery(ctx context.Context, ws, id int64, due time.Time, requeue func(listen.Alert) (map[string]string, error)) (listen.Alert, error)
	// AlertWorkspaces lists the workspaces with at least one enabled rule.
	AlertWorkspaces(ctx context.Context) ([]int64, error)
}

// Service manages alert rules and reads alerts.
type Service struct {
	store Store
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Webhooks is the notifier that delivers the rules' alerts: a
	// channel's webhook URL is saved only if it would send to it
	// (notify.Notifier.CheckWebhook: https, a public address, unless it
	// allows private addresses).
	Webhooks *notify.Notifier
}

// NewService returns the alert-rule service over store, accepting the
// webhook URLs of a notifier that allows no private address; a server
// started with --allow-private-fetch sets Webhooks to its own.
func NewService(store Store) *Service {
	return &Service{store: store, Now: time.Now, Webhooks: &notify.Notifier{HTTP: fetch.New(fetch.Options{})}}
}

// DupWindow is how far back FireAlert's dup looks: the crisis rule's
// look-back for alerted mentions.
const DupWindow = 7 * 24 * time.Hour

// Limits of a rule.
const (
	MaxChannels     = 10
	MaxQuietMinutes = 7 * 24 * 60
	// DefaultQuietMinutes is the quiet period a new rule's form offers,
	// and the one it takes when left blank.
	DefaultQuietMinutes = 60
)

// Validate checks a rule against the workspace's topics, and its webhook
// URLs against the rules of delivery (Webhooks).
func (s *Service) Validate(ctx context.Context, r listen.AlertRule, topics []insight.TopicRef) error {
	return s.validate(ctx, r, topics, nil)
}

// validate is Validate that takes the webhook URLs of stored as they are:
// a rule saved before a URL's address was refused (or while the server
// allowed private addresses) can still be paused or edited, and its
// deliveries say why nothing is sent.
func (s *Service) validate(ctx context.Context, r listen.AlertRule, topics []insight.TopicRef, stored []listen.Channel) error {
	var fs apperr.Fields
	fs.Text("name", r.Name, 100, true)
	fs.OneOf("kind", r.Kind, listen.AlertKinds)
	switch r.Kind {
	case "volume_spike":
		if r.Threshold <= 0 || r.Threshold > 100 {
			fs.Add("threshold", "error.alert.threshold_range", "Min", 0, "Max", 100)
		}
	case "negative_spike":
		if r.Threshold <= 0 || r.Threshold > 1 {
			fs.Add("threshold", "error.alert.threshold_range", "Min", 0, "Max", 1)
		}
	case "crisis_word":
		// An evaluation counts at most MaxCountedMentions hits. 0 is a
		// threshold, as the form's range [0–1000] says: an alert needs one
		// new mention, so 0 and 1 both fire on the first; the message
		// gives the range with both ends, where the other kinds' exclude 0.
		if r.Threshold < 0 || r.Threshold > MaxCountedMentions {
			fs.Add("threshold", "error.range", "Min", 0, "Max", MaxCountedMentions)
		}
	}
	if r.QuietMinutes < 0 || r.QuietMinutes > MaxQuietMinutes {
		fs.Add("quiet_minutes", "error.alert.quiet_range", "Max", MaxQuietMinutes)
	}
	if r.TopicID != 0 {
		var found *insight.TopicRef
		for i := range topics {
			if topics[i].ID == r.TopicID {
				found = &topics[i]
			}
		}
		switch {
		case found == nil:
			fs.Add("topic_id", "error.alert.unknown_topic")
		case r.Kind == "crisis_word" && found.Kind != "crisis":
			fs.Add("topic_id", "error.alert.not_crisis_topic")
		}
	}
	if len(r.Channels) > MaxChannels {
		fs.Add("channels", "error.alert.too_many_channels", "Max", MaxChannels)
	}
	for i, c := range r.Channels {
		f := "channels[" + strconv.Itoa(i) + "]."
		switch c.Kind {
		case notify.Email:
			if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
				fs.Add(f+"email", "error.alert.bad_email")
			}
		case notify.WeCom, notify.DingTalk, notify.Feishu, notify.Slack:
			u, err := url.Parse(c.URL)
			switch {
			case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(c.URL) > 2000:
				fs.Add(f+"url", "error.alert.bad_webhook_url")
			case strings.Contains(c.URL, "…"):
				// A redacted URL (notify.RedactURL) sent back for a
				// channel whose stored one it cannot keep: its kind
				// changed, or it is a new channel.
				fs.Add(f+"url", "error.alert.redacted_url")
			case !slices.ContainsFunc(stored, func(o listen.Channel) bool { return o.URL == c.URL }):
				if err := s.Webhooks.CheckWebhook(ctx, c.URL); err != nil {
					addWebhookError(&fs, f+"url", err)
				}
			}
			if len(c.Secret) > 500 {
				fs.Add(f+"secret", "error.too_long", "Max", 500)
			}
		default:
			fs.OneOf(f+"kind", c.Kind, notify.Kinds)
		}
	}
	for k, v := range r.Extra {
		if k != "min_volume" {
			fs.Add("extra."+k, "error.alert.unknown_option", "Name", k)
			continue
		}
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 1_000_000 {
			fs.Add("extra.min_volume", "error.alert.min_volume")
		}
	}
	return fs.Err()
}

// addWebhookError records why notify.Notifier.CheckWebhook refused a
// webhook URL.
func addWebhookError(fs *apperr.Fields, field string, err error) {
	var ae *apperr.Error
	switch {
	case errors.Is(err, notify.ErrCleartext):
		fs.Add(field, "error.alert.webhook_https")
	case fetch.IsBlocked(err) && errors.As(err, &ae):
		fs.Add(field, "error.alert.webhook_private", "Host", ae.Args["Host"])
	case errors.As(err, &ae) && ae.Key == "error.fetch_credentials":
		fs.Add(field, ae.Key)
	default:
		fs.Add(field, "error.alert.bad_webhook_url")
	}
}

// Rules lists the workspace's rules.
func (s *Service) Rules(ctx context.Context, ws int64) ([]listen.AlertRule, error) {
	return s.store.AlertRules(ctx, ws)
}

// Rule returns one rule. Returns apperr.NotFound if it is not the
// workspace's.
func (s *Service) Rule(ctx context.Context, ws, id int64) (listen.AlertRule, error) {
	return s.store.AlertRule(ctx, ws, id)
}

// CreateRule validates and stores a new rule.
func (s *Service) CreateRule(ctx context.Context, ws int64, r listen.AlertRule) (listen.AlertRule, error) {
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return r, err
	}
	r.ID, r.LastFiredAt = 0, nil
	if err := s.Validate(ctx, r, topics); err != nil {
		return r, err
	}
	return s.store.CreateAlertRule(ctx, ws, r)
}

// UpdateRule replaces a rule. Channel secrets are write-only: a channel
// sent back with an empty secret, or with the redacted URL the API
// showed, keeps the stored one (matched by position and kind). Returns
// apperr.NotFound if the rule is not the workspace's.
func (s *Service) UpdateRule(ctx context.Context, ws, id int64, r listen.AlertRule) (listen.AlertRule, error) {
	return s.UpdateRuleFrom(ctx, ws, id, r, nil)
}

// StoredChannel is the stored channel (of stored) whose URL and secret
// the i-th channel of an update keeps, as UpdateRuleFrom matches them:
// the one at from[i] (at i when from is nil) if it is of the same kind.
func StoredChannel(stored []listen.Channel, from []int, i int, kind string) (listen.Channel, bool) {
	j := i
	if from != nil {
		j = -1
		if i < len(from) {
			j = from[i]
		}
	}
	if j < 0 || j >= len(stored) || stored[j].Kind != kind {
		return listen.Channel{}, false
	}
	return stored[j], true
}

// UpdateRuleFrom is UpdateRule for an editor that can remove channels:
// from[i] is the place in the stored rule of the channel that
// r.Channels[i] was shown as, or -1 for a new one, so that a removed
// channel does not hand the one after it its stored URL and secret. A
// nil from matches by position.
func (s *Service) UpdateRuleFrom(ctx context.Context, ws, id int64, r listen.AlertRule, from []int) (listen.AlertRule, error) {
	old, err := s.store.AlertRule(ctx, ws, id)
	if err != nil {
		return r, err
	}
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return r, err
	}
	for i := range r.Channels {
		was, ok := StoredChannel(old.Channels, from, i, r.Channels[i].Kind)
		if !ok {
			continue
		}
		if r.Channels[i].Secret == "" {
			r.Channels[i].Secret = was.Secret
		}
		if r.Channels[i].URL == "" || r.Channels[i].URL == notify.RedactURL(was.URL) {
			r.Channels[i].URL = was.URL
		}
	}
	r.ID, r.LastFiredAt = id, old.LastFiredAt
	if err := s.validate(ctx, r, topics, old.Channels); err != nil {
		return r, err
	}
	return s.store.UpdateAlertRule(ctx, ws, r)
}

// SetEnabled pauses (on false) or resumes a rule. It changes nothing
// Validate judges, so it does not validate: a rule stored before a check
// was tightened can always be paused, and resumed as it ran before;
// CheckRule says what to fix when it is edited. Returns apperr.NotFound
// if the rule is not the workspace's.
func (s *Service) SetEnabled(ctx context.Context, ws, id int64, on bool) (listen.AlertRule, error) {
	r, err := s.store.AlertRule(ctx, ws, id)
	if err != nil {
		return r, err
	}
	r.Enabled = on
	return s.store.UpdateAlertRule(ctx, ws, r)
}

// CheckRule returns the apperr.Invalid that saving the stored rule r
// unchanged would meet: what a check tightened since it was stored now
// refuses. Its webhook URLs are kept as stored, as UpdateRule keeps them.
func (s *Service) CheckRule(ctx context.Context, ws int64, r listen.AlertRule) error {
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return err
	}
	return s.validate(ctx, r, topics, r.Channels)
}

// DeleteRule deletes a rule. Returns apperr.NotFound if it is not the
// workspace's.
func (s *Service) DeleteRule(ctx context.Context, ws, id int64) error {
	return s.store.DeleteAlertRule(ctx, ws, id)
}

// Alerts lists alerts, newest first.
func (s *Service) Alerts(ctx context.Context, ws int64, f Filter) ([]listen.Alert, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return s.store.Alerts(ctx, ws, f)
}

// Detail is an alert with a page of the mentions it carries (MentionIDs):
// MaxAlertMentions a page, in the order they reached Chorus, the newest
// first; on a page the newest published first.
type Detail struct {
	listen.Alert
	Mentions []listen.Mention `json:"mentions"`
	// Page is the page of the carried mentions that Mentions holds, from
	// 1, of Pages (1 when the alert carries none).
	Page  int `json:"mentions_page"`
	Pages int `json:"mentions_pages"`
}

// Alert returns an alert with the first page of its mentions. Returns
// apperr.NotFound if it is not the workspace's.
func (s *Service) Alert(ctx context.Context, ws, id int64) (Detail, error) {
	return s.AlertPage(ctx, ws, id, 1)
}

// AlertPage returns an alert with the page-th page of the mentions it
// carries (Detail), reading at most MaxAlertMentions of them. Returns
// apperr.NotFound if the alert is not the workspace's, apperr.Invalid at
// "page" if it has no such page.
func (s *Service) AlertPage(ctx context.Context, ws, id int64, page int) (Detail, error) {
	a, err := s.store.Alert(ctx, ws, id)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Alert: a, Page: page, Pages: max(1, (len(a.MentionIDs)+MaxAlertMentions-1)/MaxAlertMentions)}
	if page < 1 || page > d.Pages {
		return Detail{}, noSuchPage(d.Pages)
	}
	lo, hi := d.Span()
	if d.Mentions, err = s.store.AlertMentions(ctx, ws, a.MentionIDs[lo:hi]); err != nil {
		return Detail{}, err
	}
	if d.Mentions == nil {
		d.Mentions = []listen.Mention{}
	}
	// The ids are in order of arrival, which a late or imported mention
	// puts out of time order; a reader follows the story by publication.
	slices.SortStableFunc(d.Mentions, func(x, y listen.Mention) int { return y.PublishedAt.Compare(x.PublishedAt) })
	return d, nil
}

// Span is where the page's mentions are among those the alert carries:
// MentionIDs[lo:hi], empty when it carries none. The page reads them by
// it and shows their places from it, so the two cannot disagree.
func (d Detail) Span() (lo, hi int) {
	n := len(d.MentionIDs)
	return min((d.Page-1)*MaxAlertMentions, n), min(d.Page*MaxAlertMentions, n)
}

// noSuchPage is the error of a page of an alert's mentions that is not
// one of its pages, 1 to pages: apperr.Invalid at "page".
func noSuchPage(pages int) error {
	args := map[string]any{"Pages": pages}
	return &apperr.Error{Code: apperr.Invalid, Key: "error.alert.mentions_page", Args: args,
		Fields: []apperr.FieldError{{Field: "page", Key: "error.alert.mentions_page", Args: args}}}
}

// MarkRead marks an alert read. Returns apperr.NotFound if it is not the
// workspace's.
func (s *Service) MarkRead(ctx context.Context, ws, id int64) (listen.Alert, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return s.store.MarkAlertRead(ctx, ws, id, now().UTC())
}
