package insight_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/metric"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// A mention that matches several topics is one mention of the workspace,
// of the brand, and of a competitor, however many of their topics it
// matches; only a topic's own series counts it per topic.
func TestMentionOfSeveralTopicsCountsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		brand, brandAlias := f.topic(t, "Acme", "brand"), f.topic(t, "艾克美", "brand")
		rival, rivalProduct := f.competitorTopic(t, "Rival", 7), f.competitorTopic(t, "Rival Pro", 7)
		f.competitorTopic(t, "Other", 0) // no mention this day
		crisis := f.topic(t, "危机", "crisis")
		at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
		f.post(t, 1, "positive", 100, at, brand, brandAlias)
		f.post(t, 2, "negative", 1000, at, brand, crisis)
		f.post(t, 1, "negative", 10, at, rival, rivalProduct)
		f.post(t, 1, "neutral", 10, at, rival)
		f.post(t, 1, "neutral", 10, at, crisis)

		s := insight.NewService(db)
		p := insight.Period{From: at.Truncate(24 * time.Hour), To: at.Truncate(24*time.Hour).AddDate(0, 0, 1), Loc: time.UTC}
		all, err := s.Sentiment(ctx, f.ws, 0, p)
		must(t, err)
		// 6 mentions (1 positive, 2 neutral, 3 negative): net (1−3)/(1+3).
		tot := all.Total
		if tot.Volume != 6 || tot.Positive != 1 || tot.Neutral != 2 || tot.Negative != 3 || tot.Reach != 2130 || *tot.NetSentiment != -0.5 {
			t.Errorf("all topics: %d mentions (%d/%d/%d), reach %d, net %v; want 6 (1/2/3), reach 2130, net -0.5",
				tot.Volume, tot.Positive, tot.Neutral, tot.Negative, tot.Reach, *tot.NetSentiment)
		}
		one, err := s.Sentiment(ctx, f.ws, brand, p)
		must(t, err)
		if one.Total.Volume != 3 {
			t.Errorf("topic Acme: %d mentions, want 3", one.Total.Volume)
		}

		sov, err := s.ShareOfVoice(ctx, f.ws, p)
		must(t, err)
		var comps []string
		for _, c := range sov.Competitors {
			comps = append(comps, fmt.Sprintf("%s(%d topics) %v", c.Topic.Name, len(c.Topics), c.Mentions))
		}
		// Brand 3, Rival 2 (of its two topics), Other 0.
		if fmt.Sprint(sov.Brand, comps) != "[3] [Rival(2 topics) [2] Other(1 topics) [0]]" || *sov.Total != 0.6 {
			t.Errorf("share of voice: brand %v, competitors %v, share %v; want [3], [Rival(2 topics) [2] Other(1 topics) [0]], 0.6", sov.Brand, comps, *sov.Total)
		}

		figs, err := s.Measure(ctx, f.ws, 1, []metric.Scope{{From: p.From, To: p.To}})
		must(t, err)
		want := map[string]float64{"mentions": 3, "share_of_voice": 0.6, "positive_ratio": 1.0 / 3, "net_sentiment": -1.0 / 3}
		if fmt.Sprint(figs[0]) != fmt.Sprint(want) {
			t.Errorf("campaign figures = %v, want %v", figs[0], want)
		}
	})
}

// "All topics" is the mentions of any topic for every figure: a source's
// posts that match no topic are in the stream but in no insight, as the
// roll-ups that make sentiment over all topics leave them out.
func TestAllTopicsMeansAnyTopic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		brand := f.topic(t, "Acme", "brand")
		at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
		var batch []listen.NewMention
		for i, author := range []string{"fan", "fan", "stranger", "stranger", "stranger"} {
			m := listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint("any-", i), Author: author, AuthorFollowers: 10, Text: fmt.Sprint("post ", i),
				ContentHash: fmt.Sprint("any-", i), Sentiment: "positive", PublishedAt: at, FetchedAt: at}
			if author == "fan" {
				m.TopicIDs = []int64{brand}
			} else {
				m.AuthorFollowers, m.Sentiment = 99999, "negative" // no topic
			}
			batch = append(batch, listen.NewMention{Mention: m, ClusterIndex: -1})
		}
		_, _, err := db.SaveMentions(ctx, f.ws, batch, listen.NearSync{})
		must(t, err)
		s := insight.NewService(db)
		p := insight.Period{From: at.Truncate(24 * time.Hour), To: at.Truncate(24*time.Hour).AddDate(0, 0, 1), Loc: time.UTC}
		sent, err := s.Sentiment(ctx, f.ws, 0, p)
		must(t, err)
		hot, err := s.HotTerms(ctx, f.ws, 0, p)
		must(t, err)
		authors, err := s.Authors(ctx, f.ws, 0, p, 10)
		must(t, err)
		sources, err := s.Sources(ctx, f.ws, 0, p)
		must(t, err)
		var bySource, followers int64
		for _, src := range sources {
			bySource += src.Mentions
		}
		for _, a := range authors {
			followers = max(followers, a.Followers)
		}
		if sent.Total.Volume != 2 || hot.Mentions != 2 || bySource != 2 || followers != 10 {
			t.Errorf("all topics: sentiment %d mentions, hot terms %d, sources %d, largest following %d; want 2, 2, 2, 10",
				sent.Total.Volume, hot.Mentions, bySource, followers)
		}
	})
}

