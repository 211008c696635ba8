package store_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/query"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestMentionsStreamPages: the stream under each filter alone and
// combined, paged with BeforeID, is every mention the filter selects,
// newest published first and by id within a time, each once, whichever
// way the query reads them (a topic's matches in their own order, or the
// mentions by time).
func TestMentionsStreamPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		busy, err := db.CreateTopic(ctx, ws, listen.Topic{Name: "busy", Kind: "brand", Query: "oat", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		quiet, err := db.CreateTopic(ctx, ws, listen.Topic{Name: "quiet", Kind: "product", Query: "latte", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		kinds := []string{"weibo", "weibo_search", "rss", "import"}
		langs := []string{listen.LangZH, listen.LangZH, listen.LangEN, listen.LangOther}
		sentiments := []string{listen.Positive, listen.Neutral, listen.Negative}
		var batch []listen.NewMention
		for i := range 240 {
			var topics []int64
			if i%2 == 0 {
				topics = append(topics, busy.ID)
			}
			if i%7 == 0 {
				topics = append(topics, quiet.ID)
			}
			// Three mentions a minute, so that a page may end inside a
			// minute; stored out of time order, as a backfill is.
			published := at.Add(-time.Duration((i*37)%240/3) * time.Minute)
			batch = append(batch, listen.NewMention{Mention: listen.Mention{SourceKind: kinds[i%4], ExternalID: fmt.Sprint("s", i), Text: "t", ContentHash: fmt.Sprint("s", i),
				Lang: langs[i%len(langs)], Sentiment: sentiments[i%3], TopicIDs: topics, PublishedAt: published, FetchedAt: at}, ClusterIndex: -1})
		}
		ids, _, err := db.SaveMentions(ctx, ws, batch, listen.NearSync{})
		if err != nil {
			t.Fatal(err)
		}
		// Another workspace's mentions, at the same times, are never shown.
		other := linkTestWorkspace(t, db)
		theirs, err := db.CreateTopic(ctx, other, listen.Topic{Name: "busy", Kind: "brand", Query: "oat", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SaveMentions(ctx, other, []listen.NewMention{{Mention: listen.Mention{SourceKind: "weibo", ExternalID: "o", Text: "t", ContentHash: "o",
			Lang: listen.LangZH, Sentiment: listen.Positive, TopicIDs: []int64{theirs.ID}, PublishedAt: at, FetchedAt: at}, ClusterIndex: -1}}, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}

		from, to := at.Add(-50*time.Minute), at.Add(-10*time.Minute)
		for _, tt := range []struct {
			name string
			f    listen.MentionFilter
		}{
			{"none", listen.MentionFilter{}},
			{"busy topic", listen.MentionFilter{TopicID: busy.ID}},
			{"quiet topic", listen.MentionFilter{TopicID: quiet.ID}},
			{"another workspace's topic", listen.MentionFilter{TopicID: theirs.ID}},
			{"sentiment", listen.MentionFilter{Sentiment: listen.Negative}},
			{"source", listen.MentionFilter{SourceKind: "weibo"}},
			{"language", listen.MentionFilter{Lang: listen.LangEN}},
			{"time", listen.MentionFilter{From: &from, To: &to}},
			{"topic and time", listen.MentionFilter{TopicID: busy.ID, From: &from, To: &to}},
			{"topic and sentiment", listen.MentionFilter{TopicID: busy.ID, Sentiment: listen.Positive}},
			{"all", listen.MentionFilter{TopicID: busy.ID, Sentiment: listen.Neutral, SourceKind: "rss", Lang: listen.LangEN, From: &from}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				var want []int64
				for i, n := range batch {
					m := n.Mention
					if (tt.f.TopicID == 0 || slices.Contains(m.TopicIDs, tt.f.TopicID)) &&
						(tt.f.Sentiment == "" || m.Sentiment == tt.f.Sentiment) &&
						(tt.f.SourceKind == "" || slices.Contains(query.Kinds(tt.f.SourceKind), m.SourceKind)) &&
						(tt.f.Lang == "" || m.Lang == tt.f.Lang) &&
						(tt.f.From == nil || !m.PublishedAt.Before(*tt.f.From)) &&
						(tt.f.To == nil || m.PublishedAt.Before(*tt.f.To)) {
						want = append(want, ids[i])
					}
				}
				if len(want) == 0 && tt.f.TopicID != theirs.ID {
					t.Fatal("the filter selects no mention: the case tests nothing")
				}
				published := map[int64]time.Time{}
				for i, id := range ids {
					published[id] = batch[i].PublishedAt
				}
				slices.SortFunc(want, func(a, b int64) int {
					if c := published[b].Compare(published[a]); c != 0 {
						return c
					}
					return cmp.Compare(b, a)
				})
				var got []int64
				f := tt.f
				f.Limit = 7
				for pages := 0; pages < 100; pages++ {
					ms, err := db.Mentions(ctx, ws, f)
					if err != nil {
						t.Fatal(err)
					}
					for _, m := range ms {
						got = append(got, m.ID)
					}
					if len(ms) < f.Limit {
						break
					}
					f.BeforeID = ms[len(ms)-1].ID
				}
				if !slices.Equal(got, want) {
					t.Errorf("paged by 7: %v\nwant %v", got, want)
				}
			})
		}
	})
}

// TestMentionsTextSearchFoldsEveryLetter: the stream's text search
// ignores case in every script, on both databases: a search for "café"
// finds a post that writes CAFÉ, as one in Greek or full-width letters
// finds its capitals.
func TestMentionsTextSearchFoldsEveryLetter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws := linkTestWorkspace(t, db)
		at := time.Now().UTC().Add(-time.Hour)
		texts := []string{"A SPECIALTY CAFÉ opened", "ΚΑΦΕΣ στην Αθήνα", "Ｃｏｆｆｅｅ in full width", "an oat latte", "星澜咖啡 100% 燕麦拿铁"}
		var batch []listen.NewMention
		for i, text := range texts {
			batch = append(batch, listen.NewMention{Mention: listen.Mention{SourceKind: "rss", ExternalID: fmt.Sprint("f", i), Text: text, ContentHash: fmt.Sprint("f", i),
				Lang: listen.LangOther, Sentiment: listen.Neutral, PublishedAt: at.Add(time.Duration(i) * time.Minute), FetchedAt: at}, ClusterIndex: -1})
		}
		if _, _, err := db.SaveMentions(ctx, ws, batch, listen.NearSync{}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ q, want string }{
			{"café", texts[0]},
			{"Specialty Café", texts[0]},
			{"καφεσ", texts[1]},
			{"ＣＯＦＦＥＥ", texts[2]},
			{"OAT", texts[3]},
			{"燕麦", texts[4]},
			{"100%", texts[4]},
			{"Specialty Caf", texts[0]},
		} {
			ms, err := db.Mentions(ctx, ws, listen.MentionFilter{Query: tt.q})
			if err != nil || len(ms) != 1 || ms[0].Text != tt.want {
				t.Errorf("search %q = %d mentions %v, %v; want %q", tt.q, len(ms), ms, err, tt.want)
			}
		}
	})
}
