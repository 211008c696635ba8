package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
)

// home sends a user to their first workspace, the sign-in page, or the
// first-run setup.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a, ok := authFrom(r.Context())
	if !ok {
		need, err := s.Accounts.NeedsSetup(r.Context())
		if err != nil {
			s.pageFail(w, r, err)
			return
		}
		if need {
			s.render(w, r, http.StatusOK, "setup_wait", map[string]any{})
			return
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	wss, err := s.Accounts.Workspaces(r.Context(), a.user)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if len(wss) == 1 {
		http.Redirect(w, r, "/w/"+wss[0].Workspace.Slug+"/brand", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "workspaces", map[string]any{"Workspaces": wss})
}

// safeNext keeps a post-login redirect on this site: a path, never
// "//host" in any spelling. Browsers drop tabs and newlines from a URL
// and read a backslash as a slash, so "/\t/evil.example" leaves the site:
// a value with any of them, or one that parses with a scheme or a host,
// goes to "/".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := authFrom(r.Context()); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	if s.toSetupWait(w, r) {
		return
	}
	s.render(w, r, http.StatusOK, "login", map[string]any{"Next": r.URL.Query().Get("next"), "PreCSRF": s.preCSRF(w, r)})
}

// preCSRF returns the token that forms shown before sign-in carry: the same
// random value in a cookie and in the form (double submit), so that another
// site cannot sign a browser in to an account of its choosing.
func (s *Server) preCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie("chorus_pre"); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	token, _ := account.NewRandomToken()
	http.SetCookie(w, s.cookie(r, "chorus_pre", token, 3600))
	return token
}

func checkPreCSRF(r *http.Request) error {
	c, err := r.Cookie("chorus_pre")
	if err != nil || len(c.Value) < 32 || r.PostFormValue("csrf") != c.Value {
		return apperr.New(apperr.Forbidden, "error.csrf", nil)
	}
	return nil
}

// toSetupWait sends a person who would sign in before the first account
// exists to the home page, which tells where the setup link is: no
// address could pass the sign-in form yet. It reports whether it did.
func (s *Server) toSetupWait(w http.ResponseWriter, r *http.Request) bool {
	need, err := s.Accounts.NeedsSetup(r.Context())
	if err != nil {
		s.pageFail(w, r, err)
		return true
	}
	if need {
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
	return need
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if s.toSetupWait(w, r) {
		return
	}
	email, password, next := r.PostFormValue("email"), r.PostFormValue("password"), r.PostFormValue("next")
	err := checkPreCSRF(r)
	var u account.User
	var token string
	if err == nil {
		u, token, _, err = s.Accounts.SignIn(r.Context(), email, password, s.clientIP(r), r.UserAgent())
	}
	if err != nil {
		ae := s.asAppErr(r, err)
		s.render(w, r, status(ae), "login", map[string]any{"Next": next, "Email": email, "Error": ae, "PreCSRF": s.preCSRF(w, r)})
		return
	}
	if err := s.signedIn(w, r, u, token); err != nil {
		s.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// signedIn gives the browser the new session's cookie, and saves the
// language it chose.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, u account.User, token string) error {
	http.SetCookie(w, s.cookie(r, sessionCookie, token, int(account.SessionTTL.Seconds())))
	// The language picked on the sign-in page is the one the person wants
	// now, over the one saved on the account; a lang cookie left from an
	// earlier visit only fills in a locale never saved.
	if c, err := r.Cookie(langChosenCookie); err == nil {
		http.SetCookie(w, s.cookie(r, langChosenCookie, "", -1))
		if loc := normalizeLocale(c.Value); loc != "" {
			return s.Accounts.SetLocale(r.Context(), u.ID, loc)
		}
	}
	if u.Locale == "" {
		if c, err := r.Cookie("lang"); err == nil && normalizeLocale(c.Value) != "" {
			return s.Accounts.SetLocale(r.Context(), u.ID, normalizeLocale(c.Value))
		}
	}
	return nil
}

// langChosenCookie holds a language picked before signing in, for as long
// as the sign-in form lasts (chorus_pre), so that signing in saves it.
const langChosenCookie = "lang_chosen"

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if a, ok := authFrom(r.Context()); ok {
		if err := checkCSRF(r, a); err != nil {
			s.pageFail(w, r, err)
			return
		}
		c, _ := r.Cookie(sessionCookie)
		if err := s.Accounts.EndSession(r.Context(), c.Value); err != nil {
			s.pageFail(w, r, err)
			return
		}
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLang switches the language: remembered on the user when signed in, in
// a cookie otherwise.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("lang") == "" {
		// The form sent without one of its buttons asks for no language:
		// back to the page unchanged, not to an error page.
		http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
		return
	}
	loc := normalizeLocale(r.PostFormValue("lang"))
	if loc == "" {
		s.pageFail(w, r, apperr.New(apperr.Invalid, "error.locale", nil))
		return
	}
	a, ok := authFrom(r.Context())
	csrf := checkPreCSRF(r)
	if ok {
		csrf = checkCSRF(r, a)
	}
	if csrf != nil {
		s.pageFail(w, r, csrf)
		return
	}
	if ok {
		if err := s.Accounts.SetLocale(r.Context(), a.user.ID, loc); err != nil {
			s.pageFail(w, r, err)
			return
		}
	} else {
		http.SetCookie(w, s.cookie(r, langChosenCookie, loc, 3600))
	}
	c := s.cookie(r, "lang", loc, 365*24*3600)
	http.SetCookie(w, c)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}
