package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

func TestSourceAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		owner := h.tenant("acme", account.Owner)
		other := h.tenant("rival", account.Owner)
		base := "/workspaces/acme/sources"
		dump := func(v any) string { b, _ := json.Marshal(v); return string(b) }

		// A private feed address is refused at save time, naming the field.
		status, body := h.api("POST", base, owner.token, map[string]any{"kind": "rss", "name": "Intranet", "config": map[string]string{"url": "http://127.0.0.1:8080/feed"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(dump(body), `"field":"config.url"`) || !strings.Contains(dump(body), "error.fetch_private") {
			t.Fatalf("private RSS URL: %d %s, want 422 naming config.url", status, dump(body))
		}
		status, body = h.api("POST", base, owner.token, map[string]any{"kind": "rss", "name": "Meta", "config": map[string]string{"url": "http://169.254.169.254/latest/meta-data/"}})
		if status != http.StatusUnprocessableEntity {
			t.Errorf("metadata address: %d %s", status, dump(body))
		}
		status, body = h.api("POST", base, owner.token, map[string]any{"kind": "weibo_search", "name": "Weibo", "config": map[string]string{"q": "乌龙茶", "access_token": "2.00tok"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(dump(body), "config.paid_api") {
			t.Errorf("Weibo without the capability flag: %d %s", status, dump(body))
		}

		// Secrets are stored but never returned.
		const secret = "abcd-efgh-ijkl-mnop"
		status, body = h.api("POST", base, owner.token, map[string]any{"kind": "bluesky_search", "name": "Bluesky", "poll_seconds": 600,
			"config": map[string]string{"q": "oolong", "identifier": "brand.bsky.social", "app_password": secret}})
		if status != http.StatusCreated {
			t.Fatalf("create Bluesky source: %d %s", status, dump(body))
		}
		id := int64(body["id"].(float64))
		if strings.Contains(dump(body), secret) || !strings.Contains(dump(body), `"secrets_set":["app_password"]`) {
			t.Errorf("create answered %s: the app password must not come back, its name must", dump(body))
		}
		path := fmt.Sprintf("%s/%d", base, id)
		for _, p := range []string{base, path} {
			if status, body := h.api("GET", p, owner.token, nil); status != http.StatusOK || strings.Contains(dump(body), secret) {
				t.Errorf("GET %s: %d, secret shown: %v", p, status, strings.Contains(dump(body), secret))
			}
		}
		// A PATCH without the secret keeps it.
		status, body = h.api("PATCH", path, owner.token, map[string]any{"config": map[string]string{"q": "tieguanyin", "identifier": "brand.bsky.social"}})
		if status != http.StatusOK || !strings.Contains(dump(body), `"secrets_set":["app_password"]`) || !strings.Contains(dump(body), "tieguanyin") {
			t.Errorf("PATCH without the secret: %d %s", status, dump(body))
		}
		if src, err := h.srv.Sources.Get(t.Context(), owner.ws.ID, id); err != nil || src.Config["app_password"] != secret {
			t.Errorf("stored app password after PATCH = %q (%v)", src.Config["app_password"], err)
		}
		// Another server or account needs the secret again: an editor who
		// cannot read it must not send it to a host of theirs.
		for _, cfg := range []map[string]string{
			{"q": "tieguanyin", "identifier": "brand.bsky.social", "service": "https://pds.evil.example"},
			{"q": "tieguanyin", "identifier": "someone.else.social"},
		} {
			status, body = h.api("PATCH", path, owner.token, map[string]any{"config": cfg})
			if status != http.StatusUnprocessableEntity || !strings.Contains(dump(body), `"field":"config.app_password"`) {
				t.Errorf("PATCH %v without the secret: %d %s; want 422 asking for config.app_password", cfg, status, dump(body))
			}
		}
		if src, err := h.srv.Sources.Get(t.Context(), owner.ws.ID, id); err != nil || src.Config["app_password"] != secret || src.Config["service"] != "" {
			t.Errorf("stored source after refused PATCHes = %v (%v); want it unchanged", src.Config, err)
		}

		// Test poll of an own channel: an answer with the error, nothing saved.
		status, body = h.api("POST", base, owner.token, map[string]any{"kind": "own_channel", "name": "Our Weibo"})
		if status != http.StatusCreated {
			t.Fatalf("create own channel: %d %s", status, dump(body))
		}
		ownPath := fmt.Sprintf("%s/%d", base, int64(body["id"].(float64)))
		status, body = h.api("POST", ownPath+"/test", owner.token, nil)
		if status != http.StatusOK || body["ok"] != false || !strings.Contains(dump(body), "error.source_own_channel") || !strings.Contains(dump(body), "coming with publishing") {
			t.Errorf("test own channel: %d %s", status, dump(body))
		}

		// Tenancy: another workspace's member sees none of it.
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			if status, _ := h.api(m, path, other.token, map[string]any{"name": "x"}); status != http.StatusNotFound {
				t.Errorf("%s by another workspace's token: %d, want 404", m, status)
			}
		}
		otherPath := fmt.Sprintf("/workspaces/rival/sources/%d", id)
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			if status, _ := h.api(m, otherPath, other.token, map[string]any{"name": "x"}); status != http.StatusNotFound {
				t.Errorf("%s of acme's source under rival's workspace: %d, want 404", m, status)
			}
		}
		if status, _ := h.api("POST", otherPath+"/test", other.token, nil); status != http.StatusNotFound {
			t.Errorf("test of acme's source under rival's workspace: %d, want 404", status)
		}

		if status, _ := h.api("DELETE", path, owner.token, nil); status != http.StatusNoContent {
			t.Errorf("delete: %d", status)
		}
		if status, _ := h.api("GET", path, owner.token, nil); status != http.StatusNotFound {
			t.Errorf("get after delete: %d", status)
		}
	})
}

// TestSourceStatus derives a source's badge and backoff from its health.
func TestSourceStatus(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	ptr := func(d time.Duration) *time.Time { x := at.Add(d); return &x }
	tests := []struct {
		name    string
		src     listen.Source
		status  string
		backoff int64
	}{
		{"never polled", listen.Source{Kind: "rss", Enabled: true}, sourcePending, 0},
		{"polled fine", listen.Source{Kind: "rss", Enabled: true, LastSuccessAt: ptr(0), NextPollAt: ptr(15 * time.Minute)}, sourceOK, 0},
		{"recovered after an error", listen.Source{Kind: "rss", Enabled: true, LastErrorAt: ptr(-time.Hour), LastError: "HTTP 503", LastSuccessAt: ptr(0)}, sourceOK, 0},
		{"failing, waiting 2 h", listen.Source{Kind: "mastodon_tag", Enabled: true, Failures: 3, LastErrorAt: ptr(0), NextPollAt: ptr(2 * time.Hour)}, sourceFailing, 7200},
		{"failing, next poll unknown", listen.Source{Kind: "rss", Enabled: true, Failures: 1, LastErrorAt: ptr(0)}, sourceFailing, 0},
		{"paused wins over failing", listen.Source{Kind: "rss", Failures: 2, LastErrorAt: ptr(0), NextPollAt: ptr(time.Hour)}, sourcePaused, 0},
		{"webhook", listen.Source{Kind: "webhook", Enabled: true}, sourcePushed, 0},
	}
	for _, tt := range tests {
		got := toSourceResp(tt.src)
		if got.Status != tt.status || got.BackoffSeconds != tt.backoff {
			t.Errorf("%s: status %q backoff %d, want %q %d", tt.name, got.Status, got.BackoffSeconds, tt.status, tt.backoff)
		}
	}
}

// TestSourceLabels checks that every source kind and status the health
// page shows, and every alert title, is in both catalogs.
func TestSourceLabels(t *testing.T) {
	t.Parallel()
	var keys []string
	for _, k := range listen.SourceKinds {
		keys = append(keys, "sources.kind."+k)
	}
	for _, s := range sourceStatuses {
		keys = append(keys, "sources.status."+s)
	}
	for _, k := range listen.AlertKinds {
		keys = append(keys, "alert."+k+".title", "alert."+k+".detail", "listening.alert_kind."+k)
	}
	for _, loc := range Locales {
		cat := catalogKeys(t, loc)
		for _, k := range keys {
			if _, ok := cat[k]; !ok {
				t.Errorf("%s lacks %q", loc, k)
			}
		}
	}
}

// TestSourceHealthPage shows each source's health: status badges, the
// last error escaped, items fetched, next poll and backoff; a summary on
// the listening page links to it. Members of the workspace read it,
// others get 404.
func TestSourceHealthPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := t.Context()
		owner := h.tenant("acme", account.Owner)
		other := h.tenant("rival", account.Owner)
		ws := owner.ws.ID
		create := func(kind, name string, enabled bool, cfg map[string]string) listen.Source {
			t.Helper()
			s, err := db.CreateSource(ctx, ws, listen.Source{Kind: kind, Name: name, Config: cfg, Enabled: enabled, PollSeconds: 900})
			must(t, err)
			return s
		}
		feed := create("rss", "店铺博客", true, map[string]string{"url": "https://blog.example.com/feed.xml"})
		must(t, db.RecordSourceSuccess(ctx, ws, feed.ID, "", `"etag"`, "", 42, time.Now().Add(15*time.Minute)))
		tag := create("mastodon_tag", "#咖啡", true, map[string]string{"instance": "https://mastodon.example", "tag": "咖啡", "token": "sekrit-token"})
		must(t, db.RecordSourceFailure(ctx, ws, tag.ID, listen.SourceProblem{Text: `HTTP 503 <script>alert(1)</script>`}, time.Now().Add(time.Hour)))
		create("rss", "旧订阅", false, map[string]string{"url": "https://old.example.com/rss"})

		b := h.signedIn(owner)
		status, body := b.get("/w/acme/listening/sources")
		if status != http.StatusOK {
			t.Fatalf("GET sources: %d %s", status, body)
		}
		rowOf := func(id int64) string { return section(body, fmt.Sprintf(`id="source-%d"`, id), "</tr>") }
		for _, c := range []struct {
			id   int64
			want []string
		}{
			{feed.ID, []string{"店铺博客", "RSS / Atom 订阅源", "badge source-ok ok", "正常", ">42<"}},
			{tag.ID, []string{"Mastodon 话题标签", "badge source-failing error", "连续失败 1 次", "HTTP 503 &lt;script&gt;alert(1)&lt;/script&gt;", "60 分钟"}},
		} {
			row := rowOf(c.id)
			for _, w := range c.want {
				if !strings.Contains(row, w) {
					t.Errorf("source %d row lacks %q: %s", c.id, w, row)
				}
			}
		}
		for _, w := range []string{"已暂停", `id="tab-sources"`, `aria-current="page" id="tab-sources"`} {
			if !strings.Contains(body, w) {
				t.Errorf("sources page lacks %q", w)
			}
		}
		for _, bad := range []string{"<script>alert(1)", "sekrit-token"} {
			if strings.Contains(body, bad) {
				t.Errorf("sources page shows %q", bad)
			}
		}
		// The listening page sums them up and links here.
		_, body = b.get("/w/acme/listening")
		card := section(body, `id="sources"`, "</section>")
		for _, w := range []string{`href="/w/acme/listening/sources"`, "正常</span> 1", "失败</span> 1", "已暂停</span> 1", "HTTP 503 &lt;script&gt;"} {
			if !strings.Contains(card, w) {
				t.Errorf("listening page's sources card lacks %q: %s", w, card)
			}
		}
		// The API says the same.
		_, resp := h.api("GET", "/workspaces/acme/sources", owner.token, nil)
		raw, _ := json.Marshal(resp)
		if !strings.Contains(string(raw), `"status":"failing"`) || !strings.Contains(string(raw), `"backoff_seconds":3600`) {
			t.Errorf("API lacks the failing status and backoff: %s", raw)
		}

		// New settings have not been fetched yet: neither the old
		// settings' success nor their error says how they do.
		for _, c := range []struct {
			src listen.Source
			cfg map[string]string
		}{
			{feed, map[string]string{"url": "https://blog.example.com/new.xml"}},
			{tag, map[string]string{"instance": "https://mastodon.example", "tag": "茶"}},
		} {
			status, resp := h.api("PATCH", fmt.Sprintf("/workspaces/acme/sources/%d", c.src.ID), owner.token, map[string]any{"config": c.cfg})
			if status != http.StatusOK || resp["status"] != sourcePending || resp["last_success_at"] != nil || resp["last_error"] != nil || resp["failures"] != float64(0) {
				t.Errorf("%s after its config changed: %d %v; want pending, no last success or error", c.src.Name, status, resp)
			}
		}
		_, body = b.get("/w/acme/listening/sources")
		for _, id := range []int64{feed.ID, tag.ID} {
			row := rowOf(id)
			if !strings.Contains(row, "badge source-pending warn") || !strings.Contains(row, "尚未按当前设置抓取") || strings.Contains(row, "正常") || strings.Contains(row, "HTTP 503") {
				t.Errorf("source %d after its config changed: %s", id, row)
			}
		}
		if row := rowOf(feed.ID); !strings.Contains(row, ">42<") {
			t.Errorf("items fetched lost with the config change: %s", row)
		}

		o := h.signedIn(other)
		if status, _ := o.get("/w/acme/listening/sources"); status != http.StatusNotFound {
			t.Errorf("other workspace's member: %d, want 404", status)
		}
		if status, body := o.get("/w/rival/listening/sources"); status != http.StatusOK || strings.Contains(body, "店铺博客") {
			t.Errorf("rival's own sources page: %d, shows acme's source: %v", status, strings.Contains(body, "店铺博客"))
		}
	})
}
