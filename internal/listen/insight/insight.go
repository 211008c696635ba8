// Package insight turns stored mentions into what a team reads: hot terms,
// share of voice, sentiment over time, top authors, sources and the terms
// people use with the brand in positive and negative mentions. A topic's
// series come from its hourly roll-ups; figures over several topics (all
// of them, the brand's, a competitor's) count each mention once, from
// the hourly roll-ups of the sets of topics mentions matched. Term statistics read mentions in bounded windows
// with bounded limits.
package insight

import (
	"context"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen"
)

// TopicRef is what insight needs of a topic.
type TopicRef struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	CompetitorID int64  `json:"competitor_id,omitempty"`
}

// MentionText is a mention as term statistics read it.
type MentionText struct {
	ID          int64
	Text        string
	Sentiment   string
	PublishedAt time.Time
}

// MentionFilter selects mentions for term statistics: in [From, To), of
// the topics TopicIDs, or of any topic when it is empty, of a sentiment
// when Sentiment is set, at most Limit, sampled over the whole period.
type MentionFilter struct {
	From, To  time.Time
	TopicIDs  []int64
	Sentiment string
	Limit     int
}

// AuthorStat is one author's mentions in a period: an account, a name on
// one source kind.
type AuthorStat struct {
	Author    string `json:"author"`
	Source    string `json:"source"`
	Followers int64  `json:"followers"`
	Mentions  int64  `json:"mentions"`
	Positive  int64  `json:"positive"`
	Negative  int64  `json:"negative"`
	// Engagement is likes + reposts + comments over the author's mentions.
	Engagement int64 `json:"engagement"`
}

// SourceStat is one source kind's mentions in a period.
type SourceStat struct {
	Source   string `json:"source"`
	Mentions int64  `json:"mentions"`
	Positive int64  `json:"positive"`
	Neutral  int64  `json:"neutral"`
	Negative int64  `json:"negative"`
}

// Store is what insight reads. Every method is scoped to the workspace ws.
type Store interface {
	// InsightTopics lists the workspace's topics.
	InsightTopics(ctx context.Context, ws int64) ([]TopicRef, error)
	// Topics lists the workspace's topics with their queries, whose terms
	// name the brand and its competitors for the segmenter.
	Topics(ctx context.Context, ws int64) ([]listen.Topic, error)
	// BrandItems returns the workspace's brand items of a kind; insight
	// reads the products (brand.KindProduct) for their names.
	BrandItems(ctx context.Context, ws int64, kind string) ([]brand.Doc, error)
	// TopicRollups returns the hourly roll-ups of the topics (every topic
	// of the workspace when topicIDs is empty) with hour in [from, to).
	TopicRollups(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time) ([]listen.Rollup, error)
	// VoiceRollups counts per hour in [from, to), for each selection of
	// topics (voice) of voices, the distinct mentions that match any of
	// its topics, which the roll-ups of several topics would count once
	// per topic (TopicID is 0; none for an empty selection): out[i] is
	// voices[i]'s, all read at once.
	VoiceRollups(ctx context.Context, ws int64, voices [][]int64, from, to time.Time) ([][]listen.Rollup, error)
	// CutHourVoices returns, for each selection of topics (voice) of
	// voices, the mentions of the whole UTC hours that start at hours
	// that match any of its topics (none for an empty selection), each
	// once, as a roll-up of one mention at its time of publication
	// (Hour): where a period's bound or a day's start falls inside an
	// hour, its roll-up cannot be split. out[i] is voices[i]'s.
	CutHourVoices(ctx context.Context, ws int64, voices [][]int64, hours []time.Time) ([][]listen.Rollup, error)
	// InsightMentions returns the mentions f selects (cluster members
	// included; of any topic when f.TopicIDs is empty), at most f.Limit,
	// newest first: when there are more, a sample spread evenly over the
	// period, the same for the same mentions.
	InsightMentions(ctx context.Context, ws int64, f MentionFilter) ([]MentionText, error)
	// MentionTexts returns the texts of the workspace's mentions among
	// ids, by id; ids of no mention of the workspace are left out.
	MentionTexts(ctx context.Context, ws int64, ids []int64) (map[int64]string, error)
	// TopAuthors returns the authors (name and source kind) of mentions
	// in [from, to) of the topics, or of any topic when none is given, by
	// followers then mentions, at most limit.
	TopAuthors(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time, limit int) ([]AuthorStat, error)
	// SourceBreakdown counts mentions in [from, to) of the topics, or of
	// any topic when none is given, per source kind.
	SourceBreakdown(ctx context.Context, ws int64, topicIDs []int64, from, to time.Time) ([]SourceStat, error)
}

// Period is a time range [From, To) and the workspace's time zone, where
// days begin.
type Period struct {
	From, To time.Time
	Loc      *time.Location
}

// MaxPeriod bounds every request: a year.
const MaxPeriod = 366 * 24 * time.Hour

// Validate checks the period's order and length.
func (p Period) Validate() error {
	var fs apperr.Fields
	switch {
	case p.From.IsZero() || p.To.IsZero():
		fs.Add("from", "error.insight.period_required")
	case !p.To.After(p.From):
		fs.Add("to", "error.insight.period_order")
	case p.To.Sub(p.From) > MaxPeriod:
		fs.Add("to", "error.insight.period_too_long", "Days", int(MaxPeriod.Hours()/24))
	}
	return fs.Err()
}

func (p Period) loc() *time.Location {
	if p.Loc == nil {
		return time.UTC
	}
	return p.Loc
}

// Service computes insights from a Store.
type Service struct {
	store Store
	// Now is the clock, for default periods; time.Now if nil.
	Now func() time.Time

	terms termMemo
}

// NewService returns insights over store.
func NewService(store Store) *Service { return &Service{store: store, Now: time.Now} }

// DefaultPeriod is the last 30 days up to the end of today in loc.
func (s *Service) DefaultPeriod(loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	now := s.Now().In(loc)
	end := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	return Period{From: end.AddDate(0, 0, -30), To: end, Loc: loc}
}

// days returns the starts of the days of p in its time zone, and the
// day index of a time.
func days(p Period) ([]time.Time, func(time.Time) int) {
	loc := p.loc()
	f := p.From.In(loc)
	start := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
	var ds []time.Time
	for d := start; d.Before(p.To); d = d.AddDate(0, 0, 1) {
		ds = append(ds, d)
	}
	pos := make(map[string]int, len(ds))
	for i, d := range ds {
		pos[d.Format("2006-01-02")] = i
	}
	// Calendar days, which a DST change keeps whole; -1 outside p.
	index := func(t time.Time) int {
		i, ok := pos[t.In(loc).Format("2006-01-02")]
		if !ok {
			return -1
		}
		return i
	}
	return ds, index
}

func dayLabels(ds []time.Time) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Format("2006-01-02")
	}
	return out
}

func topicIDsOfKind(ts []TopicRef, kind string) []TopicRef {
	var out []TopicRef
	for _, t := range ts {
		if t.Kind == kind {
			out = append(out, t)
		}
	}
	return out
}

func findTopic(ts []TopicRef, id int64) (TopicRef, error) {
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return TopicRef{}, apperr.NotFoundf("topic")
}

func ids(ts []TopicRef) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}
