package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/link"
)

var workspaceFields = []field{
	{Name: "name", Type: "text", Required: true},
	{Name: "time_zone", Type: "text"},
	{Name: "currency", Type: "text"},
}

// settingsRoutes serve the workspace's settings: its name, time zone and
// currency, members, API tokens and the audit log. The form of the tracked
// links' destination-domain allowlist posts to linkPageRoutes.
func (s *Server) settingsRoutes() {
	s.mux.Handle("GET /w/{ws}/settings", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.settingsPage(w, r, p, http.StatusOK, "", nil, "")
	}))
	s.mux.Handle("POST /w/{ws}/settings", s.page(account.EditWorkspace, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		f := r.PostFormValue
		_, err := s.Accounts.UpdateWorkspace(r.Context(), p, account.Workspace{Name: f("name"), TimeZone: f("time_zone"), Currency: f("currency")})
		if apperr.Is(err, apperr.Invalid) {
			return s.settingsPage(w, r, p, http.StatusUnprocessableEntity, "workspace", err, "")
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.saved")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/settings")
		return nil
	}))
	s.mux.Handle("POST /w/{ws}/settings/members", s.page(account.ManageMembers, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		err := s.Accounts.AddMember(r.Context(), p, r.PostFormValue("email"), account.Role(r.PostFormValue("role")))
		if apperr.Is(err, apperr.Invalid) {
			return s.settingsPage(w, r, p, http.StatusUnprocessableEntity, "members", err, "")
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.saved")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/settings")
		return nil
	}))
	s.mux.Handle("POST /w/{ws}/settings/members/{id}/delete", s.page(account.ManageMembers, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := pathID(r, "id")
		if err := s.Accounts.RemoveMember(r.Context(), p, id); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.deleted")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/settings")
		return nil
	}))
	s.mux.Handle("POST /w/{ws}/settings/tokens", s.page(account.ManageTokens, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		plain, _, err := s.Accounts.NewToken(r.Context(), p, account.Role(r.PostFormValue("role")), r.PostFormValue("name"))
		if apperr.Is(err, apperr.Invalid) {
			return s.settingsPage(w, r, p, http.StatusUnprocessableEntity, "tokens", err, "")
		}
		if err != nil {
			return err
		}
		// The token is shown on this one response and never again.
		return s.settingsPage(w, r, p, http.StatusCreated, "", nil, plain)
	}))
	s.mux.Handle("POST /w/{ws}/settings/tokens/{id}/revoke", s.page(account.ManageTokens, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := pathID(r, "id")
		if err := s.Accounts.RevokeToken(r.Context(), p, id); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.revoked")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/settings")
		return nil
	}))
	s.mux.Handle("GET /w/{ws}/audit", s.page(account.ReadAudit, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
		entries, err := s.Accounts.Audit(r.Context(), p, 100, before)
		if err != nil {
			return err
		}
		var next int64
		if len(entries) == 100 {
			next = entries[len(entries)-1].ID
		}
		s.render(w, r, http.StatusOK, "audit", map[string]any{"Section": "settings", "Entries": entries, "Next": next})
		return nil
	}))
	s.accountAPI()
}

// settingsPage renders the settings with err beside the form that was
// posted (workspace, members, tokens or allowlist), which alone shows what was typed:
// the page holds three forms, and an error of one refilling another would
// have its next save change what nobody meant to change.
func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, p account.Principal, status int, posted string, err error, newToken string) error {
	members, merr := s.Accounts.Members(r.Context(), p)
	if merr != nil {
		return merr
	}
	tokens, terr := s.Accounts.Tokens(r.Context(), p)
	if terr != nil {
		return terr
	}
	values, wsErr := formValues(workspaceFields, p.Workspace), error(nil)
	if posted == "workspace" {
		values, wsErr = rawFormValues(workspaceFields, r.PostForm), err
	}
	var member, token, allow postedForm
	switch posted {
	case "members":
		member = postedForm{Values: r.PostForm, Errors: fieldErrors(err)}
	case "tokens":
		token = postedForm{Values: r.PostForm, Errors: fieldErrors(err)}
	case "allowlist":
		allow = postedForm{Values: r.PostForm, Errors: fieldErrors(err)}
	}
	// The destination-domain allowlist of tracked links, when the server
	// has them.
	var domains []string
	var outside outsideView
	var refused []apperr.FieldError
	if s.Links != nil {
		var aerr error
		if domains, aerr = s.Links.AllowedDomains(r.Context(), p.Workspace.ID); aerr != nil {
			return aerr
		}
		// Entries saved before they were refused allow nothing now; each
		// is named with its line and why, unless the list was just posted
		// and its own errors stand beside it.
		if posted != "allowlist" {
			_, rerr := link.InForce(domains)
			refused = fieldErrors(rerr)["domains"]
		}
		if outside, aerr = s.allowlistOutside(r.Context(), p.Workspace.ID); aerr != nil {
			return aerr
		}
	}
	// The only owner has no remove button: removing them is refused
	// (error.last_owner), on a page of its own.
	var owners []int64
	for _, m := range members {
		if m.Role == account.Owner {
			owners = append(owners, m.User.ID)
		}
	}
	var lastOwner int64
	if len(owners) == 1 {
		lastOwner = owners[0]
	}
	s.render(w, r, status, "settings", map[string]any{
		"Section": "settings", "Form": newFormView("workspace", workspaceFields, values, wsErr),
		"Members": members, "LastOwner": lastOwner, "Tokens": tokens, "NewToken": newToken, "Roles": account.Roles,
		"MemberForm": member, "TokenForm": token,
		"Links": s.Links != nil, "Allowlist": domains, "AllowlistForm": allow, "AllowlistOutside": outside,
		"AllowlistRefused": refused,
	})
	return nil
}

