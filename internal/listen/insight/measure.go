package insight

import (
	"context"
	"time"
)

// Measure returns the listening figures of METRICS.md for the brand over
// [from, to): mentions (the brand topics' volume), share_of_voice against
// every competitor topic, and the brand's positive_ratio and
// net_sentiment, each left out when its denominator is 0. It is one of the
// campaign package's Measurers: a campaign's voice is its brand's voice
// while it runs. Listening is not split by platform, so a platform's
// target (platform not "") gets no figures.
func (s *Service) Measure(ctx context.Context, ws, _ int64, platform string, from, to time.Time) (map[string]float64, error) {
	if platform != "" {
		return nil, nil
	}
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return nil, err
	}
	brand, comps := topicIDsOfKind(topics, "brand"), topicIDsOfKind(topics, "competitor")
	if len(brand) == 0 {
		return nil, nil
	}
	isBrand := map[int64]bool{}
	for _, b := range brand {
		isBrand[b.ID] = true
	}
	rows, err := s.store.TopicRollups(ctx, ws, append(ids(brand), ids(comps)...), from, to)
	if err != nil {
		return nil, err
	}
	var own SentimentPoint
	var all int64
	for _, r := range rows {
		all += r.Volume
		if isBrand[r.TopicID] {
			own.Volume += r.Volume
			own.Positive += r.Positive
			own.Neutral += r.Neutral
			own.Negative += r.Negative
		}
	}
	own.finish()
	out := map[string]float64{"mentions": float64(own.Volume)}
	for key, v := range map[string]*float64{"share_of_voice": ratio(own.Volume, all), "positive_ratio": own.PositiveRate, "net_sentiment": own.NetSentiment} {
		if v != nil {
			out[key] = *v
		}
	}
	return out, nil
}
