package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/chorus-hq/chorus/internal/demo"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestChartOptionTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opt  chartOption
		head []string
		want chartTable
	}{
		{
			"columns: categories left to right, a column per named series",
			chartOption{"xAxis": map[string]any{"type": "category", "data": []string{"12-01", "12-02"}},
				"series": []any{map[string]any{"name": "Planned", "data": []float64{1200.5, 0}}, map[string]any{"name": "Spent", "data": []int64{10037, 3}}}},
			[]string{"Day"},
			chartTable{Head: []string{"Day", "Planned", "Spent"}, Rows: [][]string{{"12-01", "1,200.5", "10,037"}, {"12-02", "0", "3"}}},
		},
		{
			"horizontal bars: the top bar, the axis's last category, first",
			chartOption{"yAxis": map[string]any{"type": "category", "data": []string{"purchases", "leads", "clicks"}},
				"series": []any{map[string]any{"data": []any{map[string]any{"value": 461.25}, map[string]any{"value": 847}, map[string]any{"value": 10037}}}}},
			[]string{"Step", "Count"},
			chartTable{Head: []string{"Step", "Count"}, Rows: [][]string{{"clicks", "10,037"}, {"leads", "847"}, {"purchases", "461.25"}}},
		},
		{
			"an inverse category axis: its first category on top",
			chartOption{"yAxis": map[string]any{"type": "category", "inverse": true, "data": []string{"latte", "oat"}},
				"series": []any{map[string]any{"name": "Now", "data": []int{9, 3}}, map[string]any{"name": "Before", "data": []float64{0.7, 2}}}},
			[]string{"Term"},
			chartTable{Head: []string{"Term", "Now", "Before"}, Rows: [][]string{{"latte", "9", "0.7"}, {"oat", "3", "2"}}},
		},
		{
			"pie: each slice with its value and share",
			chartOption{"series": []any{map[string]any{"type": "pie", "data": []any{map[string]any{"name": "Us", "value": 3}, map[string]any{"name": "Them", "value": 1}}}}},
			[]string{"Voice", "Mentions", "Share"},
			chartTable{Head: []string{"Voice", "Mentions", "Share"}, Rows: [][]string{{"Us", "3", "75%"}, {"Them", "1", "25%"}}},
		},
		{
			"pie of nothing: no share",
			chartOption{"series": []any{map[string]any{"type": "pie", "name": "Planned", "data": []any{map[string]any{"name": "Ads", "value": 0}}}}},
			[]string{"Kind", "Share"},
			chartTable{Head: []string{"Kind", "Planned", "Share"}, Rows: [][]string{{"Ads", "0", "—"}}},
		},
		{
			// ECharts leaves a null out of the chart (a gap), so the
			// table has no figure there rather than a 0 nobody counted.
			"a missing value: no figure, not 0",
			chartOption{"xAxis": map[string]any{"type": "category", "data": []string{"12-01", "12-02"}},
				"series": []any{map[string]any{"name": "Mentions", "data": []any{nil, 4}}}},
			[]string{"Day"},
			chartTable{Head: []string{"Day", "Mentions"}, Rows: [][]string{{"12-01", "—"}, {"12-02", "4"}}},
		},
		{
			"pie with a slice without a value: no figure, left out of the shares",
			chartOption{"series": []any{map[string]any{"type": "pie", "data": []any{map[string]any{"name": "Us", "value": 3}, map[string]any{"name": "Them", "value": nil}}}}},
			[]string{"Voice", "Mentions", "Share"},
			chartTable{Head: []string{"Voice", "Mentions", "Share"}, Rows: [][]string{{"Us", "3", "100%"}, {"Them", "—", "—"}}},
		},
		{
			"time axis: a line per phase, to the end of its last day",
			chartOption{"xAxis": map[string]any{"type": "time"},
				"series": []any{map[string]any{"data": [][]string{{"2026-12-01", "1. Warm-up"}, {"2026-12-02", "1. Warm-up"}, {"2026-12-03", "1. Warm-up"}}}}},
			[]string{"Phase", "Start", "End", "Days"},
			chartTable{Head: []string{"Phase", "Start", "End", "Days"}, Rows: [][]string{{"1. Warm-up", "2026-12-01", "2026-12-02", "2"}}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.opt.Table(c.head)
			must(t, err)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("Table = %v\nwant %v", got, c.want)
			}
		})
	}
}

