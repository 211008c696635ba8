package insight

import (
	"context"
	"slices"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
)

// ShareOfVoice is METRICS.md's share_of_voice per day: brand mentions /
// (brand + every tracked competitor's mentions), same period. A mention
// of several brand topics is one brand mention, and a mention of several
// topics of one competitor one mention of that competitor. Share is nil
// on a day without any mention.
type ShareOfVoice struct {
	Days []string `json:"days"`
	// Brand is the brand's mentions per day: those of any brand topic.
	Brand []int64 `json:"brand"`
	// Competitors are the tracked competitors, each with its mentions and
	// its own share per day.
	Competitors []VoiceSeries `json:"competitors"`
	// Share is the brand's share per day.
	Share []*float64 `json:"share"`
	// Total is the brand's share over the whole period.
	Total *float64 `json:"total"`
	// BrandTopics names the topics counted as the brand.
	BrandTopics []TopicRef `json:"brand_topics"`
}

// VoiceSeries is one competitor's daily mentions and share: the mentions
// of any of its Topics, the competitor topics of one brand competitor (a
// competitor topic of none is a competitor of its own). Topic is the
// first of them, which names the competitor.
type VoiceSeries struct {
	Topic    TopicRef   `json:"topic"`
	Topics   []TopicRef `json:"topics"`
	Mentions []int64    `json:"mentions"`
	Share    []*float64 `json:"share"`
}

func ratio(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	v := float64(a) / float64(b)
	return &v
}

// voices returns the brand's topics and each competitor's topics.
func voices(topics []TopicRef) (brand []TopicRef, comps [][]TopicRef) {
	at := map[int64]int{}
	for _, t := range topicIDsOfKind(topics, "competitor") {
		if i, ok := at[t.CompetitorID]; ok && t.CompetitorID != 0 {
			comps[i] = append(comps[i], t)
			continue
		}
		at[t.CompetitorID] = len(comps)
		comps = append(comps, []TopicRef{t})
	}
	return topicIDsOfKind(topics, "brand"), comps
}

// voiceRollups counts per hour in [from, to) the brand's mentions and
// each competitor's, a mention once per voice however many of its
// topics it matches, exact to the minute at from, to and cuts.
func (s *Service) voiceRollups(ctx context.Context, ws int64, brand []TopicRef, comps [][]TopicRef, from, to time.Time, cuts []time.Time) ([]listen.Rollup, [][]listen.Rollup, error) {
	sels := [][]int64{ids(brand)}
	for _, c := range comps {
		sels = append(sels, ids(c))
	}
	rows, err := s.exactRollups(ctx, ws, sels, s.store.VoiceRollups, from, to, cuts...)
	if err != nil {
		return nil, nil, err
	}
	return rows[0], rows[1:], nil
}

// rollupReader reads hourly roll-ups of selections of topics, out[i] of
// sels[i]: VoiceRollups, or TopicRollups of one (topicRollups).
type rollupReader func(ctx context.Context, ws int64, sels [][]int64, from, to time.Time) ([][]listen.Rollup, error)

// topicRollups is TopicRollups as a rollupReader of one selection.
func (s *Service) topicRollups(ctx context.Context, ws int64, sels [][]int64, from, to time.Time) ([][]listen.Rollup, error) {
	rows, err := s.store.TopicRollups(ctx, ws, sels[0], from, to)
	return [][]listen.Rollup{rows}, err
}

// exactRollups reads the roll-ups of each selection of topics of sels in
// [from, to) with read, exact to the minute at from, at to and at each
// of cuts (the starts of days, of scopes) in between: an hour that one of
// them falls inside (a time given to the minute, a time zone half an
// hour off UTC) comes as its mentions, one by one at their own times,
// instead of its roll-up, which would count them all on one side of the
// cut. out[i] is sels[i]'s.
func (s *Service) exactRollups(ctx context.Context, ws int64, sels [][]int64, read rollupReader, from, to time.Time, cuts ...time.Time) ([][]listen.Rollup, error) {
	cut := map[int64]bool{}
	var hours []time.Time
	for _, c := range append([]time.Time{from, to}, cuts...) {
		h := c.UTC().Truncate(time.Hour)
		if h.Equal(c) || c.Before(from) || c.After(to) || cut[h.Unix()] {
			continue
		}
		cut[h.Unix()] = true
		hours = append(hours, h)
	}
	start, end := from.UTC().Truncate(time.Hour), to.UTC().Truncate(time.Hour)
	if end.Before(to) {
		end = end.Add(time.Hour)
	}
	out, err := read(ctx, ws, sels, start, end)
	if err != nil || len(hours) == 0 {
		return out, err
	}
	ms, err := s.store.CutHourVoices(ctx, ws, sels, hours)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i] = slices.DeleteFunc(out[i], func(r listen.Rollup) bool { return cut[r.Hour.Unix()] })
		for _, m := range ms[i] {
			if !m.Hour.Before(from) && m.Hour.Before(to) {
				out[i] = append(out[i], m)
			}
		}
	}
	return out, nil
}

