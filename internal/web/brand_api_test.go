package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestBrandDocAPIBadInput: a brand document's PUT refuses a body that is
// not the document, in the reader's language and at the field, and keeps
// what was stored.
func TestBrandDocAPIBadInput(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.tenant("acme", account.Owner)
	ctx := context.Background()
	saved, err := h.brand.SaveProfile(ctx, owner.ws.ID, brand.Profile{Positioning: "好茶不贵", Tone: brand.Tone{WordsToUse: []string{"清香"}}})
	must(t, err)
	profile := "/workspaces/acme/brand/profile"
	tests := []struct {
		name, body string
		field      string
		en, zh     string
	}{
		{"null", `null`, "body", "expected an object", "应为对象"},
		{"list", `[]`, "body", "expected an object", "应为对象"},
		{"null list inside", `{"tone": {"words_to_use": "清香"}}`, "tone.words_to_use", "expected a list", "应为列表"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, lang := range []string{"en", "zh-CN"} {
				status, got, raw := apiIn(t, h, lang, "PUT", profile, owner.token, tt.body)
				if status != 422 || len(got.Error.Fields) != 1 || got.Error.Fields[0].Field != tt.field {
					t.Fatalf("%s: status %d, want 422 naming %q: %s", lang, status, tt.field, raw)
				}
				want := map[string]string{"en": tt.en, "zh-CN": tt.zh}[lang]
				if msg := got.Error.Fields[0].Message; !strings.Contains(msg, want) {
					t.Errorf("%s: message %q, want it to contain %q", lang, msg, want)
				}
			}
		})
	}
	after, err := h.brand.Profile(ctx, owner.ws.ID)
	must(t, err)
	if after.Version != saved.Version || after.Positioning != "好茶不贵" {
		t.Errorf("profile after refused writes = %+v, want it as saved", after)
	}

	// Lists left out answer as empty lists, as the schema says, not null:
	// a profile never saved, one saved without them, and read again.
	fresh := h.tenant("fresh", account.Owner)
	for _, call := range []struct{ method, path, token, body string }{
		{"GET", "/workspaces/fresh/brand/profile", fresh.token, ""},
		{"PUT", profile, owner.token, `{"positioning": "好茶"}`},
		{"GET", profile, owner.token, ""},
	} {
		status, _, raw := apiIn(t, h, "en", call.method, call.path, call.token, call.body)
		if status != 200 || strings.Contains(raw, "null") || !strings.Contains(raw, `"words_to_avoid": []`) {
			t.Errorf("%s %s: %d %s", call.method, call.path, status, raw)
		}
	}
}
