// Package listen is listening, through all steps of the loop: what people
// online, customers and competitors say. Sources bring posts in; the
// pipeline normalizes, deduplicates, matches topics, detects language and
// sentiment, stores mentions and rolls them up; alert rules watch the
// roll-ups.
package listen

import "time"

// Topic kinds.
var TopicKinds = []string{"brand", "competitor", "product", "campaign", "crisis", "other"}

// Topic is a named query over mentions: the brand, a competitor, a product
// line, a campaign hashtag, crisis words. Query is in the language of
// package listen/query.
type Topic struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Kind         string    `json:"kind"`
	Query        string    `json:"query"`
	CompetitorID int64     `json:"competitor_id,omitempty"`
	Enabled      bool      `json:"enabled"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Source kinds: polled feeds and APIs, pushed webhooks, imported files and
// the workspace's own channels.
var SourceKinds = []string{"rss", "mastodon_tag", "mastodon_search", "bluesky_search", "weibo_search", "webhook", "import", "own_channel"}

// SourceProblem is why a poll failed: Text in plain English for operators
// and logs (secrets redacted), and, when the error has one, the catalog
// message Key with its Args for the UI.
type SourceProblem struct {
	Text string
	Key  string
	Args map[string]any
}

// Source is where mentions come from, with its health: last success, last
// error and how many items it has brought.
type Source struct {
	ID            int64             `json:"id"`
	WorkspaceID   int64             `json:"workspace_id,omitempty"`
	Kind          string            `json:"kind"`
	Name          string            `json:"name"`
	Config        map[string]string `json:"config"`
	Enabled       bool              `json:"enabled"`
	PollSeconds   int               `json:"poll_seconds"`
	Cursor        string            `json:"-"`
	ETag          string            `json:"-"`
	LastModified  string            `json:"-"`
	LastSuccessAt *time.Time        `json:"last_success_at,omitempty"`
	LastError     string            `json:"last_error,omitempty"`
	// LastErrorKey and LastErrorArgs name the catalog message of the last
	// error, when it has one: what the UI shows in its language.
	LastErrorKey  string         `json:"last_error_key,omitempty"`
	LastErrorArgs map[string]any `json:"last_error_args,omitempty"`
	LastErrorAt   *time.Time     `json:"last_error_at,omitempty"`
	Failures      int            `json:"failures"`
	ItemsFetched  int64          `json:"items_fetched"`
	NextPollAt    *time.Time     `json:"next_poll_at,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// Post is one item as a source delivers it, before the pipeline: untrusted
// text from outside.
type Post struct {
	SourceID        int64     `json:"source_id,omitempty"`
	SourceKind      string    `json:"source_kind"`
	ExternalID      string    `json:"external_id"`
	URL             string    `json:"url"`
	Author          string    `json:"author"`
	AuthorFollowers int64     `json:"author_followers"`
	Text            string    `json:"text"`
	Lang            string    `json:"lang,omitempty"`
	Likes           int64     `json:"likes"`
	Reposts         int64     `json:"reposts"`
	Comments        int64     `json:"comments"`
	PublishedAt     time.Time `json:"published_at"`
}

// Sentiment labels.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// Mention is a stored post with what the pipeline found: its normalized
// form's hash and SimHash, its repost cluster, language, sentiment and the
// topics it matched.
type Mention struct {
	ID                 int64     `json:"id"`
	SourceID           int64     `json:"source_id,omitempty"`
	SourceKind         string    `json:"source_kind"`
	ExternalID         string    `json:"external_id"`
	URL                string    `json:"url"`
	Author             string    `json:"author"`
	AuthorFollowers    int64     `json:"author_followers"`
	Text               string    `json:"text"`
	URLs               []string  `json:"urls,omitempty"`
	ContentHash        string    `json:"-"`
	SimHash            uint64    `json:"-"`
	ClusterID          int64     `json:"cluster_id,omitempty"`
	ClusterSize        int       `json:"cluster_size"`
	Lang               string    `json:"lang"`
	Sentiment          string    `json:"sentiment"`
	PPositive          float64   `json:"p_positive"`
	PNeutral           float64   `json:"p_neutral"`
	PNegative          float64   `json:"p_negative"`
	SentimentCorrected bool      `json:"sentiment_corrected"`
	Likes              int64     `json:"likes"`
	Reposts            int64     `json:"reposts"`
	Comments           int64     `json:"comments"`
	TopicIDs           []int64   `json:"topic_ids"`
	PublishedAt        time.Time `json:"published_at"`
	FetchedAt          time.Time `json:"fetched_at"`
}

// Alert rule kinds.
var AlertKinds = []string{"volume_spike", "negative_spike", "crisis_word"}

// AlertRule watches a topic (or all topics when TopicID is 0): a volume
// spike is a z-score against the same hour's rolling baseline, a negative
// spike the negative share's rise, a crisis word any hit of a crisis
// topic. Quiet is the minimum time between two alerts of one rule.
type AlertRule struct {
	ID           int64             `json:"id"`
	WorkspaceID  int64             `json:"workspace_id,omitempty"`
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	TopicID      int64             `json:"topic_id,omitempty"`
	Threshold    float64           `json:"threshold"`
	QuietMinutes int               `json:"quiet_minutes"`
	Channels     []Channel         `json:"channels"`
	Enabled      bool              `json:"enabled"`
	LastFiredAt  *time.Time        `json:"last_fired_at,omitempty"`
	Extra        map[string]string `json:"extra,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// Channel is where an alert is delivered besides the in-app list: a chat
// webhook (wecom, dingtalk with its signing secret, feishu, slack) or
// e-mail.
type Channel struct {
	Kind   string `json:"kind"`
	URL    string `json:"url,omitempty"`
	Secret string `json:"secret,omitempty"`
	Email  string `json:"email,omitempty"`
}

// Alert is a fired rule, with the mentions that caused it; unread alerts
// are the in-app notification list.
type Alert struct {
	ID          int64          `json:"id"`
	WorkspaceID int64          `json:"workspace_id,omitempty"`
	RuleID      int64          `json:"rule_id,omitempty"`
	TopicID     int64          `json:"topic_id,omitempty"`
	Kind        string         `json:"kind"`
	Value       float64        `json:"value"`
	Baseline    float64        `json:"baseline"`
	Detail      map[string]any `json:"detail,omitempty"`
	MentionIDs  []int64        `json:"mention_ids"`
	FiredAt     time.Time      `json:"fired_at"`
	ReadAt      *time.Time     `json:"read_at,omitempty"`
	// DeliveryDueAt is when the next try of the alert's deliveries to its
	// rule's channels is due, nil when none is left; DeliveryAttempts
	// counts the tries made. Detail's "delivery" holds each channel's
	// outcome.
	DeliveryDueAt    *time.Time `json:"delivery_due_at,omitempty"`
	DeliveryAttempts int        `json:"delivery_attempts,omitempty"`
}

// Caused is how many mentions caused the alert: for a crisis-word alert its
// value, the count of new crisis mentions, which MentionIDs holds (alerts
// fired before it held them all kept only the first 50); for a spike the
// mentions it keeps as examples.
func (a Alert) Caused() int {
	if a.Kind == "crisis_word" {
		return int(a.Value)
	}
	return len(a.MentionIDs)
}
