package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

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
		Code    apperr.Code  `json:"code"`
		Message string       `json:"message"`
		Fields  []fieldError `json:"fields,omitempty"`
	} `json:"error"`
}

type fieldError struct {
	Field   string `json:"field"`
	Key     string `json:"key"`
	Message string `json:"message"`
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
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	s.render(w, r, status(ae), "error", map[string]any{"Error": ae})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
