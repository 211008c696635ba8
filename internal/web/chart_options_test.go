package web

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/platform"
)

// chartJSON is an ECharts option as the browser receives it: marshalled
// and decoded again, so numbers are float64 and lists []any.
func chartJSON(t *testing.T, opt any) map[string]any {
	t.Helper()
	b, err := json.Marshal(opt)
	must(t, err)
	var out map[string]any
	must(t, json.Unmarshal(b, &out))
	return out
}

// optAt reads a nested object of an option: optAt(opt, "yAxis", "axisLabel").
func optAt(t *testing.T, opt map[string]any, keys ...string) map[string]any {
	t.Helper()
	cur := opt
	for _, k := range keys {
		next, ok := cur[k].(map[string]any)
		if !ok {
			t.Fatalf("option has no object at %v: %v", keys, opt)
		}
		cur = next
	}
	return cur
}

func TestHotTermsChart(t *testing.T) {
	t.Parallel()
	var terms []insight.HotTerm
	for i := range hotTermLimit {
		terms = append(terms, insight.HotTerm{Term: fmt.Sprintf("词%02d", i), Count: 40 - i, Previous: 1.5})
	}
	tr := func(k string) string { return k }
	cases := []struct {
		name  string
		terms []insight.HotTerm
		bars  int
	}{
		{"twenty terms, the table's limit", terms, hotTermChartBars},
		{"fewer terms than bars", terms[:5], 5},
		{"none", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			opt := chartJSON(t, hotTermsChart(c.terms, tr))
			y := optAt(t, opt, "yAxis")
			if data, _ := y["data"].([]any); len(data) != c.bars {
				t.Errorf("yAxis.data has %d terms, want %d", len(data), c.bars)
			}
			label := optAt(t, opt, "yAxis", "axisLabel")
			if label["interval"] != float64(0) {
				t.Errorf("yAxis.axisLabel.interval = %v, want 0 (every term labelled)", label["interval"])
			}
			if label["overflow"] != "truncate" || label["width"] == nil {
				t.Errorf("yAxis.axisLabel = %v, want long terms truncated to a width", label)
			}
			for i, s := range opt["series"].([]any) {
				if data, _ := s.(map[string]any)["data"].([]any); len(data) != c.bars {
					t.Errorf("series %d has %d values, want %d", i, len(data), c.bars)
				}
			}
		})
	}
	// 320 px less the legend and margins, per bar: room for a 12 px label.
	if px := (320 - 48) / hotTermChartBars; px < 18 {
		t.Errorf("%d bars leave %d px per term in a 320 px chart, want at least 18", hotTermChartBars, px)
	}
}

func TestLinkBreakdownChart(t *testing.T) {
	t.Parallel()
	rows := []bucketRow{
		{Key: "human", Label: "真人", Clicks: 2100, HumanClicks: 2100},
		{Key: "preview", Label: "链接预览（微信、微博等）", Clicks: 1500},
		{Key: "bot", Label: "机器人与爬虫", Clicks: 900},
		{Key: "prefetch", Label: "浏览器预加载", Clicks: 300},
		{Key: "", Label: "未知", Clicks: 12},
	}
	l := lang{s: &Server{cat: mustCatalog(t)}, loc: "zh-CN"}
	t.Run("donut legend wraps, never pages", func(t *testing.T) {
		t.Parallel()
		opt := chartJSON(t, bucketChart(rows, true, l))
		legend := optAt(t, opt, "legend")
		if typ, _ := legend["type"].(string); typ == "scroll" {
			t.Errorf("legend.type = scroll: a paged legend (1/3) hides classes")
		}
		if legend["orient"] == "vertical" {
			t.Errorf("legend is vertical, want horizontal lines that wrap")
		}
		pie := opt["series"].([]any)[0].(map[string]any)
		center := pie["center"].([]any)
		if center[1] == "50%" {
			t.Errorf("pie centred at %v: the wrapped legend below needs room", center)
		}
	})
	t.Run("bars: few value labels, truncated categories", func(t *testing.T) {
		t.Parallel()
		opt := chartJSON(t, bucketChart(rows, false, l))
		x := optAt(t, opt, "xAxis")
		if n, _ := x["splitNumber"].(float64); n == 0 || n > 3 {
			t.Errorf("xAxis.splitNumber = %v, want 1 to 3 in a narrow chart", x["splitNumber"])
		}
		if optAt(t, opt, "xAxis", "axisLabel")["hideOverlap"] != true {
			t.Errorf("xAxis.axisLabel.hideOverlap not set: numbers may run together")
		}
		y := optAt(t, opt, "yAxis", "axisLabel")
		if y["interval"] != float64(0) || y["overflow"] != "truncate" {
			t.Errorf("yAxis.axisLabel = %v, want every label, truncated", y)
		}
		// The tooltip and the data table name the bars in the page's language.
		var names []any
		for _, s := range opt["series"].([]any) {
			names = append(names, s.(map[string]any)["name"])
		}
		if want := []any{l.T("tracking.clicks"), l.T("tracking.human")}; fmt.Sprint(names) != fmt.Sprint(want) {
			t.Errorf("series named %v, want %v", names, want)
		}
	})
}