// postedForm is what one of the settings page's small forms was sent with,
// shown again beside its errors.
type postedForm struct {
	Values url.Values
	Errors map[string][]apperr.FieldError
}

// newTokenRequest is the body of POST …/tokens.
type newTokenRequest struct {
	Name string       `json:"name"`
	Role account.Role `json:"role"`
}

// newTokenResponse carries the plain token, shown this once.
type newTokenResponse struct {
	Token string        `json:"token"`
	Info  account.Token `json:"info"`
}

func (s *Server) accountAPI() {
	s.handleAPI(op{Method: "GET", Path: "/workspaces", Summary: "List the workspaces the caller may enter", Tag: "workspaces", Resp: typeOf[list[account.MemberWorkspace]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			if p.TokenID != 0 {
				// A token is scoped to one workspace.
				writeJSON(w, http.StatusOK, listOf([]account.MemberWorkspace{{Workspace: p.Workspace, Role: p.Role}}))
				return nil
			}
			wss, err := s.Accounts.Workspaces(r.Context(), p.User)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(wss))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}", Summary: "Get a workspace", Tag: "workspaces", Resp: typeOf[account.Workspace]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			writeJSON(w, http.StatusOK, p.Workspace)
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: "/workspaces/{ws}", Summary: "Change a workspace's name, time zone or currency", Tag: "workspaces", Perm: account.EditWorkspace, Req: typeOf[account.Workspace](), Resp: typeOf[account.Workspace]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var v account.Workspace
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			v, err := s.Accounts.UpdateWorkspace(r.Context(), p, v)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, v)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/members", Summary: "List members", Tag: "workspaces", Resp: typeOf[list[account.Member]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			ms, err := s.Accounts.Members(r.Context(), p)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(ms))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/tokens", Summary: "List API tokens (one's own, or all for admins)", Tag: "tokens", Resp: typeOf[list[account.Token]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			ts, err := s.Accounts.Tokens(r.Context(), p)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(ts))
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/tokens", Summary: "Create an API token (signed in, not through a token); the response is the only time it is shown", Tag: "tokens", Perm: account.ManageTokens, Req: typeOf[newTokenRequest](), Resp: typeOf[newTokenResponse](), Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var req newTokenRequest
			if err := decodeJSON(r.Body, &req); err != nil {
				return err
			}
			plain, t, err := s.Accounts.NewToken(r.Context(), p, req.Role, req.Name)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, newTokenResponse{Token: plain, Info: t})
			return nil
		})
	s.handleAPI(op{Method: "DELETE", Path: "/workspaces/{ws}/tokens/{id}", Summary: "Revoke an API token", Tag: "tokens", Perm: account.ManageTokens, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			if err := s.Accounts.RevokeToken(r.Context(), p, id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/audit", Summary: "The audit log, newest first (admins)", Tag: "workspaces", Perm: account.ReadAudit, Resp: typeOf[list[account.AuditEntry]](),
		Query: []param{{Name: "before", Type: typeOf[int64](), Doc: "Only entries with a smaller id: the next page"}, {Name: "limit", Type: typeOf[int](), Doc: "At most this many"}}},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var fs apperr.Fields
			var before int64
			if id := queryID(&fs, r.URL.Query().Get("before"), "before"); id != nil {
				before = *id
			}
			limit := queryLimit(&fs, r.URL.Query().Get("limit"), 500)
			if err := fs.Err(); err != nil {
				return err
			}
			es, err := s.Accounts.Audit(r.Context(), p, limit, before)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(es))
			return nil
		})
}
