package insight

import (
	"context"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/metric"
)

// Measure returns, for each scope, the listening figures of METRICS.md for
// the brand: mentions (the brand topics' mentions, each once),
// share_of_voice against every competitor, and the brand's positive_ratio and
// net_sentiment, each left out when its denominator is 0. It is one of the
// campaign package's Measurers: a campaign's voice is its brand's voice
// while it runs. Listening is not split by platform, so a platform's scope
// gets no figures; nor does any scope without a brand topic.
func (s *Service) Measure(ctx context.Context, ws, _ int64, scopes []metric.Scope) ([]map[string]float64, error) {
	out := make([]map[string]float64, len(scopes))
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return nil, err
	}
	brand, comps := voices(topics)
	var all []int // the scopes on every platform
	for i, sc := range scopes {
		if sc.Platform == "" && len(brand) > 0 {
			all = append(all, i)
		}
	}
	if len(all) == 0 {
		return out, nil
	}
	from, to := scopes[all[0]].From, scopes[all[0]].To
	var cuts []time.Time
	for _, i := range all {
		from, to = earliest(from, scopes[i].From), latest(to, scopes[i].To)
		cuts = append(cuts, scopes[i].From, scopes[i].To)
	}
	own, others, err := s.voiceRollups(ctx, ws, brand, comps, from, to, cuts)
	if err != nil {
		return nil, err
	}
	for _, i := range all {
		sc := scopes[i]
		in := func(rows []listen.Rollup) SentimentPoint {
			var pt SentimentPoint
			for _, r := range rows {
				if !r.Hour.Before(sc.From) && r.Hour.Before(sc.To) {
					pt.add(r)
				}
			}
			return pt
		}
		mine := in(own)
		mine.finish()
		voice := mine.Volume
		for _, rows := range others {
			voice += in(rows).Volume
		}
		fig := map[string]float64{"mentions": float64(mine.Volume)}
		for key, v := range map[string]*float64{"share_of_voice": ratio(mine.Volume, voice), "positive_ratio": mine.PositiveRate, "net_sentiment": mine.NetSentiment} {
			if v != nil {
				fig[key] = *v
			}
		}
		out[i] = fig
	}
	return out, nil
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
