package insight

import (
	"context"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// Bounds of term statistics: how many mentions one period reads, how many
// earlier periods hot terms compare with, and how many terms come back.
const (
	SampleLimit   = 5000
	PrevPeriods   = 3
	MaxTerms      = 50
	MaxCloudWords = 100
	MinTermCount  = 2
	ExampleIDs    = 5
)

// HotTerm is a term whose frequency in the period rose against the
// previous periods. Count is how many of the period's mentions use it,
// Previous the mean of the earlier periods (scaled to the same number of
// mentions), Score (Count+1)/(Previous+1) × ln(1+Count), Trend its daily
// counts for a chart, MentionIDs examples. The mean is of the earlier
// periods that have mentions.
type HotTerm struct {
	Term       string  `json:"term"`
	Phrase     bool    `json:"phrase"`
	Count      int     `json:"count"`
	Previous   float64 `json:"previous"`
	Score      float64 `json:"score"`
	Trend      []int   `json:"trend"`
	MentionIDs []int64 `json:"mention_ids"`
}

// CloudWord is one word of a word cloud (ECharts' {name, value}).
type CloudWord struct {
	Name  string `json:"name"`
	Value int    `json:"value"`
}

// HotTerms is the answer of Service.HotTerms: the rising terms, the most
// frequent ones for a word cloud, and the days their trends cover.
type HotTerms struct {
	Days      []string    `json:"days"`
	Terms     []HotTerm   `json:"terms"`
	Cloud     []CloudWord `json:"cloud"`
	Mentions  int         `json:"mentions"`
	Sampled   bool        `json:"sampled"`
	Previous  int         `json:"previous_mentions"`
	TopicID   int64       `json:"topic_id,omitempty"`
	Segmenter string      `json:"segmenter"`
}

// termStats counts, per term, the mentions using it.
type termStats struct {
	docs   int
	count  map[string]int
	phrase map[string][2]string // a phrase's two words
	ids    map[string][]int64
	byDay  map[string][]int
}

func (s *Service) countTerms(ms []MentionText, names *Names, dayIndex func(time.Time) int, nDays int) (*termStats, error) {
	terms, err := s.mentionTerms(ms, names)
	if err != nil {
		return nil, apperr.Wrap(err, "load the segmenter dictionary")
	}
	st := &termStats{docs: len(ms), count: map[string]int{}, phrase: map[string][2]string{}, ids: map[string][]int64{}, byDay: map[string][]int{}}
	for i, m := range ms {
		d := -1
		if dayIndex != nil {
			d = dayIndex(m.PublishedAt)
		}
		for _, t := range terms[i] {
			st.count[t.Text]++
			if t.Phrase() {
				st.phrase[t.Text] = t.Of
			}
			if len(st.ids[t.Text]) < ExampleIDs {
				st.ids[t.Text] = append(st.ids[t.Text], m.ID)
			}
			if d >= 0 {
				tr := st.byDay[t.Text]
				if tr == nil {
					tr = make([]int, nDays)
					st.byDay[t.Text] = tr
				}
				tr[d]++
			}
		}
	}
	return st, nil
}

// HotTerms finds the terms and two-word phrases whose share of the
// period's mentions (of a topic when topicID is set) rose most against the
// PrevPeriods periods of the same length before it.
func (s *Service) HotTerms(ctx context.Context, ws, topicID int64, p Period) (HotTerms, error) {
	sel, err := s.selection(ctx, ws, topicID, p)
	if err != nil {
		return HotTerms{}, err
	}
	cur, err := s.store.InsightMentions(ctx, ws, MentionFilter{From: p.From, To: p.To, TopicIDs: sel, Limit: SampleLimit})
	if err != nil {
		return HotTerms{}, err
	}
	names, all, err := s.names(ctx, ws)
	if err != nil {
		return HotTerms{}, err
	}
	// The topics whose mentions are read: the one asked for, or every
	// enabled topic; what they search for is in their mentions by
	// construction, which says nothing new.
	own, err := ownTerms(all, func(t listen.Topic) bool { return topicID == t.ID || topicID == 0 && t.Enabled }, names)
	if err != nil {
		return HotTerms{}, err
	}
	ds, index := days(p)
	now, err := s.countTerms(cur, names, index, len(ds))
	if err != nil {
		return HotTerms{}, err
	}
	// Earlier periods, each scaled to the current number of mentions; the
	// mean of those with mentions: one without any came before listening
	// began (or was silent), not a period in which no term was said.
	prev := map[string]float64{}
	length := p.To.Sub(p.From)
	prevDocs, listened := 0, 0
	for k := 1; k <= PrevPeriods; k++ {
		from := p.From.Add(-time.Duration(k) * length)
		ms, err := s.store.InsightMentions(ctx, ws, MentionFilter{From: from, To: from.Add(length), TopicIDs: sel, Limit: SampleLimit})
		if err != nil {
			return HotTerms{}, err
		}
		st, err := s.countTerms(ms, names, nil, 0)
		if err != nil {
			return HotTerms{}, err
		}
		prevDocs += st.docs
		if st.docs == 0 {
			continue
		}
		listened++
		scale := float64(max(now.docs, 1)) / float64(st.docs)
		for t, c := range st.count {
			prev[t] += float64(c) * scale
		}
	}
	for t := range prev {
		prev[t] /= float64(listened)
	}
	out := HotTerms{Days: dayLabels(ds), Mentions: len(cur), Sampled: len(cur) == SampleLimit, Previous: prevDocs, TopicID: topicID, Segmenter: "gse", Terms: []HotTerm{}, Cloud: []CloudWord{}}
	for t, c := range now.count {
		if c < MinTermCount || own.names(t, now.phrase[t]) {
			continue
		}
		pv := prev[t]
		score := (float64(c) + 1) / (pv + 1) * math.Log1p(float64(c))
		_, phrase := now.phrase[t]
		out.Terms = append(out.Terms, HotTerm{Term: t, Phrase: phrase, Count: c, Previous: math.Round(pv*100) / 100, Score: math.Round(score*1000) / 1000, Trend: now.byDay[t], MentionIDs: now.ids[t]})
	}
	out.Terms = dropWordsOfPhrases(out.Terms, now.phrase)
	sort.Slice(out.Terms, func(i, j int) bool {
		a, b := out.Terms[i], out.Terms[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Term < b.Term
	})
	if len(out.Terms) > MaxTerms {
		out.Terms = out.Terms[:MaxTerms]
	}
	out.Cloud = cloud(now, own, MaxCloudWords)
	return out, nil
}

// Examples returns, for each list of mention ids (a term's MentionIDs),
// the text of its first mention that is still there, or "" when none
// is. It reads all the lists' mentions at once.
func (s *Service) Examples(ctx context.Context, ws int64, lists [][]int64) ([]string, error) {
	var all []int64
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.Sort(all)
	texts, err := s.store.MentionTexts(ctx, ws, slices.Compact(all))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(lists))
	for i, l := range lists {
		for _, id := range l {
			if text, ok := texts[id]; ok {
				out[i] = text
				break
			}
		}
	}
	return out, nil
}

// WordInPhrase is the share of a word's mentions at which the word is
// left out of the hot terms for a phrase of it that is there too.
const WordInPhrase = 0.9

// dropWordsOfPhrases leaves out each word that a phrase among terms nearly
// always carries: 投诉 and 无门 when 投诉无门 has at least WordInPhrase of
// their mentions, so that one story does not fill the list with its
// pieces. A word also used apart from the phrase stays.
func dropWordsOfPhrases(terms []HotTerm, phrases map[string][2]string) []HotTerm {
	return dropWords(terms, phrases, func(t HotTerm) (string, int) { return t.Term, t.Count })
}

// dropWords is dropWordsOfPhrases for any list of terms, of reads a
// term's text and count; the phrases are those among terms.
func dropWords[T any](terms []T, phrases map[string][2]string, of func(T) (string, int)) []T {
	inPhrase := map[string]int{}
	for _, t := range terms {
		term, n := of(t)
		if words, ok := phrases[term]; ok {
			for _, w := range words {
				inPhrase[w] = max(inPhrase[w], n)
			}
		}
	}
	out := terms[:0]
	for _, t := range terms {
		term, n := of(t)
		if _, phrase := phrases[term]; phrase || float64(inPhrase[term]) < WordInPhrase*float64(n) {
			out = append(out, t)
		}
	}
	return out
}

// cloud returns the most frequent single words but the own ones.
func cloud(st *termStats, own ownWords, n int) []CloudWord {
	out := []CloudWord{}
	for t, c := range st.count {
		if _, phrase := st.phrase[t]; !phrase && c >= MinTermCount && !own.names(t, [2]string{}) {
			out = append(out, CloudWord{t, c})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Value != out[j].Value {
			return out[i].Value > out[j].Value
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// CoTerm is a term people use with a topic in mentions of one sentiment:
// Count such mentions use it, Other of the opposite sentiment do, Lift is
// how much more often (smoothed) it appears here than there.
type CoTerm struct {
	Term       string  `json:"term"`
	Count      int     `json:"count"`
	Other      int     `json:"other"`
	Lift       float64 `json:"lift"`
	MentionIDs []int64 `json:"mention_ids"`
}

// CoOccurring is what customers talk about with the brand: the terms of
// its positive and of its negative mentions.
type CoOccurring struct {
	Topics    []TopicRef `json:"topics"`
	Positive  []CoTerm   `json:"positive"`
	Negative  []CoTerm   `json:"negative"`
	PosSample int        `json:"positive_mentions"`
	NegSample int        `json:"negative_mentions"`
}

// CoOccurring returns the top terms of the positive and the negative
// mentions of a topic in p (the brand topics when topicID is 0), without
// the topics' own names and query terms, each ranked by count among terms at least as
// frequent there as in the opposite sentiment.
func (s *Service) CoOccurring(ctx context.Context, ws, topicID int64, p Period) (CoOccurring, error) {
	if err := p.Validate(); err != nil {
		return CoOccurring{}, err
	}
	topics, err := s.store.InsightTopics(ctx, ws)
	if err != nil {
		return CoOccurring{}, err
	}
	var sel []TopicRef
	if topicID != 0 {
		t, err := findTopic(topics, topicID)
		if err != nil {
			return CoOccurring{}, err
		}
		sel = []TopicRef{t}
	} else {
		sel = topicIDsOfKind(topics, "brand")
	}
	out := CoOccurring{Topics: sel, Positive: []CoTerm{}, Negative: []CoTerm{}}
	if out.Topics == nil {
		out.Topics = []TopicRef{}
	}
	if len(sel) == 0 {
		return out, nil
	}
	names, all, err := s.names(ctx, ws)
	if err != nil {
		return out, err
	}
	read := func(sentiment string) (*termStats, error) {
		ms, err := s.store.InsightMentions(ctx, ws, MentionFilter{From: p.From, To: p.To, TopicIDs: ids(sel), Sentiment: sentiment, Limit: SampleLimit})
		if err != nil {
			return nil, err
		}
		return s.countTerms(ms, names, nil, 0)
	}
	pos, err := read("positive")
	if err != nil {
		return out, err
	}
	neg, err := read("negative")
	if err != nil {
		return out, err
	}
	out.PosSample, out.NegSample = pos.docs, neg.docs
	own, err := ownTerms(all, func(t listen.Topic) bool {
		return slices.ContainsFunc(sel, func(r TopicRef) bool { return r.ID == t.ID })
	}, names)
	if err != nil {
		return out, err
	}
	out.Positive = coTerms(pos, neg, own)
	out.Negative = coTerms(neg, pos, own)
	return out, nil
}

// ownWords are the terms that name topics, keyed by their normalized
// form (textnorm, as matching reads texts), so that a mention's ＡＣＭＥ,
// Acme or 閒嵐 is the query's acme or 闲岚.
type ownWords map[string]bool

func (o ownWords) add(term string) {
	if k := textnorm.Normalize(term).Norm; k != "" {
		o[k] = true
	}
}

// names tells whether a term (a phrase of the words of, when it is one)
// is an own term or a phrase with one.
func (o ownWords) names(term string, of [2]string) bool {
	if len(o) == 0 {
		return false
	}
	for _, t := range []string{term, of[0], of[1]} {
		if t != "" && o[textnorm.Normalize(t).Norm] {
			return true
		}
	}
	return false
}

// ownTerms are the terms that name the topics of all that read tells,
// which every mention of them carries: the words of their names and of their queries' terms
// (the brand's or a competitor's aliases, a campaign's tag), as Terms cuts
// them. A crisis topic's query terms stay but for the names of the
// workspace's brand and competitor topics (of all) among them: the words
// it watches for (要求退款, 买到假货) are the news when they rise.
func ownTerms(all []listen.Topic, read func(listen.Topic) bool, names *Names) (ownWords, error) {
	seg, err := segmenter()
	if err != nil {
		return nil, apperr.Wrap(err, "load the segmenter dictionary")
	}
	addWords := func(o ownWords, text string) {
		o.add(text)
		for _, term := range Terms(seg, names, text) {
			o.add(term.Text)
		}
	}
	workspace := ownWords{}
	for _, t := range all {
		if t.Kind == "brand" || t.Kind == "competitor" {
			for _, text := range topicWords(t) {
				addWords(workspace, text)
			}
		}
	}
	own := ownWords{}
	for _, t := range all {
		if !read(t) {
			continue
		}
		words := topicWords(t)
		if t.Kind == "crisis" {
			addWords(own, t.Name)
			for _, text := range words[1:] {
				if workspace.names(text, [2]string{}) {
					addWords(own, text)
				}
			}
			continue
		}
		for _, text := range words {
			addWords(own, text)
		}
	}
	return own, nil
}

// coTerms ranks the terms of here against there, leaving out the own
// terms, the phrases with one of them and the words of phrases among
// them that nearly always come in them (dropWordsOfPhrases).
func coTerms(here, there *termStats, own ownWords) []CoTerm {
	out := []CoTerm{}
	for t, c := range here.count {
		of := here.phrase[t]
		if c < MinTermCount || own.names(t, of) {
			continue
		}
		o := there.count[t]
		lift := (float64(c) + 1) / float64(here.docs+2) / ((float64(o) + 1) / float64(there.docs+2))
		if lift < 1 {
			continue
		}
		out = append(out, CoTerm{Term: t, Count: c, Other: o, Lift: math.Round(lift*100) / 100, MentionIDs: here.ids[t]})
	}
	out = dropWords(out, here.phrase, func(c CoTerm) (string, int) { return c.Term, c.Count })
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Term < out[j].Term
	})
	if len(out) > MaxTerms {
		out = out[:MaxTerms]
	}
	return out
}