// A mention whose topics were all deleted since is of no topic: "all
// topics" leaves it out of every figure, as the roll-ups that make
// sentiment over all topics do, while a mention also of a topic still
// there stays.
func TestAllTopicsLeaveOutDeletedTopics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		brand := f.topic(t, "Acme", "brand")
		old := f.topic(t, "Old campaign", "brand")
		at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
		var batch []listen.NewMention
		for i, topics := range [][]int64{{brand}, {brand, old}, {brand}, {old}, {old}, {old}} {
			m := listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint("del-", i), Author: fmt.Sprint("fan", i), AuthorFollowers: 10, Text: fmt.Sprint("post ", i),
				ContentHash: fmt.Sprint("del-", i), Sentiment: "positive", TopicIDs: topics, PublishedAt: at, FetchedAt: at}
			if len(topics) == 1 && topics[0] == old {
				m.SourceKind, m.AuthorFollowers, m.Sentiment = "weibo", 99999, "negative"
			}
			batch = append(batch, listen.NewMention{Mention: m, ClusterIndex: -1})
		}
		_, _, err := db.SaveMentions(ctx, f.ws, batch, listen.NearSync{})
		must(t, err)
		must(t, db.DeleteTopic(ctx, f.ws, old))
		s := insight.NewService(db)
		p := insight.Period{From: at.Truncate(24 * time.Hour), To: at.Truncate(24*time.Hour).AddDate(0, 0, 1), Loc: time.UTC}
		sent, err := s.Sentiment(ctx, f.ws, 0, p)
		must(t, err)
		hot, err := s.HotTerms(ctx, f.ws, 0, p)
		must(t, err)
		authors, err := s.Authors(ctx, f.ws, 0, p, 10)
		must(t, err)
		sources, err := s.Sources(ctx, f.ws, 0, p)
		must(t, err)
		var bySource int64
		for _, src := range sources {
			bySource += src.Mentions
		}
		if sent.Total.Volume != 3 || hot.Mentions != 3 || bySource != 3 || len(authors) != 3 || len(sources) != 1 {
			t.Errorf("all topics after deleting one: sentiment %d mentions, hot terms %d, sources %d (%v), authors %d; want 3, 3, 3 (rss), 3",
				sent.Total.Volume, hot.Mentions, bySource, sources, len(authors))
		}
	})
}

// The sample of one topic, read from the topic's matches, is the one
// of several topics: the same mentions of the period, of the sentiment
// asked, up to the limit, newest first (ties by id).
func TestSampleOfOneTopic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, b, none := f.topic(t, "Acme", "brand"), f.topic(t, "Rival", "competitor"), f.topic(t, "Quiet", "custom")
		from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(0, 0, 1)
		f.posts(t, from.Add(-time.Second), 1, 0, 1, a) // before the period
		f.posts(t, from, 2, 1, 1, a)
		f.posts(t, from.Add(time.Hour), 1, 1, 2, a, b)
		f.posts(t, from.Add(2*time.Hour), 2, 0, 1, b)
		f.posts(t, from.Add(3*time.Hour), 2, 2, 1, a)
		f.posts(t, to, 1, 0, 1, a) // after it
		for _, c := range []struct {
			name      string
			sentiment string
			limit     int
			want      int
		}{
			{"all", "", 0, 13},
			{"sample", "", 6, 6},
			{"negative", "negative", 0, 4},
			{"sample of negative", "negative", 2, 2},
		} {
			t.Run(c.name, func(t *testing.T) {
				ids := func(topics ...int64) []int64 {
					ms, err := db.InsightMentions(ctx, f.ws, insight.MentionFilter{From: from, To: to, TopicIDs: topics, Sentiment: c.sentiment, Limit: c.limit})
					must(t, err)
					var out []int64
					for i, m := range ms {
						if i > 0 && (m.PublishedAt.After(ms[i-1].PublishedAt) || m.PublishedAt.Equal(ms[i-1].PublishedAt) && m.ID > ms[i-1].ID) {
							t.Errorf("topics %v: mention %d (%v) after %d (%v)", topics, m.ID, m.PublishedAt, ms[i-1].ID, ms[i-1].PublishedAt)
						}
						if c.sentiment != "" && m.Sentiment != c.sentiment {
							t.Errorf("topics %v: mention %d is %s, want %s", topics, m.ID, m.Sentiment, c.sentiment)
						}
					}
					for _, m := range ms {
						out = append(out, m.ID)
					}
					return out
				}
				one, several := ids(a), ids(a, none)
				if len(one) != c.want || !slices.Equal(one, several) {
					t.Errorf("sample of one topic %v, of it and a quiet one %v; want the same %d", one, several, c.want)
				}
			})
		}
	})
}

