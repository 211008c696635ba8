package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/listen/query"
	"github.com/chorus-hq/chorus/internal/notify"
)

// listeningPageRoutes serve the listening section: the mentions stream
// with its filters, a summary (volume by sentiment, share of voice), the
// unread alerts, the topics with their editor and try-it box. The
// sources page is sourcePageRoutes'.
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
			Query: formQuery(r), Enabled: r.PostFormValue("enabled") != ""}
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
			return s.listeningPage(w, r, p, http.StatusUnprocessableEntity, map[string]any{"Draft": t, "TopicError": s.asAppErr(r, err), "TopicErrs": fieldErrors(err)})
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.saved")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/listening#topics")
		return nil
	}))
	m.Handle("POST /w/{ws}/listening/topics/{id}/delete", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, ok := pathID(r, "id")
		if !ok {
			return apperr.NotFoundf("topic")
		}
		if err := s.Listen.DeleteTopic(r.Context(), p.Workspace.ID, id); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.listening.topic_deleted")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/listening#topics")
		return nil
	}))
	m.Handle("POST /w/{ws}/listening/try", s.readPage(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		q := formQuery(r)
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
	m.Handle("POST /w/{ws}/listening/alerts/{id}/read", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if _, err := s.Alerts.MarkRead(r.Context(), p.Workspace.ID, id); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.listening.read")
		redirect(w, r, AlertPagePath(p.Workspace.Slug, id))
		return nil
	}))
	m.Handle("POST /w/{ws}/listening/mentions/{id}/sentiment", s.page(account.EditListening, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if _, err := s.Listen.CorrectSentiment(r.Context(), p.Workspace.ID, id, r.PostFormValue("label")); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.listening.corrected")
		redirect(w, r, correctedURL(r, p.Workspace.Slug)+"#mention-"+strconv.FormatInt(id, 10))
		return nil
	}))
	m.Handle("GET /w/{ws}/listening/corrections.csv", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		// The page's download opens in Excel, which reads a CSV without a
		// byte order mark in the system's code page: Chinese came out
		// garbled. Scripts take the API's, without it.
		return s.writeCorrections(w, r, p, "\uFEFF")
	}))
	s.alertRulePageRoutes()
}