// ShareOfVoice computes the brand's share of voice against each
// competitor per day of p in its time zone.
func (s *Service) ShareOfVoice(ctx context.Context, ws int64, p Period) (ShareOfVoice, error) {
	if err := p.Validate(); err != nil {
		return ShareOfVoice{}, err
	}
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return ShareOfVoice{}, err
	}
	brand, comps := voices(topics)
	ds, index := days(p)
	own, others, err := s.voiceRollups(ctx, ws, brand, comps, p.From, p.To, ds)
	if err != nil {
		return ShareOfVoice{}, err
	}
	perDay := func(rows []listen.Rollup) []int64 {
		out := make([]int64, len(ds))
		for _, r := range rows {
			if d := index(r.Hour); d >= 0 {
				out[d] += r.Volume
			}
		}
		return out
	}
	out := ShareOfVoice{Days: dayLabels(ds), Brand: perDay(own), Share: make([]*float64, len(ds)), BrandTopics: brand, Competitors: []VoiceSeries{}}
	if out.BrandTopics == nil {
		out.BrandTopics = []TopicRef{}
	}
	for i, c := range comps {
		out.Competitors = append(out.Competitors, VoiceSeries{Topic: c[0], Topics: c, Mentions: perDay(others[i]), Share: make([]*float64, len(ds))})
	}
	var brandSum, allSum int64
	for d := range ds {
		total := out.Brand[d]
		for _, c := range out.Competitors {
			total += c.Mentions[d]
		}
		out.Share[d] = ratio(out.Brand[d], total)
		for i := range out.Competitors {
			out.Competitors[i].Share[d] = ratio(out.Competitors[i].Mentions[d], total)
		}
		brandSum += out.Brand[d]
		allSum += total
	}
	out.Total = ratio(brandSum, allSum)
	return out, nil
}

// SentimentPoint is one day of a topic's sentiment: the counts, and
// METRICS.md's positive_ratio and net_sentiment (nil without mentions).
// Reach is the sum of the mentions' authors' followers.
type SentimentPoint struct {
	Day          string   `json:"day"`
	Volume       int64    `json:"volume"`
	Positive     int64    `json:"positive"`
	Neutral      int64    `json:"neutral"`
	Negative     int64    `json:"negative"`
	Reach        int64    `json:"reach"`
	PositiveRate *float64 `json:"positive_ratio"`
	NetSentiment *float64 `json:"net_sentiment"`
}

// SentimentSeries is a topic's sentiment per day of a period.
type SentimentSeries struct {
	Topic  *TopicRef        `json:"topic,omitempty"`
	Points []SentimentPoint `json:"points"`
	Total  SentimentPoint   `json:"total"`
}

func (sp *SentimentPoint) add(r listen.Rollup) {
	sp.Volume += r.Volume
	sp.Positive += r.Positive
	sp.Neutral += r.Neutral
	sp.Negative += r.Negative
	sp.Reach += r.Reach
}

func (sp *SentimentPoint) finish() {
	sp.PositiveRate = ratio(sp.Positive, sp.Positive+sp.Neutral+sp.Negative)
	sp.NetSentiment = ratio(sp.Positive-sp.Negative, sp.Positive+sp.Negative)
}

// Sentiment returns the sentiment of a topic per day of p; when topicID
// is 0, of the mentions of any topic of the workspace, each counted once.
// Returns apperr.NotFound if the topic is not the workspace's.
func (s *Service) Sentiment(ctx context.Context, ws, topicID int64, p Period) (SentimentSeries, error) {
	if err := p.Validate(); err != nil {
		return SentimentSeries{}, err
	}
	var out SentimentSeries
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return out, err
	}
	sel, rollups := ids(topics), rollupReader(s.store.VoiceRollups)
	if topicID != 0 {
		t, err := findTopic(topics, topicID)
		if err != nil {
			return out, err
		}
		out.Topic, sel, rollups = &t, []int64{t.ID}, s.topicRollups
	}
	ds, index := days(p)
	read, err := s.exactRollups(ctx, ws, [][]int64{sel}, rollups, p.From, p.To, ds...)
	if err != nil {
		return out, err
	}
	rows := read[0]
	out.Points = make([]SentimentPoint, len(ds))
	for i, d := range ds {
		out.Points[i].Day = d.Format("2006-01-02")
	}
	for _, r := range rows {
		if d := index(r.Hour); d >= 0 {
			out.Points[d].add(r)
		}
	}
	out.Total.Day = "total"
	for i := range out.Points {
		pt := &out.Points[i]
		pt.finish()
		out.Total.Volume += pt.Volume
		out.Total.Positive += pt.Positive
		out.Total.Neutral += pt.Neutral
		out.Total.Negative += pt.Negative
		out.Total.Reach += pt.Reach
	}
	out.Total.finish()
	return out, nil
}

// MaxAuthors bounds the top-authors list.
const MaxAuthors = 100

// Authors returns the top authors by reach (followers) in p, of a topic
// when topicID is set.
func (s *Service) Authors(ctx context.Context, ws, topicID int64, p Period, limit int) ([]AuthorStat, error) {
	sel, err := s.selection(ctx, ws, topicID, p)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxAuthors {
		limit = 20
	}
	return s.store.TopAuthors(ctx, ws, sel, p.From, p.To, limit)
}

// Sources counts the mentions of p per source kind, of a topic when
// topicID is set.
func (s *Service) Sources(ctx context.Context, ws, topicID int64, p Period) ([]SourceStat, error) {
	sel, err := s.selection(ctx, ws, topicID, p)
	if err != nil {
		return nil, err
	}
	return s.store.SourceBreakdown(ctx, ws, sel, p.From, p.To)
}

// selection validates p and topicID and returns the topic filter.
func (s *Service) selection(ctx context.Context, ws, topicID int64, p Period) ([]int64, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if topicID == 0 {
		return nil, nil
	}
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return nil, err
	}
	if _, err := findTopic(topics, topicID); err != nil {
		return nil, err
	}
	return []int64{topicID}, nil
}
