package web

import (
	"net/http"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
)

// accountRoutes serve the signed-in person's own account: their password
// and their sessions. They sit in a workspace's frame, as the menu that
// leads there does, so that a change is recorded in the audit log of the
// workspace it was made from, as every other change is. The password's
// route (rotate) reads "Change password" there, as its button does.
func (s *Server) accountRoutes() {
	s.mux.Handle("GET /w/{ws}/account", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		return s.accountPage(w, r, http.StatusOK, nil)
	}))
	s.mux.Handle("POST /w/{ws}/account/password/rotate", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		f := r.PostFormValue
		// A mistyped new password would lock its owner out of every
		// browser at once: it must be typed the same twice.
		err := apperr.Field("confirm_password", "error.password_mismatch")
		if f("new_password") == f("confirm_password") {
			err = s.Accounts.ChangePassword(r.Context(), p.User, f("current_password"), f("new_password"), sessionToken(r), s.clientIP(r))
		}
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.TooMany) {
			return s.accountPage(w, r, status(err), err)
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.password_changed")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/account")
		return nil
	}))
	s.mux.Handle("POST /w/{ws}/account/sessions/revoke", s.page("", func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		if err := s.Accounts.EndOtherSessions(r.Context(), p.User.ID, sessionToken(r)); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.signed_out_elsewhere")
		redirect(w, r, "/w/"+p.Workspace.Slug+"/account")
		return nil
	}))
}

// accountPage renders the account page with err's field errors beside the
// password form; what was typed in it is never sent back.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, status int, err error) error {
	s.render(w, r, status, "account", map[string]any{
		"Section": "account", "Errors": fieldErrors(err), "MinPassword": account.MinPasswordLength,
	})
	return nil
}

// sessionToken is the request's session cookie, "" when it has none.
func sessionToken(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}