// writeCorrections sends the workspace's sentiment corrections as a CSV
// download after prefix (chorus listen train reads it with or without a
// byte order mark).
func (s *Server) writeCorrections(w http.ResponseWriter, r *http.Request, p account.Principal, prefix string) error {
	buf := bytes.NewBufferString(prefix)
	if err := s.Listen.ExportCorrections(r.Context(), p.Workspace.ID, buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sentiment-corrections.csv"`)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

// SourceKindName is a mention's source kind in words: a kind of source's
// label (RSS / Atom 订阅源), else the platform pushed and imported posts
// name (xiaohongshu: 小红书), else the kind as stored.
func (v *view) SourceKindName(kind string) string {
	return v.TOr("sources.kind."+kind, v.PlatformName(kind))
}

// formQuery is the query of the topic editor's form. A browser sends the
// line breaks of a textarea as CRLF, which would count as two characters
// in an error's position where the person sees one (and htmx, sending the
// same text, counts one); the query is kept with LF.
func formQuery(r *http.Request) string {
	return strings.ReplaceAll(r.PostFormValue("query"), "\r\n", "\n")
}

// AlertPagePath is the path of an alert's page, which opens on the
// mentions that caused it; alerts sent out of Chorus link there.
func AlertPagePath(slug string, id int64) string {
	return "/w/" + url.PathEscape(slug) + "/listening/alerts/" + strconv.FormatInt(id, 10)
}

// waitText is a wait rounded to the unit a person reads it in: minutes
// under two hours, hours under two days, days beyond.
func waitText(d time.Duration, t func(string, map[string]any) string) string {
	switch {
	case d < 2*time.Hour:
		return t("sources.wait.minutes", map[string]any{"Count": int64(math.Round(d.Minutes()))})
	case d < 48*time.Hour:
		return t("sources.wait.hours", map[string]any{"Count": int64(math.Round(d.Hours()))})
	}
	return t("sources.wait.days", map[string]any{"Count": int64(math.Round(d.Hours() / 24))})
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

// streamPage is how many mentions the stream shows at once; a link pages
// on to older ones.
const streamPage = 50

// streamFilter reads the stream's filters from the query string, keeping
// only values the filter accepts; before pages on from a mention. It asks
// for one mention more than a page, to tell whether there are older ones.
// The last n days end at todayEnd, the end of today in the workspace's
// time zone: whole days, as the insights page counts them.
func streamFilter(r *http.Request, todayEnd time.Time) (listen.MentionFilter, map[string]string) {
	q := r.URL.Query()
	f := listen.MentionFilter{Limit: streamPage + 1}
	sel := map[string]string{}
	if id, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && id > 0 {
		f.BeforeID = id
		sel["before"] = q.Get("before")
	}
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
		from := todayEnd.AddDate(0, 0, -n)
		f.From, sel["days"] = &from, v
	}
	// Any kind, not only those of sources: pushed and imported posts name
	// their own (xiaohongshu), read as the query language reads source:.
	if k, ok := query.SourceKind(q.Get("source")); ok {
		f.SourceKind, sel["source"] = k, k
	}
	return f, sel
}

// streamKinds are the source filter's choices: the kinds of sources, then
// the other kinds the workspace's mentions carry, and the one a link
// selected, so that it shows as selected.
func streamKinds(stored []string, selected string) []string {
	kinds := slices.Clone(listen.SourceKinds)
	for _, k := range append(stored, selected) {
		if k != "" && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// streamURL is the stream's address under the filters sel (as
// streamFilter reads them), paging on from mention before (0: the newest).
func streamURL(slug string, sel map[string]string, before int64) string {
	q := url.Values{}
	for k, v := range sel {
		if k != "before" {
			q.Set(k, v)
		}
	}
	if before != 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	u := "/w/" + slug + "/listening"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// correctedURL is the stream page a sentiment correction returns to: the
// one it was made on, with its filters and page, read from the Referer
// (which the same-origin referrer policy sends with the form), so that
// the person goes on where they were and finds the mention, which the
// unfiltered first page may not show; else the stream's first page.
func correctedURL(r *http.Request, slug string) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Path != "/w/"+slug+"/listening" {
		return streamURL(slug, nil, 0)
	}
	_, sel := streamFilter(&http.Request{URL: ref}, time.Time{})
	before, _ := strconv.ParseInt(sel["before"], 10, 64)
	return streamURL(slug, sel, before)
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
	f, sel := streamFilter(r, s.Insights.DefaultPeriod(p.Workspace.Location()).To)
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
	stored, err := s.Listen.MentionSourceKinds(ctx, ws)
	if err != nil {
		return err
	}
	// The stream's pages: older mentions under the same filters, and back
	// to the newest from a later page.
	pageURL := func(before int64) string {
		return streamURL(p.Workspace.Slug, sel, before) + "#mentions"
	}
	var older, newest string
	if len(ms) > streamPage {
		ms = ms[:streamPage]
		older = pageURL(ms[len(ms)-1].ID)
	}
	if f.BeforeID != 0 {
		newest = pageURL(0)
	}
	data := map[string]any{"Section": "listening", "Topics": topics, "Names": names, "Rows": mentionRows(ms, names), "Sel": sel,
		"Older": older, "Newest": newest,
		"Sentiments": []string{listen.Positive, listen.Neutral, listen.Negative},
		"Langs":      []string{listen.LangZH, listen.LangEN, listen.LangOther},
		"Days":       []string{"1", "7", "30"},
		"Kinds":      streamKinds(stored, f.SourceKind), "TopicKinds": listen.TopicKinds,
		"Draft": listen.Topic{Kind: "product", Enabled: true}}
	own, hasOwn, err := s.Listen.OwnModel(ctx, ws)
	if err != nil {
		return err
	}
	if hasOwn {
		data["OwnModel"] = map[string]any{"Date": own.CreatedAt.In(p.Workspace.Location()).Format(time.DateOnly), "Rows": own.TrainRows + own.HeldOutRows,
			"F1": fmt.Sprintf("%.3f", own.MacroF1), "BaseF1": fmt.Sprintf("%.3f", own.BaseMacroF1)}
	}
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
	if data["VolumeEmpty"], data["SOVEmpty"], err = s.emptyCharts(ctx, ws, topics, sent.Total.Volume, data["SOVRows"].([]sovRow), sov); err != nil {
		return err
	}
	hot, err := s.hotTerms(ctx, ws, loc, t)
	if err != nil {
		return err
	}
	data["Hot"] = hot
	rules, err := s.Alerts.Rules(ctx, ws)
	if err != nil {
		return err
	}
	data["Rules"], data["AlertKinds"], data["ChannelKinds"], data["MaxChannels"] = ruleViews(rules), listen.AlertKinds, notify.Kinds, alert.MaxChannels
	form, formErr, err := s.ruleEditor(r, ws)
	if err != nil {
		return err
	}
	data["RuleForm"] = form
	if formErr != nil {
		data["RuleError"] = formErr
	}
	unread, err := s.Alerts.Alerts(ctx, ws, alert.Filter{Unread: true, Limit: 20})
	if err != nil {
		return err
	}
	data["Alerts"] = unread
	if s.Sources != nil {
		srcs, err := s.sourceHealth(ctx, ws)
		if err != nil {
			return err
		}
		counts := map[string]int{}
		for _, src := range srcs {
			counts[src.Status]++
		}
		data["Sources"], data["SourceCounts"], data["SourceStatuses"] = srcs, counts, sourceStatuses
	}
	for k, v := range extra {
		data[k] = v
	}
	s.render(w, r, status, "listening", data)
	return nil
}

// emptyChart stands in place of a listening chart that would draw only
// zeros: Key says what the chart shows, and the steps it lacks are what a
// newcomer does first — topics for the brand and its competitors, and
// mentions, which a source brings or a file import.
type emptyChart struct {
	Key                      string
	NeedTopics, NeedMentions bool
}

// emptyCharts are what stands in place of the volume and the share-of-
// voice charts of a period (volume its mentions of the topics, rows the
// voices' counts), each nil when its chart has something to draw. A
// workspace without the topics or any mention yet is told how to begin;
// one whose mentions fall outside the period, or match none of the
// topics, is told that.
func (s *Server) emptyCharts(ctx context.Context, ws int64, topics []listen.Topic, volume int64, rows []sovRow, sov insight.ShareOfVoice) (vol, voices *emptyChart, err error) {
	var voiced int64
	for _, r := range rows {
		voiced += r.Mentions
	}
	if volume > 0 && voiced > 0 {
		return nil, nil, nil
	}
	first, err := s.Listen.Mentions(ctx, ws, listen.MentionFilter{Limit: 1})
	if err != nil {
		return nil, nil, err
	}
	started := len(first) > 0
	if volume == 0 {
		vol = &emptyChart{Key: "listening.empty.volume", NeedTopics: len(topics) == 0, NeedMentions: !started}
		if started && len(topics) > 0 {
			vol.Key = "listening.empty.volume_period"
		}
	}
	if voiced == 0 {
		hasVoices := len(sov.BrandTopics) > 0 || len(sov.Competitors) > 0
		voices = &emptyChart{Key: "listening.empty.sov", NeedTopics: !hasVoices, NeedMentions: !started}
		if started && hasVoices {
			voices.Key = "listening.empty.sov_period"
		}
	}
	return vol, voices, nil
}

// volumeChart is an ECharts option: mentions per day, stacked by
// sentiment.
func volumeChart(ss insight.SentimentSeries, t func(string) string) chartOption {
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
	Share    *float64 // nil without any mention: no share of nothing
	Brand    bool
	Color    string // the row's slice of the pie
}

// sovColors colour the share-of-voice pie: the brand first, then the
// competitors in turn.
var sovColors = []string{"#2f6f9f", "#e0913a", "#7a6fb0", "#2e8b57", "#c0392b", "#3f8fb5", "#a0522d", "#9aa7b4"}

func sovChart(sov insight.ShareOfVoice, brandName string) (chartOption, []sovRow) {
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
			share := float64(rows[i].Mentions) / float64(total)
			rows[i].Share = &share
		}
		rows[i].Color = sovColors[i%len(sovColors)]
		pie = append(pie, map[string]any{"name": rows[i].Name, "value": rows[i].Mentions, "itemStyle": map[string]any{"color": rows[i].Color}})
	}
	return map[string]any{
		"tooltip": map[string]any{"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
		"series": []any{map[string]any{"type": "pie", "radius": []string{"40%", "75%"}, "data": pie, "percentPrecision": 1,
			"label": map[string]any{"show": false}, "labelLine": map[string]any{"show": false}}},
	}, rows
}

// listeningAlert is an alert's page: its facts, its deliveries and a page
// of the mentions it carries (?page=N, 1 the newest; alert.Service.AlertPage).
func (s *Server) listeningAlert(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d, err := s.Alerts.AlertPage(r.Context(), p.Workspace.ID, id, alertPageQuery(r))
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
	redeliver, why := canRedeliver(d.Alert, rule)
	// The detail reads as the alert's chat and e-mail messages have it.
	detail := s.cat.T(s.locale(r), "alert."+d.Kind+".detail", alert.Figures(d.Alert))
	s.render(w, r, http.StatusOK, "listening_alert", map[string]any{"Section": "listening", "A": d, "Rule": rule,
		"Names": names, "Rows": mentionRows(d.Mentions, names), "Detail": detail,
		"Delivery": s.deliveries(r, d.Alert), "Redeliver": redeliver, "RedeliverWhy": why,
		"Pager": newAlertPager(d, AlertPagePath(p.Workspace.Slug, id))})
	return nil
}

// Hot terms card bounds: the days it covers, the terms its table shows
// and the terms of its chart, which is as tall as they need
// (hotTermBarHeight each, hotTermChartMargin for its axis and legend): in
// a .chart box (320 px, 260 px on a phone) twelve terms had 21 px and
// 16 px each, every label touching the next.
const (
	hotTermDays        = 7
	hotTermLimit       = 20
	hotTermChartBars   = 12
	hotTermBarHeight   = 30
	hotTermChartMargin = 80
	exampleRunes       = 140
)

// hotTermRow is one row of the hot terms table: the term, its count this
// week, the mean of the previous weeks and the text of an example mention.
type hotTermRow struct {
	insight.HotTerm
	Example string
}

// hotTerms reads the top rising terms of the last hotTermDays days against
// the previous periods: a bar chart option and the table's rows.
func (s *Server) hotTerms(ctx context.Context, ws int64, loc *time.Location, t func(string) string) (map[string]any, error) {
	period := s.Insights.DefaultPeriod(loc)
	period.From = period.To.AddDate(0, 0, -hotTermDays)
	ht, err := s.Insights.HotTerms(ctx, ws, 0, period)
	if err != nil {
		return nil, err
	}
	rows, err := s.hotTermRows(ctx, ws, ht.Terms, hotTermLimit)
	if err != nil {
		return nil, err
	}
	bars := min(len(rows), hotTermChartBars)
	return map[string]any{"Chart": hotTermsChart(ht.Terms[:len(rows)], t), "ChartHeight": hotTermChartMargin + hotTermBarHeight*bars,
		"Rows": rows, "Mentions": ht.Mentions, "Previous": ht.Previous, "Days": hotTermDays}, nil
}

// hotTermsChart is the hot terms bar chart: this period's count against
// the previous periods' mean for the first hotTermChartBars terms (the
// table lists them all). Every term's label shows (ECharts would skip
// every other one when they crowd), long phrases are truncated.
func hotTermsChart(terms []insight.HotTerm, t func(string) string) chartOption {
	terms = terms[:min(len(terms), hotTermChartBars)]
	names := make([]string, len(terms))
	now, prev := make([]int, len(terms)), make([]float64, len(terms))
	for i, h := range terms {
		// One decimal, as the table's count reads it (0.7, not 0.67).
		names[i], now[i], prev[i] = h.Term, h.Count, math.Round(h.Previous*10)/10
	}
	return map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":  map[string]any{"bottom": 0},
		"grid":    map[string]any{"left": 8, "right": 16, "top": 8, "bottom": 40, "containLabel": true},
		"xAxis":   map[string]any{"type": "value", "minInterval": 1, "splitNumber": 3, "axisLabel": map[string]any{"hideOverlap": true}},
		"yAxis": map[string]any{"type": "category", "inverse": true, "data": names,
			"axisLabel": map[string]any{"interval": 0, "width": 110, "overflow": "truncate"}},
		"series": []any{
			map[string]any{"name": t("listening.hot.this_period"), "type": "bar", "data": now, "itemStyle": map[string]any{"color": "#c8553d"}},
			map[string]any{"name": t("listening.hot.previous"), "type": "bar", "data": prev, "itemStyle": map[string]any{"color": "#9aa5b1"}},
		},
	}
}

// clip shortens text to n runes, with an ellipsis when it was longer.
func clip(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	return string(r[:n]) + "…"
}

// QueryProblem is why a stored topic's query no longer parses, in the
// page's language, or "" when it parses: a topic whose query the parser
// now refuses (a stricter filter, a longer query than allowed today)
// matches nothing until someone edits it, so the list says so.
func (v *view) QueryProblem(q string) string {
	_, err := query.Parse(q)
	var qe *query.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &qe):
		return v.s.cat.T(v.Locale, qe.Key, qe.Args())
	}
	return v.T("error.invalid")
}

// SourceProblem is a source's last error in the page's language when it
// has a catalog message, else its English text (an error Chorus has no
// message for, from an older version or a platform).
func (v *view) SourceProblem(s listen.Source) string {
	if s.LastErrorKey == "" {
		return s.LastError
	}
	return v.s.cat.T(v.Locale, s.LastErrorKey, s.LastErrorArgs)
}
