package web

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestEmptyListeningSaysWhatToDo: a new workspace's listening and
// insights pages draw no chart of zeros (a pie of nothing, flat lines);
// in place of each chart they say what will appear there and, to those
// who may edit listening, link to the first steps: topics for the brand
// and its competitors, a source, an import. A read-only member learns who
// takes them. As the workspace gathers topics and mentions, the steps it
// took drop out and the charts come back.
func TestEmptyListeningSaysWhatToDo(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	b := h.signedIn(owner)
	analyst := h.member(owner, "analyst@example.com", account.Analyst)
	cat := mustCatalog(t)
	pages := []string{"/w/acme/listening", "/w/acme/listening/insights"}
	const (
		topics  = "/w/acme/listening#topics"
		source  = "/w/acme/listening/sources#add-source"
		imports = "/w/acme/listening/sources#import"
	)
	// note is what stands in place of a chart: its text, the links it
	// offers and whether it says who sets listening up.
	type note struct {
		key   string
		links []string
		ask   bool
	}
	// check reads page as who in lang: its charts, none of zeros, and the
	// notes in place of the others (by id).
	check := func(who *browser, page, lang string, notes map[string]note, charts int) {
		t.Helper()
		_, body, _ := who.do("GET", page, nil, map[string]string{"Accept-Language": lang})
		doc, err := html.Parse(strings.NewReader(body))
		must(t, err)
		drawn := findAll(doc, func(n *html.Node) bool { return attr(n, "data-chart") != "" })
		for _, c := range drawn {
			if allZero(t, attr(c, "data-chart")) {
				t.Errorf("%s %s: a chart of zeros: %s", lang, page, attr(c, "data-chart"))
			}
		}
		if len(drawn) != charts {
			t.Errorf("%s %s: %d charts, want %d", lang, page, len(drawn), charts)
		}
		for _, id := range []string{"volume-empty", "sov-empty"} {
			n := findNode(doc, func(n *html.Node) bool { return attr(n, "id") == id })
			want, ok := notes[id]
			if !ok {
				if n != nil {
					t.Errorf("%s %s: #%s with a chart to draw: %s", lang, page, id, textOf(n))
				}
				continue
			}
			if n == nil {
				t.Errorf("%s %s: no #%s", lang, page, id)
				continue
			}
			text := textOf(n)
			if !strings.Contains(text, cat.T(lang, want.key, nil)) {
				t.Errorf("%s %s #%s does not say %s: %q", lang, page, id, want.key, text)
			}
			var hrefs []string
			for _, a := range findAll(n, func(n *html.Node) bool { return n.Data == "a" }) {
				hrefs = append(hrefs, attr(a, "href"))
			}
			if !slices.Equal(hrefs, want.links) {
				t.Errorf("%s %s #%s links to %v, want %v", lang, page, id, hrefs, want.links)
			}
			if ask := strings.Contains(text, cat.T(lang, "listening.start.ask", nil)); ask != want.ask {
				t.Errorf("%s %s #%s says who sets listening up: %v, want %v", lang, page, id, ask, want.ask)
			}
		}
	}
	steps := []string{topics, source, imports}
	for _, lang := range Locales {
		for _, page := range pages {
			check(b, page, lang, map[string]note{"volume-empty": {key: "listening.empty.volume", links: steps}, "sov-empty": {key: "listening.empty.sov", links: steps}}, 0)
			check(analyst, page, lang, map[string]note{"volume-empty": {key: "listening.empty.volume", ask: true}, "sov-empty": {key: "listening.empty.sov", ask: true}}, 0)
		}
	}

	// Mentions, but no topic of the brand or a competitor: the volume is
	// drawn, share of voice still asks for those topics.
	ctx := context.Background()
	ws := owner.ws.ID
	_, err := h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "拿铁", Kind: "product", Query: "拿铁", Enabled: true})
	must(t, err)
	_, err = h.listen.Ingest(ctx, ws, []listen.Post{{SourceKind: "webhook", ExternalID: "1", Author: "小王", Text: "星澜的拿铁真好喝", PublishedAt: time.Now().Add(-time.Hour)}})
	must(t, err)
	for _, page := range pages {
		check(b, page, "en", map[string]note{"sov-empty": {key: "listening.empty.sov", links: []string{topics}}}, 1)
	}
	// A brand topic matching the mention: both charts drawn.
	_, err = h.listen.CreateTopic(ctx, ws, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	_, err = h.listen.Ingest(ctx, ws, []listen.Post{{SourceKind: "webhook", ExternalID: "2", Author: "小李", Text: "星澜 冷萃也不错", PublishedAt: time.Now().Add(-time.Hour)}})
	must(t, err)
	for _, page := range pages {
		check(b, page, "en", nil, 2)
	}
	// Mentions only before the period: nothing to draw, nothing to set up.
	other := h.tenant("later", account.Owner)
	lb := h.signedIn(other)
	_, err = h.listen.CreateTopic(ctx, other.ws.ID, listen.Topic{Name: "星澜", Kind: "brand", Query: "星澜", Enabled: true})
	must(t, err)
	_, err = h.listen.Ingest(ctx, other.ws.ID, []listen.Post{{SourceKind: "webhook", ExternalID: "1", Author: "小王", Text: "星澜 去年的帖子", PublishedAt: time.Now().AddDate(0, -6, 0)}})
	must(t, err)
	for _, page := range []string{"/w/later/listening", "/w/later/listening/insights"} {
		check(lb, page, "zh-CN", map[string]note{"volume-empty": {key: "listening.empty.volume_period"}, "sov-empty": {key: "listening.empty.sov_period"}}, 0)
	}
}

// allZero reports whether a chart option's series hold no figure but 0.
func allZero(t *testing.T, option string) bool {
	t.Helper()
	var opt struct {
		Series []struct {
			Data []any `json:"data"`
		} `json:"series"`
	}
	must(t, json.Unmarshal([]byte(option), &opt))
	for _, s := range opt.Series {
		for _, d := range s.Data {
			if v, ok := chartValue(d); ok && v != 0 {
				return false
			}
		}
	}
	return true
}
