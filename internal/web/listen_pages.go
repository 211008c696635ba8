package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/listen/insight"
)

// listeningPageRoutes serve the listening section: the mentions stream
// with its filters, a summary (volume by sentiment, share of voice), the
// unread alerts, the topics with their editor and try-it box, and the
// sources' health.
func (s *Server) listeningPageRoutes() {
	m := s.mux
	m.Handle("GET /w/{ws}/listening", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.listeningPage(w, r, p, http.StatusOK, nil)
	}))
	m.Handle("POST /w/{ws}/listening/seed", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		res, err := s.Listen.SeedTopics(r.Context(), p.Workspace.ID)
		if err != nil {
			return err
		}
		key := "flash.listening.seeded"
		if len(res.Created) == 0 {
			key = "flash.listening.seed_none"
		}
		s.flash(w, r, "ok", key)
		redirect(w, r, "/w/"+p.Workspace.Slug+"/listening#topics")
		return nil
	}))
	m.Handle("POST /w/{ws}/listening/topics", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		t := listen.Topic{Name: strings.TrimSpace(r.PostFormValue("name")), Kind: r.PostFormValue("kind"),
			Query: r.PostFormValue("query"), Enabled: r.PostFormValue("enabled") != ""}
		id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
		var err error
		if id > 0 {
			var old listen.Topic
			if old, err = s.Listen.Topic(r.Context(), p.Workspace.ID, id); err != nil {
				return err
			}
			t.ID, t.CompetitorID = old.ID, old.CompetitorID
			_, err = s.Listen.UpdateTopic(r.Context(), p.Workspace.ID, t)
		} else {
			_, err = s.Listen.CreateTopic(r.Context(), p.Workspace.ID, t)
		}
		if apperr.Is(err, apperr.Invalid) {
			return s.listeningPage(w, r, p, http.StatusUnprocessableEntity, map[string]any{"Draft": t, "TopicError": s.asAppErr(r, err)})
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.saved")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/listening#topics")
		return nil
	}))
	m.Handle("POST /w/{ws}/listening/try", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		q := r.PostFormValue("query")
		try := map[string]any{"Query": q}
		res, err := s.Listen.TryQuery(r.Context(), p.Workspace.ID, q)
		status := http.StatusOK
		switch {
		case apperr.Is(err, apperr.Invalid):
			try["Error"] = s.asAppErr(r, err)
			status = http.StatusUnprocessableEntity
		case err != nil:
			return err
		default:
			rows := mentionRows(res.Matched, nil)
			if len(rows) > 50 {
				rows = rows[:50]
			}
			try["Result"], try["Rows"] = res, rows
		}
		if r.Header.Get("HX-Request") == "true" {
			// htmx swaps only 2xx answers by default; the error is content.
			s.render(w, r, http.StatusOK, "listening", map[string]any{"Section": "listening", "Try": try, "Partial": "listening_try"})
			return nil
		}
		return s.listeningPage(w, r, p, status, map[string]any{"Try": try, "Draft": listen.Topic{Query: q, Kind: "other", Enabled: true}})
	}))
	m.Handle("GET /w/{ws}/listening/alerts/{id}", s.page("", s.listeningAlert))
	m.Handle("POST /w/{ws}/listening/alerts/{id}", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if _, err := s.Alerts.MarkRead(r.Context(), p.Workspace.ID, id); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.listening.read")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/listening/alerts/"+strconv.FormatInt(id, 10))
		return nil
	}))
}

// mentionRow is a mention as the stream shows it: its link live only when
// it is an http(s) address, and its topics' names.
type mentionRow struct {
	listen.Mention
	Live   bool
	Topics []string
}