// TestWordCloudTable: the cloud, which shows a count only as a size,
// lists its words with their counts, the most frequent first.
func TestWordCloudTable(t *testing.T) {
	t.Parallel()
	c := cloudWords([]insight.CloudWord{{Name: "燕麦", Value: 4}, {Name: "latte", Value: 1200}, {Name: "拿铁", Value: 4}})
	got := c.Table([]string{"Term", "Mentions"})
	want := chartTable{Head: []string{"Term", "Mentions"}, Rows: [][]string{{"latte", "1,200"}, {"拿铁", "4"}, {"燕麦", "4"}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Table = %v\nwant %v", got, want)
	}
}

// TestChartTextAlternatives: on the demo's pages, in both languages,
// every chart is an image named for what it shows, and a table after it
// holds the figures its option draws, so that a screen reader, or a
// browser without the script, has them; the word cloud's table holds
// each word's count.
func TestChartTextAlternatives(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	catalog, err := platform.Load()
	must(t, err)
	login, err := demo.Load(context.Background(), demo.Deps{Accounts: h.accounts, Brand: h.brand, Platforms: platform.NewService(catalog, h.db), Campaigns: h.campaigns,
		Links: h.links, Clicks: h.db, Conversions: h.conversions, Listen: h.listen, Alerts: h.db, Sources: h.db, Audit: h.db})
	must(t, err)
	b := h.browser()
	b.login(login.Email, login.Password)
	ws := "/w/" + login.Workspace
	linkOf := func(list, pattern string) string {
		t.Helper()
		_, body := b.get(list)
		m := regexp.MustCompile(pattern).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s links to nothing like %s", list, pattern)
		}
		return m[1]
	}
	pages := []struct {
		path   string
		labels []string // the keys naming its charts, in order
	}{
		{ws + "/platforms", []string{"fit.title"}},
		{ws + "/listening", []string{"listening.volume_chart", "listening.sov", "listening.hot.title"}},
		{ws + "/listening/insights", []string{"insights.sentiment", "listening.sov", "insights.trend"}},
		{ws + "/conversions", []string{"tracking.funnel"}},
		{linkOf(ws+"/links", `href="(`+ws+`/links/\d+)"`), []string{"tracking.clicks_over_time", "tracking.dim.class", "tracking.dim.device", "tracking.dim.referrer", "tracking.dim.region"}},
		{linkOf(ws+"/strategy", `href="(`+ws+`/strategy/campaigns/\d+)"`), []string{"strategy.timeline", "strategy.budget.by_platform", "strategy.budget.by_kind", "strategy.budget.planned_by_kind"}},
	}
	cat := mustCatalog(t)
	for _, loc := range []string{"zh-CN", "en"} {
		if status, _, _ := b.post("/lang", url.Values{"lang": {loc}, "next": {ws}}); status != http.StatusSeeOther {
			t.Fatalf("switching to %s: %d", loc, status)
		}
		for _, p := range pages {
			status, body := b.get(p.path)
			if status != http.StatusOK {
				t.Fatalf("%s %s: %d", loc, p.path, status)
			}
			doc, err := html.Parse(strings.NewReader(body))
			must(t, err)
			charts := findAll(doc, func(n *html.Node) bool { return attr(n, "data-chart") != "" })
			if len(charts) != len(p.labels) {
				t.Errorf("%s %s: %d charts, want %d", loc, p.path, len(charts), len(p.labels))
				continue
			}
			for i, c := range charts {
				where := fmt.Sprintf("%s %s chart %d", loc, p.path, i)
				if attr(c, "role") != "img" {
					t.Errorf("%s: role %q, want img", where, attr(c, "role"))
				}
				if got, want := attr(c, "aria-label"), cat.T(loc, "chart.label", map[string]any{"Name": cat.T(loc, p.labels[i], nil)}); got != want {
					t.Errorf("%s: aria-label %q, want %q", where, got, want)
				}
				details := findNode(c.Parent, func(n *html.Node) bool { return n.Data == "details" })
				if details == nil {
					t.Errorf("%s: no data table", where)
					continue
				}
				if got, want := strings.TrimSpace(textOf(findNode(details, func(n *html.Node) bool { return n.Data == "summary" }))), cat.T(loc, "chart.data_table", nil)+cat.T(loc, "chart.data_table_of", map[string]any{"Name": cat.T(loc, p.labels[i], nil)}); got != want {
					t.Errorf("%s: disclosure %q, want %q", where, got, want)
				}
				var opt map[string]any
				must(t, json.Unmarshal([]byte(attr(c, "data-chart")), &opt))
				for _, problem := range tableProblems(opt, tableCells(details)) {
					t.Errorf("%s: %s", where, problem)
				}
			}
			if p.path != ws+"/listening/insights" {
				continue
			}
			cloud := findNode(doc, func(n *html.Node) bool { return attr(n, "id") == "word-cloud" })
			details := cloud.NextSibling
			for details != nil && details.Type != html.ElementNode {
				details = details.NextSibling
			}
			if details == nil || details.Data != "details" {
				t.Errorf("%s: no data table after the word cloud", loc)
				continue
			}
			rows := tableCells(details)
			words := findAll(cloud, func(n *html.Node) bool { return n.Data == "li" })
			if len(words) == 0 || len(rows) != len(words)+1 {
				t.Errorf("%s: %d rows for %d words", loc, len(rows), len(words))
			}
			for _, w := range words {
				i := slices.IndexFunc(rows, func(r []string) bool { return r[0] == textOf(w) })
				if i < 0 || len(rows[i]) < 2 {
					t.Errorf("%s: word %q not in the table", loc, textOf(w))
					continue
				}
				// The word's title, its count for a pointer, says the same.
				n, err := strconv.Atoi(strings.ReplaceAll(rows[i][1], ",", ""))
				if want := cat.T(loc, "insights.cloud_count", map[string]any{"Count": n}); err != nil || attr(w, "title") != want {
					t.Errorf("%s: word %q counted %q in the table, its title says %q", loc, textOf(w), rows[i][1], attr(w, "title"))
				}
			}
		}
	}
}