// TestSampleSpreadsOverThePeriod: a period with more mentions than the
// sample takes is sampled over all of it, in proportion to each day's
// mentions, for one topic, several and any: its newest mentions alone (a
// busy workspace's last two days of 90) made its hot terms and their
// trends those of its end.
func TestSampleSpreadsOverThePeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, b := f.topic(t, "Acme", "brand"), f.topic(t, "Rival", "competitor")
		from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		// Ten days of 20 mentions, the last of 100: a sample of 60 takes
		// about 4 a day and 20 of the last.
		for d := range 10 {
			n := 20
			if d == 9 {
				n = 100
			}
			f.posts(t, from.AddDate(0, 0, d).Add(time.Hour), n, 0, 0, a)
		}
		for _, topics := range [][]int64{{a}, {a, b}, nil} {
			ms, err := db.InsightMentions(ctx, f.ws, insight.MentionFilter{From: from, To: from.AddDate(0, 0, 10), TopicIDs: topics, Limit: 60})
			must(t, err)
			perDay := make([]int, 10)
			for _, m := range ms {
				perDay[int(m.PublishedAt.Sub(from)/(24*time.Hour))]++
			}
			if len(ms) != 60 {
				t.Errorf("topics %v: a sample of %d; want 60", topics, len(ms))
			}
			for d, n := range perDay {
				if lo, hi := 2, 7; d == 9 && (n < 15 || n > 25) || d < 9 && (n < lo || n > hi) {
					t.Errorf("topics %v: %d of the sample on day %d (per day %v); want about 4 a day, 20 on the last", topics, n, d+1, perDay)
					break
				}
			}
		}
	})
}

// Figures count a mention in the period and on the day it was published,
// to the minute, where a bound or a day's start falls inside an hour (a
// time given to the minute, a time zone half an hour off UTC): the
// hourly roll-ups alone counted a cut hour's mentions all on one side,
// so sentiment, share of voice and the campaign's figures disagreed with
// the sources and authors of the same period.
func TestFiguresCountToTheMinute(t *testing.T) {
	kolkata, err := time.LoadLocation("Asia/Kolkata") // UTC+5:30
	must(t, err)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		brand, rival := f.topic(t, "Acme", "brand"), f.competitorTopic(t, "Rival", 7)
		h := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC) // 18:30 UTC is midnight in Kolkata
		f.post(t, 1, "positive", 10, h.Add(10*time.Minute), brand)
		f.post(t, 1, "negative", 20, h.Add(50*time.Minute), brand)
		f.post(t, 1, "neutral", 40, h.Add(80*time.Minute), brand)
		f.post(t, 1, "neutral", 80, h.Add(50*time.Minute), rival)
		s := insight.NewService(db)
		for _, c := range []struct {
			name   string
			p      insight.Period
			days   string // the brand's mentions per day
			brand  int64  // its mentions, of which positive
			pos    int64
			rivals int64
		}{
			{"bounds inside hours", insight.Period{From: h.Add(30 * time.Minute), To: h.Add(90 * time.Minute), Loc: time.UTC}, "[2]", 2, 0, 1},
			{"bounds before a whole hour", insight.Period{From: h.Add(-30 * time.Minute), To: h.Add(30 * time.Minute), Loc: time.UTC}, "[1]", 1, 1, 0},
			{"days of a half-hour zone", insight.Period{From: h.Add(-24*time.Hour + 30*time.Minute), To: h.Add(24*time.Hour + 30*time.Minute), Loc: kolkata}, "[1 2]", 3, 1, 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				sent, err := s.Sentiment(ctx, f.ws, brand, c.p)
				must(t, err)
				var days []int64
				for _, pt := range sent.Points {
					days = append(days, pt.Volume)
				}
				all, err := s.Sentiment(ctx, f.ws, 0, c.p)
				must(t, err)
				sources, err := s.Sources(ctx, f.ws, 0, c.p)
				must(t, err)
				var bySource int64
				for _, src := range sources {
					bySource += src.Mentions
				}
				sov, err := s.ShareOfVoice(ctx, f.ws, c.p)
				must(t, err)
				var sovBrand, sovRival int64
				for d := range sov.Days {
					sovBrand += sov.Brand[d]
					sovRival += sov.Competitors[0].Mentions[d]
				}
				figs, err := s.Measure(ctx, f.ws, 1, []metric.Scope{{From: c.p.From, To: c.p.To}})
				must(t, err)
				if fmt.Sprint(days) != c.days || sent.Total.Volume != c.brand || sent.Total.Positive != c.pos {
					t.Errorf("brand per day %v, %d mentions (%d positive); want %s, %d (%d)", days, sent.Total.Volume, sent.Total.Positive, c.days, c.brand, c.pos)
				}
				if all.Total.Volume != bySource || bySource != c.brand+c.rivals {
					t.Errorf("all topics: sentiment %d mentions, sources %d; want %d", all.Total.Volume, bySource, c.brand+c.rivals)
				}
				if sovBrand != c.brand || sovRival != c.rivals || figs[0]["mentions"] != float64(c.brand) {
					t.Errorf("share of voice: brand %d, rival %d; campaign mentions %v; want %d, %d, %d", sovBrand, sovRival, figs[0]["mentions"], c.brand, c.rivals, c.brand)
				}
			})
		}
	})
}
