package insight

import (
	"context"
)

// ShareOfVoice is METRICS.md's share_of_voice per day: brand mentions /
// (brand + every tracked competitor's mentions), same period, from the
// roll-ups. Share is nil on a day without any mention.
type ShareOfVoice struct {
	Days []string `json:"days"`
	// Brand is the brand topics' mentions per day, summed.
	Brand []int64 `json:"brand"`
	// Competitors are the competitor topics, each with its mentions and
	// its own share per day.
	Competitors []VoiceSeries `json:"competitors"`
	// Share is the brand's share per day.
	Share []*float64 `json:"share"`
	// Total is the brand's share over the whole period.
	Total *float64 `json:"total"`
	// BrandTopics names the topics counted as the brand.
	BrandTopics []TopicRef `json:"brand_topics"`
}

// VoiceSeries is one competitor topic's daily mentions and share.
type VoiceSeries struct {
	Topic    TopicRef   `json:"topic"`
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

// ShareOfVoice computes the brand's share of voice against each
// competitor topic per day of p in its time zone.
func (s *Service) ShareOfVoice(ctx context.Context, ws int64, p Period) (ShareOfVoice, error) {
	if err := p.Validate(); err != nil {
		return ShareOfVoice{}, err
	}
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return ShareOfVoice{}, err
	}
	brand, comps := topicIDsOfKind(topics, "brand"), topicIDsOfKind(topics, "competitor")
	ds, index := days(p)
	out := ShareOfVoice{Days: dayLabels(ds), Brand: make([]int64, len(ds)), Share: make([]*float64, len(ds)), BrandTopics: brand, Competitors: []VoiceSeries{}}
	if out.BrandTopics == nil {
		out.BrandTopics = []TopicRef{}
	}
	compIdx := map[int64]int{}
	for i, c := range comps {
		compIdx[c.ID] = i
		out.Competitors = append(out.Competitors, VoiceSeries{Topic: c, Mentions: make([]int64, len(ds)), Share: make([]*float64, len(ds))})
	}
	isBrand := map[int64]bool{}
	for _, b := range brand {
		isBrand[b.ID] = true
	}
	all := append(ids(brand), ids(comps)...)
	if len(all) > 0 {
		rows, err := s.store.TopicRollups(ctx, ws, all, p.From, p.To)
		if err != nil {
			return ShareOfVoice{}, err
		}
		for _, r := range rows {
			d := index(r.Hour)
			if d < 0 {
				continue
			}
			if isBrand[r.TopicID] {
				out.Brand[d] += r.Volume
			} else if i, ok := compIdx[r.TopicID]; ok {
				out.Competitors[i].Mentions[d] += r.Volume
			}
		}
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

func (sp *SentimentPoint) finish() {
	sp.PositiveRate = ratio(sp.Positive, sp.Positive+sp.Neutral+sp.Negative)
	sp.NetSentiment = ratio(sp.Positive-sp.Negative, sp.Positive+sp.Negative)
}

// Sentiment returns the sentiment of a topic (every topic of the
// workspace, summed, when topicID is 0) per day of p. Returns
// apperr.NotFound if the topic is not the workspace's.
func (s *Service) Sentiment(ctx context.Context, ws, topicID int64, p Period) (SentimentSeries, error) {
	if err := p.Validate(); err != nil {
		return SentimentSeries{}, err
	}
	var out SentimentSeries
	var sel []int64
	if topicID != 0 {
		topics, err := s.store.InsightTopics(ctx, ws)
		if err != nil {
			return out, err
		}
		t, err := findTopic(topics, topicID)
		if err != nil {
			return out, err
		}
		out.Topic, sel = &t, []int64{t.ID}
	}
	rows, err := s.store.TopicRollups(ctx, ws, sel, p.From, p.To)
	if err != nil {
		return out, err
	}
	ds, index := days(p)
	out.Points = make([]SentimentPoint, len(ds))
	for i, d := range ds {
		out.Points[i].Day = d.Format("2006-01-02")
	}
	for _, r := range rows {
		d := index(r.Hour)
		if d < 0 {
			continue
		}
		pt := &out.Points[d]
		pt.Volume += r.Volume
		pt.Positive += r.Positive
		pt.Neutral += r.Neutral
		pt.Negative += r.Negative
		pt.Reach += r.Reach
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