// tableCells reads the first table under n: a row of cells' texts for
// each tr, the header row first.
func tableCells(n *html.Node) [][]string {
	table := findNode(n, func(n *html.Node) bool { return n.Data == "table" })
	if table == nil {
		return nil
	}
	var rows [][]string
	for _, tr := range findAll(table, func(n *html.Node) bool { return n.Data == "tr" }) {
		var row []string
		for _, c := range findAll(tr, func(n *html.Node) bool { return n.Data == "th" || n.Data == "td" }) {
			row = append(row, strings.TrimSpace(textOf(c)))
		}
		rows = append(rows, row)
	}
	return rows
}

// tableProblems checks a chart's table against its option, as the
// browser decodes it: a row for each category (or slice, or time line),
// found by its name, holding each series' value there.
func tableProblems(opt map[string]any, rows [][]string) []string {
	if len(rows) == 0 {
		return []string{"empty table"}
	}
	head, body := rows[0], rows[1:]
	row := func(name string) []string {
		for _, r := range body {
			if len(r) > 0 && r[0] == name {
				return r
			}
		}
		return nil
	}
	var problems []string
	cell := func(name string, col int, want string) {
		r := row(name)
		if col >= len(r) || r[col] != want {
			problems = append(problems, fmt.Sprintf("row %q column %d: %v, want %q", name, col, r, want))
		}
	}
	value := func(d any) string {
		if m, ok := d.(map[string]any); ok {
			d = m["value"]
		}
		// A point without a value (null) has no bar, and reads "—".
		if f, ok := d.(float64); ok {
			return number(f, 2)
		}
		return "—"
	}
	series, _ := opt["series"].([]any)
	axis := func(k string) map[string]any { m, _ := opt[k].(map[string]any); return m }
	var cats []any
	switch {
	case axis("xAxis")["type"] == "category":
		cats, _ = axis("xAxis")["data"].([]any)
	case axis("yAxis")["type"] == "category":
		cats, _ = axis("yAxis")["data"].([]any)
	}
	n := 0
	for j, s := range series {
		s := s.(map[string]any)
		data, _ := s["data"].([]any)
		switch {
		case s["type"] == "pie":
			for _, d := range data {
				cell(d.(map[string]any)["name"].(string), 1, value(d))
			}
			n += len(data)
		case axis("xAxis")["type"] == "time":
			first := data[0].([]any)
			cell(first[1].(string), 1, first[0].(string))
			n++
		default:
			if name, _ := s["name"].(string); name != "" && (j+1 >= len(head) || head[j+1] != name) {
				problems = append(problems, fmt.Sprintf("column %d headed %v, want %q", j+1, head, name))
			}
			for i, c := range cats {
				cell(c.(string), j+1, value(data[i]))
			}
			n = len(cats)
		}
	}
	if n == 0 || len(body) != n {
		problems = append(problems, fmt.Sprintf("%d rows, want %d", len(body), n))
	}
	for i, h := range head {
		if h == "" {
			problems = append(problems, fmt.Sprintf("column %d has no header", i))
		}
	}
	return problems
}
