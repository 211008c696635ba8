package web

import (
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestFigureFormats: rates keep a decimal when they are not whole, and
// money keeps its cents, so that a rate of 0.4 % does not read 0 % nor
// 19.90 read 20.
func TestFigureFormats(t *testing.T) {
	t.Parallel()
	pct := funcs["pct"].(func(float64) string)
	amount := funcs["amount"].(func(float64) string)
	count := funcs["count"].(func(float64) string)
	num := func(v any) string {
		s, err := funcs["num"].(func(any) (string, error))(v)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct{ got, want string }{
		{pct(0.004), "0.4%"},
		{pct(0.0005), "0.05%"},
		{pct(0.4846), "48.5%"},
		{pct(0.25), "25%"},
		{pct(1.0 / 3), "33.3%"},
		{pct(0), "0%"},
		{amount(19.9), "19.9"},
		{amount(76797.456), "76,797.46"},
		{amount(100), "100"},
		// Exact, with separators, at every size: no 万 or k for a measured
		// figure (funcs).
		{num(9999), "9,999"},
		{num(10000), "10,000"},
		{num(int64(99995)), "99,995"},
		{num(1e8), "100,000,000"},
		{num(-12345), "-12,345"},
		{num(-0.4), "0"},
		{count(99994.96), "99,995"},
		{amount(-1234.5), "-1,234.5"},
		{amount(-0.004), "0"},
		{pct(-0.15), "-15%"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestQuantitiesReadWithSeparators: every count a message carries reads
// with thousands separators, as the figures of the tables beside it do
// ("话题提及 12,345 条：正面 10,234", not "正面 10234"), in both
// languages; other whole numbers, a range of years or an id, read as
// they are.
func TestQuantitiesReadWithSeparators(t *testing.T) {
	t.Parallel()
	c := mustCatalog(t)
	for _, tc := range []struct {
		name, locale, key string
		args              map[string]any
		want              string
	}{
		{"sentiment split zh", "zh-CN", "listening.volume_total", map[string]any{"Count": int64(12345), "Positive": int64(10234), "Neutral": int64(1500), "Negative": int64(611)},
			"话题提及 12,345 条：正面 10,234，中性 1,500，负面 611。"},
		{"sentiment split en", "en", "listening.volume_total", map[string]any{"Count": int64(12345), "Positive": int64(10234), "Neutral": int64(1500), "Negative": int64(611)},
			"12,345 topic mentions: 10,234 positive, 1,500 neutral, 611 negative."},
		{"import done", "zh-CN", "sources.import.done", map[string]any{"Stored": 48210, "Duplicates": 1200, "Skipped": 3},
			"导入完成：新增 48,210 条，重复 1,200 条，无正文跳过 3 条。"},
		{"import summary", "en", "sources.import.summary", map[string]any{"Total": 100000, "Valid": 99995, "Errors": 5},
			"Rows: 100,000 · can be imported: 99,995 · errors: 5."},
		{"try", "zh-CN", "listening.try_result", map[string]any{"Matched": 1234, "Scanned": 10000}, "最近 10,000 条提及中匹配 1,234 条。"},
		{"co-occurrence samples", "en", "insights.co_lead", map[string]any{"Positive": 2500, "Negative": 1800, "Topics": "x"}, "positive (2,500) and negative (1,800)"},
		{"own model", "en", "listening.model.own", map[string]any{"Date": "2026-12-01", "Rows": 1500, "F1": "0.8", "BaseF1": "0.7"}, "on 1,500 labelled rows"},
		{"years as they are", "en", "error.range", map[string]any{"Min": 2000, "Max": 2100}, "between 2000 and 2100"},
		{"id as it is", "en", "tracking.deleted_campaign", map[string]any{"ID": int64(12345)}, "#12345"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.T(tc.locale, tc.key, tc.args); !strings.Contains(got, tc.want) {
				t.Errorf("T(%s, %s, %v) = %q; want it to contain %q", tc.locale, tc.key, tc.args, got, tc.want)
			}
		})
	}
}

// TestFiguresAreFormatted: a page's headline figures (.figure-value)
// go through a format function (num, count, credit, amount, pct), so
// that one reads 12,345 where the figure beside it reads 12,345, never
// 12345; no template formats a figure with printf, which writes 40.0
// hours where the brand page and the plan's editor write 40.
func TestFiguresAreFormatted(t *testing.T) {
	t.Parallel()
	bare := regexp.MustCompile(`class="figure-value"[^>]*>\{\{-? *[$.][^}]*\}\}|printf "%[^"]*[dfg]"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(path)
		for _, m := range bare.FindAll(b, -1) {
			t.Errorf("%s formats a figure on its own: %s; use num, count, credit, amount or pct", path, m)
		}
		return err
	})
	must(t, err)
}

// TestWriteJSONInfinite: a value JSON cannot hold answers 500 in the API's
// error shape instead of a 200 without a body.
func TestWriteJSONInfinite(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, map[string]float64{"pace": math.Inf(1)})
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"code": "internal"`) {
		t.Errorf("status %d, body %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	writeJSON(rec, http.StatusCreated, map[string]int{"n": 1})
	if rec.Code != http.StatusCreated || rec.Body.String() != "{\n  \"n\": 1\n}\n" {
		t.Errorf("status %d, body %q", rec.Code, rec.Body.String())
	}
}

// TestFavicon: every page names its icon, so that browsers do not ask for
// /favicon.ico and log its 404 on each page load.
func TestFavicon(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.tenant("acme", account.Owner) // set up: the sign-in page shows
	b := h.browser()
	_, body := b.get("/login")
	m := regexp.MustCompile(`<link rel="icon" href="(/static/[0-9a-f]+/favicon\.svg)" type="image/svg\+xml">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the sign-in page names no icon: %.400s", body)
	}
	status, icon, hdr := b.do("GET", m[1], nil, nil)
	if status != http.StatusOK || hdr.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(icon, "<svg") {
		t.Errorf("%s: status %d, type %q, body %.40q", m[1], status, hdr.Get("Content-Type"), icon)
	}
	// A client that asks for /favicon.ico the old way is sent there.
	if status, _, hdr := b.do("GET", "/favicon.ico", nil, nil); status != http.StatusMovedPermanently || hdr.Get("Location") != m[1] {
		t.Errorf("/favicon.ico: status %d, location %q; want 301 to %s", status, hdr.Get("Location"), m[1])
	}
}

// TestTimesStayOnOneLine: a time a page shows is a <time> element in the
// workspace's zone, and the style sheet keeps it on one line, so that a
// narrow column (a source's last success, an alert in the side card) does
// not read "2026-12-" over "07 15:25". Times inside a sentence go through
// T and stay text.
func TestTimesStayOnOneLine(t *testing.T) {
	t.Parallel()
	v := &view{P: &account.Principal{Workspace: account.Workspace{TimeZone: "Asia/Shanghai"}}}
	got := string(v.When(time.Date(2026, 12, 7, 7, 25, 0, 0, time.UTC)))
	if want := `<time datetime="2026-12-07T15:25:00+08:00">2026-12-07 15:25</time>`; got != want {
		t.Errorf("When = %s, want %s", got, want)
	}
	css, err := staticFS.ReadFile("static/app.css")
	must(t, err)
	if !regexp.MustCompile(`(?m)^time \{ white-space: nowrap; \}`).Match(css) {
		t.Error("the style sheet lets a time break across lines")
	}
	bare := regexp.MustCompile(`\{\{-? *(\$v|\$)?\.Time [^(){}]*\}\}`)
	err = fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(path)
		for _, m := range bare.FindAll(b, -1) {
			t.Errorf("%s shows a time as bare text: %s; use When", path, m)
		}
		return err
	})
	must(t, err)
}
