package web

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/listen/insight"
)

// The insights page's choices and bounds: the periods it offers (in
// days, shortest first, as the stream's filter lists them) and the one it
// opens on, the rows of its tables, the lines of its trend chart and the
// sizes of its word cloud.
var insightDays = []string{"7", "30", "90"}

const insightDefaultDays = "30"

const (
	insightRows       = 15
	insightTrendLines = 5
	cloudSizes        = 5
	// coExampleRunes clips the examples of the terms of positive and of
	// negative mentions, whose tables stand side by side.
	coExampleRunes = 60
)

func (s *Server) insightPageRoutes() {
	s.mux.Handle("GET /w/{ws}/listening/insights", s.page("", s.insightsPage))
}

// insightsPage is what people say over a period, of one topic or of all:
// sentiment per day, the share of voice of the brand and its competitors,
// hot terms with their trend, an example each and a word cloud, the terms of the positive
// and the negative mentions, the top authors by reach and the sources.
func (s *Server) insightsPage(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	ctx, ws := r.Context(), p.Workspace.ID
	topics, err := s.Listen.Topics(ctx, ws)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	sel := map[string]string{"days": insightDefaultDays}
	if v := q.Get("days"); slices.Contains(insightDays, v) {
		sel["days"] = v
	}
	var topic int64
	if id, err := strconv.ParseInt(q.Get("topic"), 10, 64); err == nil {
		for _, t := range topics {
			if t.ID == id {
				topic, sel["topic"] = id, q.Get("topic")
			}
		}
	}
	days, _ := strconv.Atoi(sel["days"])
	per := s.Insights.DefaultPeriod(p.Workspace.Location())
	per.From = per.To.AddDate(0, 0, -days)
	lang := s.locale(r)
	t := func(k string) string { return s.cat.T(lang, k, nil) }
	data := map[string]any{"Section": "listening", "Topics": topics, "Sel": sel, "Days": insightDays}

	sent, err := s.Insights.Sentiment(ctx, ws, topic, per)
	if err != nil {
		return err
	}
	data["Volume"], data["VolumeChart"] = sent.Total, volumeChart(sent, t)
	sov, err := s.Insights.ShareOfVoice(ctx, ws, per)
	if err != nil {
		return err
	}
	_, rows := sovChart(sov, t("listening.brand"))
	data["SOVRows"], data["SOVChart"] = rows, sovTrendChart(sov, rows)
	if data["VolumeEmpty"], data["SOVEmpty"], err = s.emptyCharts(ctx, ws, topics, sent.Total.Volume, rows, sov); err != nil {
		return err
	}
	hot, err := s.Insights.HotTerms(ctx, ws, topic, per)
	if err != nil {
		return err
	}
	data["Hot"], data["HotChart"], data["Cloud"] = hot, hotTrendChart(hot), cloudWords(hot.Cloud)
	if data["HotRows"], err = s.hotTermRows(ctx, ws, hot.Terms, insightRows); err != nil {
		return err
	}
	co, err := s.Insights.CoOccurring(ctx, ws, topic, per)
	if err != nil {
		return err
	}
	names := make([]string, len(co.Topics))
	for i, tp := range co.Topics {
		names[i] = tp.Name
	}
	data["Co"], data["CoTopics"] = co, strings.Join(names, t("insights.co_topics_sep"))
	if data["CoPositive"], err = s.coTermRows(ctx, ws, co.Positive); err != nil {
		return err
	}
	if data["CoNegative"], err = s.coTermRows(ctx, ws, co.Negative); err != nil {
		return err
	}
	if data["Authors"], err = s.Insights.Authors(ctx, ws, topic, per, insightRows); err != nil {
		return err
	}
	if data["Sources"], err = s.Insights.Sources(ctx, ws, topic, per); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "listening_insights", data)
	return nil
}

// sovTrendChart is an ECharts option: each voice's mentions per day,
// stacked, in the colours of the share-of-voice table's rows, which name
// them (a legend would crowd the narrow card).
func sovTrendChart(sov insight.ShareOfVoice, rows []sovRow) chartOption {
	voices := [][]int64{sov.Brand}
	for _, c := range sov.Competitors {
		voices = append(voices, c.Mentions)
	}
	var series []any
	for i, v := range voices {
		series = append(series, map[string]any{"name": rows[i].Name, "type": "bar", "stack": "voices", "data": v,
			"itemStyle": map[string]any{"color": rows[i].Color}})
	}
	return map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"grid":    map[string]any{"left": 40, "right": 16, "top": 16, "bottom": 24},
		"xAxis":   map[string]any{"type": "category", "data": sov.Days},
		"yAxis":   map[string]any{"type": "value", "minInterval": 1},
		"series":  series,
	}
}

