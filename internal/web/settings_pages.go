package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/link"
)

// workspaceFields are the settings form's typed fields; the time zone and
// the currency are pickers below them (workspacePickers).
var workspaceFields = []field{
	{Name: "name", Type: "text", Required: true},
}

// commonTimeZones are listed first in the time zone picker: where Chorus's
// users mostly work. moreTimeZones follow, west to east; any other IANA
// name is typed beside "other…".
var (
	commonTimeZones = []string{"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo",
		"Europe/London", "America/New_York", "America/Los_Angeles", "UTC"}
	moreTimeZones = []string{"America/Vancouver", "America/Denver", "America/Chicago", "America/Toronto", "America/Sao_Paulo",
		"Europe/Paris", "Europe/Berlin", "Europe/Moscow", "Asia/Dubai", "Asia/Kolkata", "Asia/Bangkok", "Asia/Jakarta",
		"Asia/Kuala_Lumpur", "Asia/Manila", "Asia/Seoul", "Australia/Sydney", "Pacific/Auckland"}
)

// commonCurrencies are the currency picker's list; any other ISO 4217
// code is typed beside "other…".
var commonCurrencies = []string{"CNY", "HKD", "TWD", "USD", "EUR", "JPY", "SGD", "GBP",
	"KRW", "MYR", "THB", "IDR", "PHP", "VND", "AUD", "NZD", "CAD", "CHF", "AED", "INR"}

// pickerOther is the option value of "other…": the picker's text input
// holds the value then. No IANA zone or ISO code is spelt so.
const pickerOther = "other"

// settingsRoutes serve the workspace's settings: its name, time zone and
// currency, members, API tokens and the audit log. The form of the tracked
// links' destination-domain allowlist posts to linkPageRoutes.
func (s *Server) settingsRoutes() {
	s.mux.Handle("GET /w/{ws}/settings", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.settingsPage(w, r, p, http.StatusOK, "", nil, "")
	}))
	s.mux.Handle("POST /w/{ws}/settings", s.page(account.EditWorkspace, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		var fs apperr.Fields
		zone, cur := picked(r.PostForm, "time_zone", &fs), picked(r.PostForm, "currency", &fs)
		err := fs.Err()
		if err == nil {
			_, err = s.updateWorkspace(r.Context(), p, account.Workspace{Name: r.PostFormValue("name"), TimeZone: zone, Currency: cur})
		}
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
		email := r.PostFormValue("email")
		did, err := s.Accounts.AddMember(r.Context(), p, email, account.Role(r.PostFormValue("role")))
		if apperr.Is(err, apperr.Invalid) {
			return s.settingsPage(w, r, p, http.StatusUnprocessableEntity, "members", err, "")
		}
		if err != nil {
			return err
		}
		noteAudit(w, account.NormalEmail(email), string(did))
		if did == account.MemberInvited {
			s.flash(w, r, "ok", "flash.invited")
		} else {
			s.flash(w, r, "ok", "flash.saved")
		}
		redirect(w, r, "/w/"+p.Workspace.Slug+"/settings#members")
		return nil
	}))
	s.mux.Handle("POST /w/{ws}/settings/invitations/delete", s.page(account.ManageMembers, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		email := r.PostFormValue("email")
		if err := s.Accounts.CancelInvitation(r.Context(), p, email); err != nil {
			return err
		}
		noteAudit(w, account.NormalEmail(email), "")
		s.flash(w, r, "ok", "flash.deleted")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/settings#members")
		return nil
	}))
	s.mux.Handle("POST /w/{ws}/settings/members/{id}/delete", s.page(account.ManageMembers, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		id, _ := pathID(r, "id")
		if err := s.removeMember(w, r, p, id); err != nil {
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
	// Those who manage members see whom they invited.
	var invitations []account.Invitation
	if p.Can(account.ManageMembers) {
		var ierr error
		if invitations, ierr = s.Accounts.Invitations(r.Context(), p); ierr != nil {
			return ierr
		}
	}
	values, wsErr := formValues(workspaceFields, p.Workspace), error(nil)
	zone, cur := p.Workspace.TimeZone, p.Workspace.Currency
	if posted == "workspace" {
		values, wsErr = rawFormValues(workspaceFields, r.PostForm), err
		// What "other…" left empty is refused in err already.
		zone, cur = picked(r.PostForm, "time_zone", &apperr.Fields{}), picked(r.PostForm, "currency", &apperr.Fields{})
	}
	form := newFormView("workspace", workspaceFields, values, wsErr)
	zones, currencies := s.workspacePickers(r, &form, "", zone, cur, p.Workspace, wsErr)
	inUse, uerr := s.Accounts.CurrencyInUse(r.Context(), p)
	if uerr != nil {
		return uerr
	}
	if inUse {
		currencies.Hint = "settings.picker.currency.in_use"
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
		"Section": "settings", "Form": form, "Zones": zones, "Currencies": currencies,
		"Members": members, "Invitations": invitations, "LastOwner": lastOwner, "Tokens": tokens, "NewToken": newToken, "Roles": account.Roles,
		"MemberForm": member, "TokenForm": token,
		"Links": s.Links != nil, "Allowlist": domains, "AllowlistForm": allow, "AllowlistOutside": outside,
		"AllowlistRefused": refused,
	})
	return nil
}

// removeMember removes the member userID and has the audit log name
// their address, as it names whom an invitation or a role change was
// for, where it held the removal's path with a user id only.
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, p account.Principal, userID int64) error {
	members, err := s.Accounts.Members(r.Context(), p)
	if err != nil {
		return err
	}
	if err := s.Accounts.RemoveMember(r.Context(), p, userID); err != nil {
		return err
	}
	if i := slices.IndexFunc(members, func(m account.Member) bool { return m.User.ID == userID }); i >= 0 {
		noteAudit(w, members[i].User.Email, "")
	}
	return nil
}

