package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
)

const sessionCookie = "chorus_session"

type authKey struct{}

// auth is who made a request, once known.
type auth struct {
	user      account.User
	session   account.Session
	principal *account.Principal
}

func authFrom(ctx context.Context) (*auth, bool) {
	a, ok := ctx.Value(authKey{}).(*auth)
	return a, ok
}

// locale is the request's language: the user's choice, then the lang
// cookie and Accept-Language.
func (s *Server) locale(r *http.Request) string {
	if a, ok := authFrom(r.Context()); ok && a.user.Locale != "" {
		if l := normalizeLocale(a.user.Locale); l != "" {
			return l
		}
	}
	return localeFromRequest(r)
}

func (s *Server) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies || s.overHTTPS(r),
	}
}

// withSession resolves the session cookie, when there is a valid one, into
// the request's context. It never refuses a request; the handlers that need
// a user do.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err == nil && c.Value != "" {
			u, sess, err := s.Accounts.SessionUser(r.Context(), c.Value)
			switch {
			case err == nil:
				r = r.WithContext(context.WithValue(r.Context(), authKey{}, &auth{user: u, session: sess}))
			case apperr.Is(err, apperr.Unauthorized):
				http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
			default:
				s.pageFail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// checkCSRF compares the form's or header's token with the session's.
// SameSite=Lax cookies already stop most cross-site posts; the token stops
// the rest.
func checkCSRF(r *http.Request, a *auth) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.session.CSRFToken)) != 1 {
		return apperr.New(apperr.Forbidden, "error.csrf", nil)
	}
	return nil
}

// pageHandler is a workspace page: it gets the principal and returns an
// error for the one error funnel.
type pageHandler func(w http.ResponseWriter, r *http.Request, p account.Principal) error

// page wraps a handler of a page under /w/{ws}/: it needs a signed-in
// member of the workspace with perm (none when ""), checks CSRF on
// changes, and records successful changes in the audit log.
func (s *Server) page(perm account.Permission, h pageHandler) http.Handler {
	return s.workspacePage(perm, true, h)
}

// readPage is page for a POST that changes nothing: a preview or a try-it
// answer, which htmx asks for on every keystroke. It checks the member,
// perm and CSRF like page, but records nothing in the audit log.
func (s *Server) readPage(perm account.Permission, h pageHandler) http.Handler {
	return s.workspacePage(perm, false, h)
}

// workspacePage is page, recording successful changes in the audit log
// when audited.
func (s *Server) workspacePage(perm account.Permission, audited bool, h pageHandler) http.Handler {
	return s.withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := authFrom(r.Context())
		if !ok {
			s.pageFail(w, r, apperr.New(apperr.Unauthorized, "error.signed_out", nil))
			return
		}
		p, err := s.Accounts.Enter(r.Context(), a.user, r.PathValue("ws"))
		if err == nil {
			err = checkCSRF(r, a)
		}
		if err == nil && perm != "" {
			err = p.Require(perm)
		}
		if err != nil {
			s.pageFail(w, r, err)
			return
		}
		a.principal = &p
		sw := &statusWriter{ResponseWriter: w}
		if err := h(sw, r, p); err != nil {
			s.pageFail(sw, r, err)
			return
		}
		if audited {
			s.audit(r, p, sw)
		}
	}))
}

// audit records a successful change (any method but GET) in the log,
// with what its handler noted (noteAudit).
func (s *Server) audit(r *http.Request, p account.Principal, w *statusWriter) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || w.status >= 400 {
		return
	}
	action := r.Pattern
	if i := strings.Index(action, " "); i > 0 {
		action = r.Method + action[i:]
	}
	target := r.URL.Path
	if w.note.target != "" {
		target = w.note.target
	}
	if err := s.Accounts.Record(r.Context(), p, action, target, w.note.outcome, s.clientIP(r)); err != nil {
		s.log.ErrorContext(r.Context(), "audit", "err", err)
	}
}

// flash leaves a one-time message for the next page a user sees.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, kind, key string) {
	c := s.cookie(r, "flash", kind+":"+key, 60)
	c.HttpOnly = true
	http.SetCookie(w, c)
}

// redirect answers a form post with 303, or with HX-Redirect for htmx.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
