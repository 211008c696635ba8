package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
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