// updateWorkspace saves the workspace's settings, keeping the currency
// the team's costs were typed in when the workspace's changes
// (brand.Service.KeepBudgetCurrency). The budget is saved only for a
// change that will be: a refused one, saving it all the same, had a
// budget form opened before refused as changed by someone else.
func (s *Server) updateWorkspace(ctx context.Context, p account.Principal, w account.Workspace) (account.Workspace, error) {
	if w.Currency != "" && w.Currency != p.Workspace.Currency && s.Brand != nil {
		if err := s.Accounts.CheckWorkspace(ctx, p, w); err != nil {
			return account.Workspace{}, err
		}
		if err := s.Brand.KeepBudgetCurrency(ctx, p.Workspace.ID, p.Workspace.Currency); err != nil {
			return account.Workspace{}, err
		}
	}
	return s.Accounts.UpdateWorkspace(ctx, p, w)
}

// workspacePickers are the pickers of a workspace's time zone and
// currency below form, on the settings page and on the first-run setup,
// with zone and cur chosen. err's errors of prefix+"time_zone" and
// prefix+"currency" show beside them, and not again above form. stored is
// the workspace as saved, none before it is set up.
func (s *Server) workspacePickers(r *http.Request, form *formView, prefix, zone, cur string, stored account.Workspace, err error) (zones, currencies picker) {
	errs := fieldErrors(err)
	zoneErrs, curErrs := errs[prefix+"time_zone"], errs[prefix+"currency"]
	form.Other = slices.DeleteFunc(form.Other, func(e apperr.FieldError) bool {
		return e.Field == prefix+"time_zone" || e.Field == prefix+"currency"
	})
	loc := s.locale(r)
	zoneLabel := func(z string) string { return s.zoneLabel(loc, z) }
	zones = newPicker("time_zone", zone, stored.TimeZone, zoneErrs, zoneLabel,
		pickerGroup{s.cat.T(loc, "settings.zone.common", nil), options(commonTimeZones, zoneLabel)},
		pickerGroup{s.cat.T(loc, "settings.zone.more", nil), options(moreTimeZones, zoneLabel)})
	curLabel := func(c string) string { return s.currencyLabel(loc, c) }
	currencies = newPicker("currency", cur, stored.Currency, curErrs, curLabel,
		pickerGroup{Options: options(commonCurrencies, curLabel)})
	return zones, currencies
}

// picker is a <select> of the usual values of a workspace setting, then
// "other…" with a text input for any other value the setting accepts:
// without JavaScript, both post and the handler reads the input only when
// "other…" is chosen.
type picker struct {
	Name string // the form field; the input is Name_other
	// Label and Hint are the catalog keys of the label and the hint, when
	// not a workspace setting's (field.workspace.Name,
	// settings.picker.Name.hint).
	Label, Hint string
	Groups      []pickerGroup
	Value       string
	Other       bool // "other…" is chosen, and Value shows in its input
	OtherValue  string
	Errors      []apperr.FieldError
}

// pickerGroup is an <optgroup>, or plain options without a Label.
type pickerGroup struct {
	Label   string
	Options []pickerOption
}

type pickerOption struct{ Value, Label string }

// newPicker is a picker of groups with value chosen. A value outside them
// is the stored one or one posted without an error of its own (only
// another field was refused): it is listed, labelled by label, above the
// groups and chosen, so that saving keeps it. A value refused, or
// "other…" left empty, stays in the text input beside its error.
func newPicker(name, value, stored string, errs []apperr.FieldError, label func(string) string, groups ...pickerGroup) picker {
	p := picker{Name: name, Value: value, OtherValue: pickerOther, Errors: errs, Groups: groups}
	listed := slices.ContainsFunc(groups, func(g pickerGroup) bool {
		return slices.ContainsFunc(g.Options, func(o pickerOption) bool { return o.Value == value })
	})
	switch {
	case listed:
	case value != "" && (value == stored || len(errs) == 0):
		p.Groups = append([]pickerGroup{{Options: options([]string{value}, label)}}, groups...)
	default:
		p.Other = true
	}
	return p
}

