package web

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen/insight"
)

// insightPeriod reads ?from=&to= (dates YYYY-MM-DD in the workspace's
// time zone, to inclusive, or RFC 3339 times, to exclusive) and ?topic=;
// the last 30 days when from and to are absent.
func (s *Server) insightPeriod(r *http.Request, p account.Principal) (insight.Period, int64, error) {
	loc := p.Workspace.Location()
	q := r.URL.Query()
	var fs apperr.Fields
	per := s.Insights.DefaultPeriod(loc)
	parse := func(field, v string, end bool) time.Time {
		if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
			if end {
				return t.AddDate(0, 0, 1)
			}
			return t
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
		fs.Add(field, "error.insight.bad_time")
		return time.Time{}
	}
	if v := q.Get("from"); v != "" {
		per.From = parse("from", v, false)
		if q.Get("to") == "" && !per.From.IsZero() {
			per.To = per.From.AddDate(0, 0, 30)
		}
	}
	if v := q.Get("to"); v != "" {
		per.To = parse("to", v, true)
		if q.Get("from") == "" && !per.To.IsZero() {
			per.From = per.To.AddDate(0, 0, -30)
		}
	}
	per.Loc = loc
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

// periodParams and topicParam document what insightPeriod reads.
var (
	periodParams = []param{
		{Name: "from", Doc: "Start: a date (YYYY-MM-DD, in the workspace's time zone) or an RFC 3339 time; 30 days before to when absent"},
		{Name: "to", Doc: "End: a date (inclusive) or an RFC 3339 time (exclusive); 30 days after from, or the end of today, when absent"},
	}
	topicParam = param{Name: "topic", Type: typeOf[int64](), Doc: "Only the mentions of this topic (its id)"}
)

// typeOfValue is the reflect type of an example value, for op.Resp.
func typeOfValue(v any) reflect.Type { return reflect.TypeOf(v) }
