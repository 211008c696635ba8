package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// statusOf is the one table from error codes to HTTP status, for both the
// HTML pages and the JSON API.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:      http.StatusUnprocessableEntity,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.TooMany:      http.StatusTooManyRequests,
	apperr.NotAllowed:   http.StatusMethodNotAllowed,
	apperr.Unavailable:  http.StatusServiceUnavailable,
	apperr.Internal:     http.StatusInternalServerError,
}

func status(err error) int {
	if s, ok := statusOf[apperr.CodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// asAppErr returns err as *apperr.Error, hiding the cause of internal
// errors; it logs them once.
func (s *Server) asAppErr(r *http.Request, err error) *apperr.Error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code == apperr.Internal {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		return apperr.New(apperr.Internal, "error.internal", nil)
	}
	return ae
}

// apiError is the JSON API's error body.
type apiError struct {
	Error struct {
		Code    apperr.Code  `json:"code" doc:"invalid (see fields), not_found, conflict, unauthorized, forbidden, too_many, not_allowed, unavailable or internal"`
		Message string       `json:"message" doc:"In the request's language"`
		Fields  []fieldError `json:"fields,omitempty" doc:"What is wrong with the input, one entry per place; only with invalid"`
	} `json:"error"`
}

type fieldError struct {
	Field   string `json:"field" doc:"Where: a query parameter by its name, or a path into the request body (name, mentions[3].url, [1].platform in a body that is a list; mentions[3] or [2] for an element wrong as a whole; body for the body as a whole)"`
	Key     string `json:"key" doc:"The message's stable key, e.g. error.required"`
	Message string `json:"message" doc:"In the request's language"`
}

// apiFail writes err as the API's JSON error, translated into the request's
// language.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	ae := s.asAppErr(r, err)
	loc := s.locale(r)
	var body apiError
	body.Error.Code = ae.Code
	body.Error.Message = s.cat.T(loc, ae.Key, ae.Args)
	for _, f := range ae.Fields {
		body.Error.Fields = append(body.Error.Fields, fieldError{Field: f.Field, Key: f.Key, Message: s.cat.T(loc, f.Key, f.Args)})
	}
	writeJSON(w, status(ae), body)
}

// pageFail renders err as an HTML error page.
func (s *Server) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	ae := s.asAppErr(r, err)
	if ae.Code == apperr.Unauthorized {
		if r.Header.Get("HX-Request") == "true" {
			// A 303 would have htmx swap the sign-in page into the page,
			// and sign-in come back to the fragment's endpoint: the whole
			// tab goes to sign-in and returns to the page it showed.
			redirect(w, r, "/login?next="+urlQueryEscape(htmxPage(r)))
			return
		}
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	s.render(w, r, status(ae), "error", map[string]any{"Error": ae})
}

// htmxPage is the path and query of the page an htmx request came from
// (HX-Current-URL), kept on this site as safeNext does; "/" when unknown.
func htmxPage(r *http.Request) string {
	u, err := url.Parse(r.Header.Get("HX-Current-URL"))
	if err != nil || u.Path == "" {
		return "/"
	}
	return safeNext(u.RequestURI())
}

// unknownPath answers a request no route matches. When the path is routed
// for other methods it is 405 with Allow, as the mux would say; else it is
// not found: the API's JSON error under /api/, the error page elsewhere.
func (s *Server) unknownPath(w http.ResponseWriter, r *http.Request) {
	api := r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
	if allow := s.allowedMethods(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		if api {
			s.apiFail(w, r, apperr.New(apperr.NotAllowed, "error.method_not_allowed", map[string]any{"Allowed": strings.Join(allow, ", ")}))
			return
		}
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	if api {
		s.apiFail(w, r, apperr.New(apperr.NotFound, "error.route_not_found", nil))
		return
	}
	s.withSession(http.HandlerFunc(s.notFoundPage)).ServeHTTP(w, r)
}

// notFoundPage renders the error page for an unknown page. Under /w/{ws}/
// a member of the workspace keeps its navigation around the message;
// anyone else gets the same page without it, so it tells nothing of
// workspaces they cannot see.
func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request) {
	if a, ok := authFrom(r.Context()); ok {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/w/"); ok {
			if slug, _, _ := strings.Cut(rest, "/"); slug != "" {
				if p, err := s.Accounts.Enter(r.Context(), a.user, slug); err == nil {
					a.principal = &p
				}
			}
		}
	}
	s.pageFail(w, r, apperr.New(apperr.NotFound, "error.page_not_found", nil))
}

// allowedMethods lists the methods other than r's that are routed for r's
// path.
func (s *Server) allowedMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		other := *r
		other.Method = m
		if _, pattern := s.mux.Handler(&other); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	return allow
}

// writeJSON answers v as JSON. A value JSON cannot hold (an infinite
// figure) is a 500 with the API's error shape, not a 200 without a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error": {"code": "internal", "message": "The answer could not be written as JSON."}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
