package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestInsightsPage(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	other := h.tenant("other", account.Owner)
	ws := owner.ws.ID
	_, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	rival, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "墨岩", Kind: "competitor", Query: "墨岩", Enabled: true})
	must(t, err)
	now := time.Now().Add(-time.Hour)
	var posts []listen.Post
	post := func(author string, followers int64, text string, at time.Time) {
		posts = append(posts, listen.Post{SourceKind: "webhook", ExternalID: strconv.Itoa(len(posts)), Author: author, AuthorFollowers: followers,
			Text: text, PublishedAt: at})
	}
	for i := range 3 {
		post("小王", 5000, fmt.Sprintf("星澜的燕麦拿铁真好喝，推荐第%d次！", i+1), now.Add(-time.Duration(i)*time.Hour))
		post("<b>evil</b>", 90000, fmt.Sprintf("星澜门店排队太久了，失望 <script>alert(%d)</script>", i), now.Add(-time.Duration(i)*time.Hour))
	}
	post("路人", 10, "墨岩咖啡今天排队好长", now)
	post("老用户", 20, "二十天前：星澜还行", now.Add(-20*24*time.Hour))
	_, err = h.listen.Ingest(ctx, ws, posts)
	must(t, err)

	b := h.signedIn(owner)
	status, body := b.get("/w/acme/listening/insights")
	if status != http.StatusOK {
		t.Fatalf("GET insights: %d %s", status, body)
	}
	for _, want := range []string{`id="insight-sentiment"`, `data-chart=`, `aria-current="page" id="tab-insights"`, `<option value="30" selected>`,
		`id="word-cloud"`, "拿铁", "本品牌", "墨岩", "&lt;b&gt;evil&lt;/b&gt;", "90,000", "&lt;script&gt;", "老用户"} {
		if !strings.Contains(body, want) {
			t.Errorf("insights page lacks %q", want)
		}
	}
	for _, bad := range []string{"<b>evil</b>", "<script>alert("} {
		if strings.Contains(body, bad) {
			t.Errorf("insights page shows %q", bad)
		}
	}
	// On a phone each table stacks, a block per row with each figure after
	// its column's name, rather than scrolling followers, mentions and
	// examples off screen.
	for _, id := range []string{"co-positive-table", "co-negative-table", "author-table", "insight-source-table"} {
		for _, p := range stackProblems(t, body, id) {
			t.Error(p)
		}
	}
	// What customers say with the brand: 拿铁 in its positive mentions,
	// 排队 in its negative ones, and never the brand's own name.
	pos, neg := section(body, `id="co-positive"`, `id="co-negative"`), section(body, `id="co-negative"`, `id="insight-authors"`)
	if !strings.Contains(pos, "拿铁") || strings.Contains(pos, "排队") || !strings.Contains(neg, "排队") || strings.Contains(neg, "拿铁") {
		t.Errorf("co-occurring terms:\npositive %s\nnegative %s", pos, neg)
	}
	// Each term quotes one of its mentions, escaped.
	if !strings.Contains(pos, "星澜的燕麦拿铁真好喝") || !strings.Contains(neg, "星澜门店排队太久了，失望 &lt;script&gt;") {
		t.Errorf("co-occurring terms lack their examples:\npositive %s\nnegative %s", pos, neg)
	}
	if strings.Contains(pos+neg, "<td>星澜</td>") {
		t.Errorf("co-occurring terms list the brand's own name")
	}
	// The brand topics it reads follow the lead as its last words.
	if !strings.Contains(body, "不含话题搜索的词（话题名称和查询词）。话题：星澜</p>") {
		t.Errorf("co-occurring lead does not end with its topic: %s", section(body, `id="insight-co"`, `id="co-positive"`))
	}
	// Top authors by reach: the largest following first.
	authors := section(body, `id="insight-authors"`, `id="insight-sources"`)
	if e, w := strings.Index(authors, "evil"), strings.Index(authors, "小王"); e < 0 || w < 0 || e > w {
		t.Errorf("top authors not by reach: %s", authors)
	}

	// One topic over 7 days: the competitor's author only, the older
	// mention out of the period.
	_, body = b.get(fmt.Sprintf("/w/acme/listening/insights?topic=%d&days=7", rival.ID))
	authors = section(body, `id="insight-authors"`, `id="insight-sources"`)
	if !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>`, rival.ID)) || !strings.Contains(authors, "路人") || strings.Contains(authors, "小王") {
		t.Errorf("topic filter not applied: %s", authors)
	}
	_, body = b.get("/w/acme/listening/insights?days=7")
	if strings.Contains(body, "老用户") {
		t.Errorf("a 7-day period shows a mention of 20 days ago")
	}
	// Values the page does not offer are ignored.
	status, body = b.get("/w/acme/listening/insights?topic=999&days=9999")
	if status != http.StatusOK || !strings.Contains(body, `<option value="30" selected>`) || !strings.Contains(body, "小王") {
		t.Errorf("unknown filter values: %d", status)
	}
	// Two brand topics are listed as a list of the reader's language.
	_, err = h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "月岩", Kind: "brand", Query: "月岩", Enabled: true})
	must(t, err)
	_, body = b.get("/w/acme/listening/insights")
	if !regexp.MustCompile(`话题：(星澜、月岩|月岩、星澜)</p>`).MatchString(body) {
		t.Errorf("co-occurring lead does not list both brand topics: %s", section(body, `id="insight-co"`, `id="co-positive"`))
	}
	// In English.
	_, body, _ = b.do("GET", "/w/acme/listening/insights?lang=en", nil, map[string]string{"Accept-Language": "en"})
	if !regexp.MustCompile(`Topics: (星澜, 月岩|月岩, 星澜)</p>`).MatchString(body) {
		t.Errorf("English co-occurring lead does not list both brand topics: %s", section(body, `id="insight-co"`, `id="co-positive"`))
	}
	for _, want := range []string{"What customers say with the brand", "Top authors by reach", "Word cloud"} {
		if !strings.Contains(body, want) {
			t.Errorf("English insights page lacks %q", want)
		}
	}
	// Another workspace's insights stay closed.
	if status, _ := b.get("/w/" + other.ws.Slug + "/listening/insights"); status != http.StatusNotFound && status != http.StatusForbidden {
		t.Errorf("another workspace's insights: %d", status)
	}
}

// TestInsightPeriodsInOrder: the insights page lists its periods shortest
// first, as the stream's filter does (7, 30, 90 days, not 30, 7, 90), and
// opens on its default one, chosen in the list.
func TestInsightPeriodsInOrder(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	_, body := b.get("/w/acme/listening/insights")
	opts := regexp.MustCompile(`<option value="(\d+)"( selected)?>`).FindAllStringSubmatch(section(body, `id="i-days"`, "</select>"), -1)
	if len(opts) < 2 {
		t.Fatalf("period choices: %v", opts)
	}
	prev, selected := 0, ""
	for _, o := range opts {
		n, _ := strconv.Atoi(o[1])
		if n <= prev {
			t.Errorf("period %s days listed after %d days", o[1], prev)
		}
		prev = n
		if o[2] != "" {
			selected += o[1]
		}
	}
	if selected != insightDefaultDays {
		t.Errorf("chosen period %q, want the default %s days", selected, insightDefaultDays)
	}
}

// TestInsightHotTermsQuoteMentions: the insights page lists its hot terms
// of the topic and period chosen, each with its count and the text of one
// of its mentions, escaped, as the stream's hot terms do; the trend chart
// and the word cloud alone gave no example.
func TestInsightHotTermsQuoteMentions(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	ws := owner.ws.ID
	_, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	rival, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "墨岩", Kind: "competitor", Query: "墨岩", Enabled: true})
	must(t, err)
	now := time.Now().Add(-time.Hour)
	var posts []listen.Post
	for i := range 3 {
		for _, text := range []string{"星澜的燕麦拿铁真好喝 <i>%d</i>", "墨岩门店排队太久了 %d"} {
			posts = append(posts, listen.Post{SourceKind: "webhook", ExternalID: fmt.Sprint(len(posts)), Author: "fan", Text: fmt.Sprintf(text, i),
				PublishedAt: now.Add(-time.Duration(i) * time.Hour)})
		}
	}
	_, err = h.listen.Ingest(ctx, ws, posts)
	must(t, err)
	b := h.signedIn(owner)
	for _, c := range []struct {
		query, term, example, not string
	}{
		{"", "拿铁", "星澜的燕麦拿铁真好喝 &lt;i&gt;", "<i>"},
		{fmt.Sprintf("?topic=%d&days=7", rival.ID), "排队", "墨岩门店排队太久了", "拿铁"},
	} {
		_, body := b.get("/w/acme/listening/insights" + c.query)
		hot := section(body, `id="insight-hot-table"`, "</table>")
		term := regexp.MustCompile(`<tr><td>[^<]*` + c.term + `[^<]*</td>`)
		if !term.MatchString(hot) || !strings.Contains(hot, c.example) || strings.Contains(hot, c.not) {
			t.Errorf("insights%s: hot terms want %s quoting %q, without %q:\n%s", c.query, c.term, c.example, c.not, hot)
		}
		for _, p := range stackProblems(t, body, "insight-hot-table") {
			t.Error(p)
		}
	}
}

// TestHotTermsLeaveOutSearchedTerms: the hot terms of the listening page
// and of the insights leave out the brand's name, which its topic
// searches for and every mention of it holds, and say so in small print
// in the reader's language.
func TestHotTermsLeaveOutSearchedTerms(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	_, err := h.listen.CreateTopic(ctx, owner.ws.ID, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜 OR starlan", Enabled: true})
	must(t, err)
	now := time.Now().Add(-time.Hour)
	var posts []listen.Post
	for i := range 3 {
		posts = append(posts, listen.Post{SourceKind: "webhook", ExternalID: fmt.Sprint(i), Author: "fan", Text: fmt.Sprintf("星澜 StarLan 门店排队太久了 %d", i),
			PublishedAt: now.Add(-time.Duration(i) * time.Hour)})
	}
	_, err = h.listen.Ingest(ctx, owner.ws.ID, posts)
	must(t, err)
	b := h.signedIn(owner)
	for _, c := range []struct{ path, table, note, lang, says string }{
		{"/w/acme/listening", "hot-term-table", "hot-searched", "zh-CN", "不含话题搜索的词"},
		{"/w/acme/listening/insights", "insight-hot-table", "insight-hot-searched", "zh-CN", "不含话题搜索的词"},
		{"/w/acme/listening", "hot-term-table", "hot-searched", "en", "what the topics search for"},
		{"/w/acme/listening/insights", "insight-hot-table", "insight-hot-searched", "en", "what the topics search for"},
	} {
		_, body, _ := b.do("GET", c.path+"?lang="+c.lang, nil, map[string]string{"Accept-Language": c.lang})
		hot := section(body, `id="`+c.table+`"`, "</table>")
		if !regexp.MustCompile(`<tr><td>[^<]*排队`).MatchString(hot) {
			t.Errorf("%s: hot terms lack 排队:\n%s", c.path, hot)
		}
		for _, own := range []string{"星澜", "starlan"} {
			if regexp.MustCompile(`<tr><td>[^<]*` + own).MatchString(hot) {
				t.Errorf("%s: hot terms hold the searched-for %s:\n%s", c.path, own, hot)
			}
		}
		if note := section(body, `id="`+c.note+`"`, "</p>"); !strings.Contains(note, c.says) {
			t.Errorf("%s in %s: the hot terms do not say the searched-for words are left out: %q", c.path, c.lang, note)
		}
	}
}

// TestHotTermsPreviousOneDecimal: the earlier periods' mean of a hot term
// (2 mentions in 9 a week before, scaled to this week's 3: 0.67) reads
// with one decimal at most, as the other counts of the card, on the
// listening page and on the insights, in both languages.
func TestHotTermsPreviousOneDecimal(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	_, err := h.listen.CreateTopic(ctx, owner.ws.ID, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	now := time.Now().Add(-time.Hour)
	var posts []listen.Post
	for i := range 3 {
		posts = append(posts, listen.Post{SourceKind: "webhook", ExternalID: fmt.Sprint(len(posts)), Author: "fan", Text: fmt.Sprintf("星澜 oatmilk %d", i),
			PublishedAt: now.Add(-time.Duration(i) * time.Hour)})
	}
	for i := range 9 {
		text := fmt.Sprintf("星澜 morning %d", i)
		if i < 2 {
			text = fmt.Sprintf("星澜 oatmilk morning %d", i)
		}
		posts = append(posts, listen.Post{SourceKind: "webhook", ExternalID: fmt.Sprint(len(posts)), Author: "fan", Text: text,
			PublishedAt: now.AddDate(0, 0, -10).Add(-time.Duration(i) * time.Hour)})
	}
	_, err = h.listen.Ingest(ctx, owner.ws.ID, posts)
	must(t, err)
	b := h.signedIn(owner)
	oneDecimal := regexp.MustCompile(`^\d{1,3}(,\d{3})*(\.\d)?$`)
	for _, c := range []struct{ path, table, lang string }{
		{"/w/acme/listening", "hot-term-table", "zh-CN"},
		{"/w/acme/listening/insights?days=7", "insight-hot-table", "zh-CN"},
		{"/w/acme/listening", "hot-term-table", "en"},
		{"/w/acme/listening/insights?days=7", "insight-hot-table", "en"},
	} {
		sep := "?"
		if strings.Contains(c.path, "?") {
			sep = "&"
		}
		_, body, _ := b.do("GET", c.path+sep+"lang="+c.lang, nil, map[string]string{"Accept-Language": c.lang})
		hot := section(body, `id="`+c.table+`"`, "</table>")
		label := regexp.QuoteMeta(h.srv.cat.T(c.lang, "listening.hot.previous", nil))
		cells := regexp.MustCompile(`data-label="`+label+`">([^<]*)<`).FindAllStringSubmatch(hot, -1)
		if !strings.Contains(hot, "oatmilk") || len(cells) == 0 {
			t.Errorf("%s in %s: no oatmilk row or no earlier periods' cell:\n%s", c.path, c.lang, hot)
		}
		fractional := false
		for _, cell := range cells {
			fractional = fractional || strings.Contains(cell[1], ".")
			if !oneDecimal.MatchString(cell[1]) {
				t.Errorf("%s in %s: earlier periods read %q, want one decimal at most", c.path, c.lang, cell[1])
			}
		}
		if !fractional {
			t.Errorf("%s in %s: no fractional earlier periods' mean in %q", c.path, c.lang, cells)
		}
	}
	// The chart's earlier periods' bars read as the table does.
	opt := chartJSON(t, hotTermsChart([]insight.HotTerm{{Term: "oatmilk", Count: 3, Previous: 0.67}, {Term: "latte", Count: 90, Previous: 80.34}}, func(k string) string { return k }))
	for _, v := range opt["series"].([]any)[1].(map[string]any)["data"].([]any) {
		if s := strconv.FormatFloat(v.(float64), 'f', -1, 64); !oneDecimal.MatchString(s) {
			t.Errorf("the chart's earlier periods' bar reads %s, want one decimal at most", s)
		}
	}
}

// TestHotTermsSayWhenNothingCameBefore: when no mention came before the
// period, the hot terms of the overview and of the insights page say
// that there is nothing to compare with, in both languages, instead of
// ranking every term as risen from 0; with earlier mentions they do not.
func TestHotTermsSayWhenNothingCameBefore(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.tenant("acme", account.Owner)
	_, err := h.listen.CreateTopic(ctx, owner.ws.ID, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	now := time.Now().Add(-time.Hour)
	var posts []listen.Post
	for i := range 3 {
		posts = append(posts, listen.Post{SourceKind: "webhook", ExternalID: fmt.Sprint(len(posts)), Author: "fan", Text: fmt.Sprintf("星澜 oatmilk %d", i),
			PublishedAt: now.Add(-time.Duration(i) * time.Hour)})
	}
	_, err = h.listen.Ingest(ctx, owner.ws.ID, posts)
	must(t, err)
	b := h.signedIn(owner)
	pages := []struct{ path, card string }{{"/w/acme/listening", `id="hot-terms"`}, {"/w/acme/listening/insights?days=7", `id="insight-hot"`}}
	check := func(want bool) {
		t.Helper()
		for _, p := range pages {
			for _, lang := range Locales {
				_, body, _ := b.do("GET", p.path, nil, map[string]string{"Accept-Language": lang})
				card := section(body, p.card, "</section>")
				note := h.srv.cat.T(lang, "insights.hot_no_previous", nil)
				if got := strings.Contains(card, `id="hot-no-previous"`) && strings.Contains(card, note); got != want {
					t.Errorf("%s in %s: says nothing came before %v, want %v:\n%s", p.path, lang, got, want, card)
				}
			}
		}
	}
	check(true)
	_, err = h.listen.Ingest(ctx, owner.ws.ID, []listen.Post{{SourceKind: "webhook", ExternalID: "earlier", Author: "fan", Text: "星澜 morning",
		PublishedAt: now.AddDate(0, 0, -10)}})
	must(t, err)
	check(false)
}