var breakdownChart = regexp.MustCompile(`(?s)id="breakdown-(\w+)">.*?data-chart="([^"]*)"`)

// TestLinkDetailChartOptions reads the options the link page sends to
// ECharts: the class donut's legend does not page, the referrer bars'
// value axis has few numbers.
func TestLinkDetailChartOptions(t *testing.T) {
	f := newTrackingFixture(t)
	b := f.h.browser()
	b.login(f.owner.email, f.owner.password)
	status, body := b.get(f.linkPath())
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	opts := map[string]map[string]any{}
	for _, m := range breakdownChart.FindAllStringSubmatch(body, -1) {
		var opt map[string]any
		if err := json.Unmarshal([]byte(html.UnescapeString(m[2])), &opt); err != nil {
			t.Fatalf("breakdown %s: bad chart JSON: %v", m[1], err)
		}
		opts[m[1]] = opt
	}
	class, referrer := opts["class"], opts["referrer"]
	if class == nil || referrer == nil {
		t.Fatalf("charts of class and referrer not found, got %d charts", len(opts))
	}
	if typ, _ := optAt(t, class, "legend")["type"].(string); typ == "scroll" {
		t.Errorf("class donut legend is paged")
	}
	if n, _ := optAt(t, referrer, "xAxis")["splitNumber"].(float64); n == 0 || n > 3 {
		t.Errorf("referrer xAxis.splitNumber = %v, want 1 to 3", n)
	}
}

// TestChartLegendsKeepOneLine: a chart whose legend names five series or
// more keeps it on one line that pages (an ECharts scroll legend); on a
// phone a plain one wraps to a second row drawn over the bars or the dates.
func TestChartLegendsKeepOneLine(t *testing.T) {
	t.Parallel()
	score := 50.0
	var comps []platform.Component
	for _, name := range []string{"audience", "usage", "objective", "api", "performance"} {
		comps = append(comps, platform.Component{Name: name, Score: &score, Effective: 0.2})
	}
	var hot insight.HotTerms
	for i := range insightTrendLines {
		hot.Terms = append(hot.Terms, insight.HotTerm{Term: fmt.Sprintf("词%02d", i), Trend: []int{1, 2}})
	}
	hot.Days = []string{"2026-12-01", "2026-12-02"}
	for _, c := range []struct {
		name string
		opt  map[string]any
	}{
		{"platform fit", fitChart([]fitRow{{Fit: platform.Fit{Platform: "weibo", Score: 50, Reach: 1, Components: comps}, Name: "Weibo"}}, func(k string) string { return k })},
		{"hot terms trend", hotTrendChart(hot)},
	} {
		t.Run(c.name, func(t *testing.T) {
			opt := chartJSON(t, c.opt)
			if n := len(opt["series"].([]any)); n < 5 {
				t.Fatalf("%d series, want at least 5 to test the legend", n)
			}
			if legend := optAt(t, opt, "legend"); legend["type"] != "scroll" {
				t.Errorf("legend = %v, want type scroll", legend)
			}
		})
	}
}