// hotTrendChart is an ECharts option: the mentions per day of the
// insightTrendLines hottest terms.
func hotTrendChart(hot insight.HotTerms) chartOption {
	var series []any
	for _, h := range hot.Terms[:min(len(hot.Terms), insightTrendLines)] {
		series = append(series, map[string]any{"name": h.Term, "type": "line", "showSymbol": false, "data": h.Trend})
	}
	// The legend keeps one line that pages (scroll): a plain one wraps on a
	// phone into a second row drawn over the dates.
	return map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"bottom": 0, "type": "scroll"},
		"grid":    map[string]any{"left": 40, "right": 16, "top": 16, "bottom": 48},
		"xAxis":   map[string]any{"type": "category", "boundaryGap": false, "data": hot.Days},
		"yAxis":   map[string]any{"type": "value", "minInterval": 1},
		"series":  series,
	}
}

// cloudWord is a word of the word cloud with its size, 1 to cloudSizes.
type cloudWord struct {
	insight.CloudWord
	Size int
}

// wordCloud is the words of the word cloud, in the order it shows them.
type wordCloud []cloudWord

// Table is the cloud's words with their counts, the most frequent first:
// the cloud shows a count only as a word's size. head names the words and
// the counts.
func (c wordCloud) Table(head []string) chartTable {
	t := chartTable{Head: head}
	byCount := slices.Clone(c)
	slices.SortStableFunc(byCount, func(a, b cloudWord) int { return b.Value - a.Value })
	for _, w := range byCount {
		t.Rows = append(t.Rows, []string{w.Name, number(float64(w.Value), 0)})
	}
	return t
}

// cloudWords sizes each word by its count on a log scale between the
// least and the most frequent word, and orders them by name, as a cloud
// reads; a plain list of words, so it needs no script and reads aloud.
func cloudWords(ws []insight.CloudWord) wordCloud {
	if len(ws) == 0 {
		return nil
	}
	lo, hi := ws[0].Value, ws[0].Value
	for _, w := range ws {
		lo, hi = min(lo, w.Value), max(hi, w.Value)
	}
	out := make(wordCloud, len(ws))
	for i, w := range ws {
		size := cloudSizes
		if hi > lo {
			f := math.Log(float64(w.Value)/float64(lo)) / math.Log(float64(hi)/float64(lo))
			size = 1 + int(math.Round(f*(cloudSizes-1)))
		}
		out[i] = cloudWord{w, size}
	}
	slices.SortFunc(out, func(a, b cloudWord) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// hotTermRows are the first n hot terms, each with the text of one of
// its mentions.
func (s *Server) hotTermRows(ctx context.Context, ws int64, terms []insight.HotTerm, n int) ([]hotTermRow, error) {
	terms = terms[:min(len(terms), n)]
	lists := make([][]int64, len(terms))
	for i, h := range terms {
		lists[i] = h.MentionIDs
	}
	texts, err := s.examples(ctx, ws, lists, exampleRunes)
	if err != nil {
		return nil, err
	}
	rows := make([]hotTermRow, len(terms))
	for i, h := range terms {
		rows[i] = hotTermRow{HotTerm: h, Example: texts[i]}
	}
	return rows, nil
}

// coTermRow is a term of the positive or the negative mentions with the
// text of an example.
type coTermRow struct {
	insight.CoTerm
	Example string
}

func (s *Server) coTermRows(ctx context.Context, ws int64, terms []insight.CoTerm) ([]coTermRow, error) {
	terms = terms[:min(len(terms), insightRows)]
	lists := make([][]int64, len(terms))
	for i, c := range terms {
		lists[i] = c.MentionIDs
	}
	texts, err := s.examples(ctx, ws, lists, coExampleRunes)
	if err != nil {
		return nil, err
	}
	rows := make([]coTermRow, len(terms))
	for i, c := range terms {
		rows[i] = coTermRow{CoTerm: c, Example: texts[i]}
	}
	return rows, nil
}

// examples is, for each term's mentions, the text of the first that is
// still there, clipped to n characters, or "": one read for a table.
func (s *Server) examples(ctx context.Context, ws int64, lists [][]int64, n int) ([]string, error) {
	texts, err := s.Insights.Examples(ctx, ws, lists)
	if err != nil {
		return nil, err
	}
	for i, text := range texts {
		texts[i] = clip(text, n)
	}
	return texts, nil
}