func liveURL(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

func mentionRows(ms []listen.Mention, names map[int64]string) []mentionRow {
	rows := make([]mentionRow, len(ms))
	for i, m := range ms {
		rows[i] = mentionRow{Mention: m, Live: liveURL(m.URL)}
		for _, id := range m.TopicIDs {
			if n, ok := names[id]; ok {
				rows[i].Topics = append(rows[i].Topics, n)
			}
		}
	}
	return rows
}

// streamFilter reads the stream's filters from the query string, keeping
// only values the filter accepts.
func streamFilter(r *http.Request) (listen.MentionFilter, map[string]string) {
	q := r.URL.Query()
	f := listen.MentionFilter{Limit: 50}
	sel := map[string]string{}
	if id, err := strconv.ParseInt(q.Get("topic"), 10, 64); err == nil && id > 0 {
		f.TopicID = id
		sel["topic"] = q.Get("topic")
	}
	switch v := q.Get("sentiment"); v {
	case listen.Positive, listen.Neutral, listen.Negative:
		f.Sentiment, sel["sentiment"] = v, v
	}
	switch v := q.Get("lang"); v {
	case listen.LangZH, listen.LangEN, listen.LangOther:
		f.Lang, sel["lang"] = v, v
	}
	switch v := q.Get("days"); v {
	case "1", "7", "30":
		n, _ := strconv.Atoi(v)
		from := time.Now().Add(-time.Duration(n) * 24 * time.Hour)
		f.From, sel["days"] = &from, v
	}
	for _, k := range listen.SourceKinds {
		if q.Get("source") == k {
			f.SourceKind, sel["source"] = k, k
		}
	}
	return f, sel
}

func (s *Server) listeningPage(w http.ResponseWriter, r *http.Request, p account.Principal, status int, extra map[string]any) error {
	ctx, ws := r.Context(), p.Workspace.ID
	topics, err := s.Listen.Topics(ctx, ws)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, t := range topics {
		names[t.ID] = t.Name
	}
	f, sel := streamFilter(r)
	if f.TopicID != 0 {
		if _, ok := names[f.TopicID]; !ok {
			f.TopicID = 0
			delete(sel, "topic")
		}
	}
	ms, err := s.Listen.Mentions(ctx, ws, f)
	if err != nil {
		return err
	}
	data := map[string]any{"Section": "listening", "Topics": topics, "Names": names, "Rows": mentionRows(ms, names), "Sel": sel,
		"Sentiments": []string{listen.Positive, listen.Neutral, listen.Negative},
		"Langs":      []string{listen.LangZH, listen.LangEN, listen.LangOther},
		"Days":       []string{"1", "7", "30"},
		"Kinds":      listen.SourceKinds, "TopicKinds": listen.TopicKinds,
		"Draft": listen.Topic{Kind: "product", Enabled: true}}
	if id, err := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); err == nil && id > 0 {
		if t, err := s.Listen.Topic(ctx, ws, id); err == nil {
			data["Draft"] = t
		}
	}
	loc := p.Workspace.Location()
	period := s.Insights.DefaultPeriod(loc)
	sent, err := s.Insights.Sentiment(ctx, ws, 0, period)
	if err != nil {
		return err
	}
	lang := s.locale(r)
	t := func(k string) string { return s.cat.T(lang, k, nil) }
	data["Volume"] = sent.Total
	data["VolumeChart"] = volumeChart(sent, t)
	sov, err := s.Insights.ShareOfVoice(ctx, ws, period)
	if err != nil {
		return err
	}
	data["SOV"] = sov
	data["SOVChart"], data["SOVRows"] = sovChart(sov, t("listening.brand"))
	unread, err := s.Alerts.Alerts(ctx, ws, alert.Filter{Unread: true, Limit: 20})
	if err != nil {
		return err
	}
	data["Alerts"] = unread
	if s.Sources != nil {
		srcs, err := s.Sources.List(ctx, ws)
		if err != nil {
			return err
		}
		data["Sources"] = srcs
	}
	for k, v := range extra {
		data[k] = v
	}
	s.render(w, r, status, "listening", data)
	return nil
}

// volumeChart is an ECharts option: mentions per day, stacked by
// sentiment.
func volumeChart(ss insight.SentimentSeries, t func(string) string) map[string]any {
	days := make([]string, len(ss.Points))
	pos, neu, neg := make([]int64, len(ss.Points)), make([]int64, len(ss.Points)), make([]int64, len(ss.Points))
	for i, pt := range ss.Points {
		days[i] = pt.Day
		pos[i], neu[i], neg[i] = pt.Positive, pt.Neutral, pt.Negative
	}
	series := func(name string, data []int64, color string) map[string]any {
		return map[string]any{"name": name, "type": "line", "stack": "volume", "areaStyle": map[string]any{}, "showSymbol": false,
			"data": data, "itemStyle": map[string]any{"color": color}}
	}
	return map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"bottom": 0},
		"grid":    map[string]any{"left": 40, "right": 16, "top": 16, "bottom": 48},
		"xAxis":   map[string]any{"type": "category", "boundaryGap": false, "data": days},
		"yAxis":   map[string]any{"type": "value", "minInterval": 1},
		"series": []any{
			series(t("listening.sentiment.negative"), neg, "#c8553d"),
			series(t("listening.sentiment.neutral"), neu, "#9aa5b1"),
			series(t("listening.sentiment.positive"), pos, "#3a8d5d"),
		},
	}
}

// sovRow is one voice of the share-of-voice table: the brand or a
// competitor, with its mentions and share over the period.
type sovRow struct {
	Name     string
	Mentions int64
	Share    float64
	Brand    bool
}

func sovChart(sov insight.ShareOfVoice, brandName string) (map[string]any, []sovRow) {
	sum := func(xs []int64) int64 {
		var n int64
		for _, x := range xs {
			n += x
		}
		return n
	}
	rows := []sovRow{{Name: brandName, Mentions: sum(sov.Brand), Brand: true}}
	for _, c := range sov.Competitors {
		rows = append(rows, sovRow{Name: c.Topic.Name, Mentions: sum(c.Mentions)})
	}
	var total int64
	for _, r := range rows {
		total += r.Mentions
	}
	var pie []any
	for i := range rows {
		if total > 0 {
			rows[i].Share = float64(rows[i].Mentions) / float64(total)
		}
		pie = append(pie, map[string]any{"name": rows[i].Name, "value": rows[i].Mentions})
	}
	return map[string]any{
		"tooltip": map[string]any{"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
		"series": []any{map[string]any{"type": "pie", "radius": []string{"40%", "75%"}, "data": pie,
			"label": map[string]any{"show": false}, "labelLine": map[string]any{"show": false}}},
	}, rows
}

func (s *Server) listeningAlert(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d, err := s.Alerts.Alert(r.Context(), p.Workspace.ID, id)
	if err != nil {
		return err
	}
	topics, err := s.Listen.Topics(r.Context(), p.Workspace.ID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, t := range topics {
		names[t.ID] = t.Name
	}
	var rule *listen.AlertRule
	if d.RuleID != 0 {
		if ru, err := s.Alerts.Rule(r.Context(), p.Workspace.ID, d.RuleID); err == nil {
			rule = &ru
		}
	}
	s.render(w, r, http.StatusOK, "listening_alert", map[string]any{"Section": "listening", "A": d, "Rule": rule,
		"TopicName": names[d.TopicID], "Rows": mentionRows(d.Mentions, names), "Value": strconv.FormatFloat(d.Value, 'f', 2, 64),
		"Baseline": strconv.FormatFloat(d.Baseline, 'f', 2, 64)})
	return nil
}