// options are values with their labels.
func options(values []string, label func(string) string) []pickerOption {
	out := make([]pickerOption, len(values))
	for i, v := range values {
		out[i] = pickerOption{v, label(v)}
	}
	return out
}

// picked is the value a picker posted: the option chosen, or the text
// typed beside "other…", which may not be left empty.
func picked(form url.Values, name string, fs *apperr.Fields) string {
	v := form.Get(name)
	if v != pickerOther {
		return v
	}
	v = strings.TrimSpace(form.Get(name + "_other"))
	if v == "" {
		fs.Add(name, "error.required")
	}
	return v
}

// zoneLabel names a time zone in the language of the page with its UTC
// offset now (London's changes with summer time). A zone the catalog does
// not name shows as its IANA name; one Go does not know, alone.
func (s *Server) zoneLabel(locale, zone string) string {
	l, err := time.LoadLocation(zone)
	if err != nil {
		return zone
	}
	name := zone
	if key := "settings.zone." + zone; s.cat.Has(key) {
		name = s.cat.T(locale, key, nil)
	}
	_, off := time.Now().In(l).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return s.cat.T(locale, "settings.zone.option", map[string]any{"Name": name, "Offset": fmt.Sprintf("%s%02d:%02d", sign, off/3600, off%3600/60)})
}

// currencyLabel is a currency's code with its name in every language, the
// page's first: a team names its currency in either.
func (s *Server) currencyLabel(locale, code string) string {
	key := "settings.currency." + code
	if !s.cat.Has(key) {
		return code
	}
	names := []string{code, s.cat.T(locale, key, nil)}
	for _, l := range Locales {
		if l != locale {
			names = append(names, s.cat.T(l, key, nil))
		}
	}
	return strings.Join(names, " · ")
}

// postedForm is what one of the settings page's small forms was sent with,
// shown again beside its errors.
type postedForm struct {
	Values url.Values
	Errors map[string][]apperr.FieldError
}

// addMemberRequest is the body of POST …/members.
type addMemberRequest struct {
	Email string       `json:"email"`
	Role  account.Role `json:"role"`
}

// addMemberResponse says what POST …/members did. It is the same for an
// address with an account and one without, so that whoever manages
// members cannot learn which addresses have accounts on the instance.
type addMemberResponse struct {
	Role    account.Role `json:"role"`
	Invited bool         `json:"invited" doc:"true: the address was invited, whether it has an account or not, and its person joins with the role when they next sign in (GET …/invitations lists it until then); false: a member's role changed, or an operator added a user at once"`
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
			v, err := s.updateWorkspace(r.Context(), p, v)
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
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/members", Summary: "Add a member, as the settings page does: a member's role changes at once, anyone else is invited (by an operator: added at once)", Tag: "workspaces", Perm: account.ManageMembers, Req: typeOf[addMemberRequest](), Resp: typeOf[addMemberResponse]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var req addMemberRequest
			if err := decodeJSON(r.Body, &req); err != nil {
				return err
			}
			did, err := s.Accounts.AddMember(r.Context(), p, req.Email, req.Role)
			if err != nil {
				return err
			}
			noteAudit(w, account.NormalEmail(req.Email), string(did))
			writeJSON(w, http.StatusOK, addMemberResponse{Role: req.Role, Invited: did == account.MemberInvited})
			return nil
		})
	s.handleAPI(op{Method: "DELETE", Path: "/workspaces/{ws}/members/{id}", Summary: "Remove a member and revoke their tokens in the workspace", Tag: "workspaces", Perm: account.ManageMembers, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			if err := s.removeMember(w, r, p, id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/invitations", Summary: "List invitations: addresses invited who have not joined yet", Tag: "workspaces", Perm: account.ManageMembers, Resp: typeOf[list[account.Invitation]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			invs, err := s.Accounts.Invitations(r.Context(), p)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(invs))
			return nil
		})
	s.handleAPI(op{Method: "DELETE", Path: "/workspaces/{ws}/invitations/{email}", Summary: "Withdraw an invitation", Tag: "workspaces", Perm: account.ManageMembers, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			email := r.PathValue("email")
			if err := s.Accounts.CancelInvitation(r.Context(), p, email); err != nil {
				return err
			}
			noteAudit(w, account.NormalEmail(email), "")
			w.WriteHeader(http.StatusNoContent)
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
