package web

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen/insight"
)

// insightPeriod reads the period as the funnel and a link's stats do
// (queryPeriod, periodParams), on the insights' clock, and ?topic=.
func (s *Server) insightPeriod(r *http.Request, p account.Principal) (insight.Period, int64, error) {
	loc := p.Workspace.Location()
	q := r.URL.Query()
	var fs apperr.Fields
	per := insight.Period{Loc: loc}
	per.From, per.To = queryPeriod(&fs, q, loc, s.Insights.Now())
	var topic int64
	if v := q.Get("topic"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fs.Add("topic", "error.insight.bad_topic")
		}
		topic = id
	}
	if err := fs.Err(); err != nil {
		return per, 0, err
	}
	return per, topic, per.Validate()
}

// insightAPI serves the insight dashboards' data.
func (s *Server) insightAPI() {
	if s.Insights == nil {
		return
	}
	base := "/workspaces/{ws}/insights"
	tag := "insights"
	get := func(path, summary string, resp any, fn func(r *http.Request, p account.Principal, per insight.Period, topic int64) (any, error), query ...param) {
		query = append(slices.Clone(periodParams), query...)
		s.handleAPI(op{Method: "GET", Path: base + path, Summary: summary, Tag: tag, Resp: typeOfValue(resp), Query: query},
			func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
				per, topic, err := s.insightPeriod(r, p)
				if err != nil {
					return err
				}
				v, err := fn(r, p, per, topic)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, v)
				return nil
			})
	}
	get("/hot-terms", "Hot terms and phrases of a period against the periods before, with a word cloud", insight.HotTerms{},
		func(r *http.Request, p account.Principal, per insight.Period, topic int64) (any, error) {
			return s.Insights.HotTerms(r.Context(), p.Workspace.ID, topic, per)
		}, topicParam)
	get("/share-of-voice", "Share of voice of the brand against each competitor per day", insight.ShareOfVoice{},
		func(r *http.Request, p account.Principal, per insight.Period, _ int64) (any, error) {
			return s.Insights.ShareOfVoice(r.Context(), p.Workspace.ID, per)
		})
	get("/sentiment", "Sentiment per day of a topic (?topic=) or of all topics", insight.SentimentSeries{},
		func(r *http.Request, p account.Principal, per insight.Period, topic int64) (any, error) {
			return s.Insights.Sentiment(r.Context(), p.Workspace.ID, topic, per)
		}, topicParam)
	get("/authors", "Top authors by reach", list[insight.AuthorStat]{},
		func(r *http.Request, p account.Principal, per insight.Period, topic int64) (any, error) {
			var fs apperr.Fields
			limit := queryLimit(&fs, r.URL.Query().Get("limit"), insight.MaxAuthors)
			if err := fs.Err(); err != nil {
				return nil, err
			}
			v, err := s.Insights.Authors(r.Context(), p.Workspace.ID, topic, per, limit)
			return listOf(v), err
		}, topicParam, param{Name: "limit", Type: typeOf[int](), Doc: "How many authors, at most " + strconv.Itoa(insight.MaxAuthors) + " (20 when absent)"})
	get("/sources", "Mentions per source kind", list[insight.SourceStat]{},
		func(r *http.Request, p account.Principal, per insight.Period, topic int64) (any, error) {
			v, err := s.Insights.Sources(r.Context(), p.Workspace.ID, topic, per)
			return listOf(v), err
		}, topicParam)
	get("/cooccurring", "Terms of the brand's (or a topic's) positive and negative mentions", insight.CoOccurring{},
		func(r *http.Request, p account.Principal, per insight.Period, topic int64) (any, error) {
			return s.Insights.CoOccurring(r.Context(), p.Workspace.ID, topic, per)
		}, topicParam)
}

// topicParam documents the topic insightPeriod reads.
var topicParam = param{Name: "topic", Type: typeOf[int64](), Doc: "Only the mentions of this topic (its id)"}

// typeOfValue is the reflect type of an example value, for op.Resp.
func typeOfValue(v any) reflect.Type { return reflect.TypeOf(v) }
