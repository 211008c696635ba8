package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/store/storetest"
)

// TestInvitationsAPI: an integration invites, lists and withdraws
// invitations as the settings page does, under the same rules: whoever
// manages members gets the same answer for an address with an account
// and one without, an admin neither invites owners nor withdraws their
// invitations, others may not see or change them, and another
// workspace's token finds nothing.
func TestInvitationsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		owner := h.tenant("acme", account.Owner)
		other := h.tenant("other", account.Owner)
		h.member(owner, "admin@example.com", account.Admin)
		h.member(owner, "analyst@example.com", account.Analyst)
		adminToken, _, err := h.accounts.CreateToken(ctx, "admin@example.com", "acme", "", "admin")
		must(t, err)
		analystToken, _, err := h.accounts.CreateToken(ctx, "analyst@example.com", "acme", "", "analyst")
		must(t, err)
		known, err := h.accounts.CreateUser(ctx, "known@example.com", "Known", "correct horse battery", false)
		must(t, err)

		// The same answer for an address with an account and one without.
		var answers []string
		for _, email := range []string{"known@example.com", "nobody@example.com"} {
			status, body := h.api("POST", "/workspaces/acme/members", owner.token, map[string]any{"email": email, "role": "editor"})
			if status != http.StatusOK || body["invited"] != true || body["role"] != "editor" {
				t.Fatalf("invite %s: %d %s; want 200, invited as editor", email, status, jsonText(body))
			}
			answers = append(answers, strings.ReplaceAll(jsonText(body), email, "ADDRESS"))
		}
		if answers[0] != answers[1] {
			t.Errorf("answers differ for an address with an account and one without:\n%s\n%s", answers[0], answers[1])
		}
		h.checkAPI(t, "GET", "/workspaces/acme/invitations", owner.token, nil, http.StatusOK,
			[]string{`"email": "known@example.com"`, `"email": "nobody@example.com"`, `"role": "editor"`, `"created_at"`}, nil)
		// Both answers are the ones the document gives.
		doc := h.srv.api.document("test")
		v := schemaCheck{schemas: doc["components"].(map[string]any)["schemas"].(map[string]any)}
		paths := doc["paths"].(map[string]map[string]any)
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/workspaces/{ws}/members", map[string]any{"email": "nobody@example.com", "role": "editor"}},
			{"GET", "/workspaces/{ws}/invitations", nil},
		} {
			status, body := h.api(c.method, strings.Replace(c.path, "{ws}", "acme", 1), owner.token, c.body)
			resp := paths[c.path][strings.ToLower(c.method)].(map[string]any)["responses"].(map[string]any)[itoa64(int64(status))].(map[string]any)
			schema := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
			for _, p := range v.check(body, schema, c.method+" "+c.path) {
				t.Error(p)
			}
		}
		h.checkAPI(t, "GET", "/workspaces/acme/members", owner.token, nil, http.StatusOK, nil, []string{"known@example.com"})

		// The rules of the page.
		h.checkAPI(t, "GET", "/workspaces/acme/invitations", analystToken, nil, http.StatusForbidden, nil, []string{"@example.com"})
		h.checkAPI(t, "POST", "/workspaces/acme/members", analystToken, map[string]any{"email": "x@example.com", "role": "agent"}, http.StatusForbidden, nil, nil)
		h.checkAPI(t, "DELETE", "/workspaces/acme/invitations/nobody@example.com", analystToken, nil, http.StatusForbidden, nil, nil)
		h.checkAPI(t, "POST", "/workspaces/acme/members", adminToken, map[string]any{"email": "boss@example.com", "role": "owner"}, http.StatusUnprocessableEntity, []string{`"role"`}, nil)
		h.checkAPI(t, "POST", "/workspaces/acme/members", owner.token, map[string]any{"email": "boss@example.com", "role": "owner"}, http.StatusOK, []string{`"invited": true`}, nil)
		h.checkAPI(t, "DELETE", "/workspaces/acme/invitations/boss@example.com", adminToken, nil, http.StatusForbidden, nil, nil)
		h.checkAPI(t, "POST", "/workspaces/acme/members", owner.token, map[string]any{"email": "not an address", "role": "editor"}, http.StatusUnprocessableEntity, []string{`"email"`}, nil)
		h.checkAPI(t, "POST", "/workspaces/acme/members", owner.token, map[string]any{"email": "x@example.com", "role": "boss"}, http.StatusUnprocessableEntity, []string{`"role"`}, nil)

		// Another workspace's token finds nothing.
		h.checkAPI(t, "GET", "/workspaces/acme/invitations", other.token, nil, http.StatusNotFound, nil, []string{"@example.com"})
		h.checkAPI(t, "POST", "/workspaces/acme/members", other.token, map[string]any{"email": "x@example.com", "role": "editor"}, http.StatusNotFound, nil, nil)
		h.checkAPI(t, "DELETE", "/workspaces/acme/invitations/nobody@example.com", other.token, nil, http.StatusNotFound, nil, nil)

		// Withdrawn once; a second time there is none.
		h.checkAPI(t, "DELETE", "/workspaces/acme/invitations/nobody@example.com", adminToken, nil, http.StatusNoContent, nil, nil)
		h.checkAPI(t, "DELETE", "/workspaces/acme/invitations/nobody@example.com", adminToken, nil, http.StatusNotFound, nil, nil)
		h.checkAPI(t, "GET", "/workspaces/acme/invitations", owner.token, nil, http.StatusOK, []string{"known@example.com"}, []string{"nobody@example.com"})

		// The known address joins on signing in; then its role changes at
		// once, and it can be removed.
		h.browser().login("known@example.com", "correct horse battery")
		h.checkAPI(t, "GET", "/workspaces/acme/invitations", owner.token, nil, http.StatusOK, nil, []string{"known@example.com"})
		h.checkAPI(t, "POST", "/workspaces/acme/members", owner.token, map[string]any{"email": "known@example.com", "role": "analyst"}, http.StatusOK, []string{`"invited": false`, `"role": "analyst"`}, nil)
		h.checkAPI(t, "GET", "/workspaces/acme/members", owner.token, nil, http.StatusOK, []string{"known@example.com", `"role": "analyst"`}, nil)
		h.checkAPI(t, "DELETE", "/workspaces/acme/members/"+itoa64(known.ID), other.token, nil, http.StatusNotFound, nil, nil)
		h.checkAPI(t, "DELETE", "/workspaces/acme/members/"+itoa64(known.ID), analystToken, nil, http.StatusForbidden, nil, nil)
		h.checkAPI(t, "DELETE", "/workspaces/acme/members/"+itoa64(known.ID), owner.token, nil, http.StatusNoContent, nil, nil)
		h.checkAPI(t, "GET", "/workspaces/acme/members", owner.token, nil, http.StatusOK, nil, []string{"known@example.com"})

		// An operator, who knows every account, adds one at once and is
		// told of an address without one.
		_, err = h.accounts.CreateUser(ctx, "op@example.com", "Op", "correct horse battery", true)
		must(t, err)
		opToken, _, err := h.accounts.CreateToken(ctx, "op@example.com", "acme", "", "op")
		must(t, err)
		h.checkAPI(t, "POST", "/workspaces/acme/members", opToken, map[string]any{"email": "known@example.com", "role": "editor"}, http.StatusOK, []string{`"invited": false`}, nil)
		h.checkAPI(t, "POST", "/workspaces/acme/members", opToken, map[string]any{"email": "ghost@example.com", "role": "editor"}, http.StatusUnprocessableEntity, []string{"ghost@example.com"}, nil)

		// Each change is in the audit log (TestAuditActionsReadable reads
		// them as words).
		_, log := h.api("GET", "/workspaces/acme/audit", owner.token, nil)
		actions := jsonText(log)
		for _, want := range []string{"POST /api/v1/workspaces/{ws}/members", "DELETE /api/v1/workspaces/{ws}/invitations/{email}", "DELETE /api/v1/workspaces/{ws}/members/{id}"} {
			if !strings.Contains(actions, want) {
				t.Errorf("the audit log lacks %s: %s", want, actions)
			}
		}
	})
}
