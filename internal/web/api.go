package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
)

// maxBody bounds every JSON request body.
const maxBody = 1 << 20

// apiHandler serves one JSON API operation for a principal.
type apiHandler func(w http.ResponseWriter, r *http.Request, p account.Principal) error

// op describes one API operation; the OpenAPI document is generated from
// the same values that register the routes, so the two cannot drift.
type op struct {
	Method, Path string
	Summary, Tag string
	Perm         account.Permission
	Req, Resp    reflect.Type
	// Produces is the media type of a response that is not JSON (an
	// image).
	Produces string
	// Status is the success status (200 when 0).
	Status int
	// MaxBody bounds the request body (maxBody when 0): webhook batches
	// and file imports need more.
	MaxBody int64
	// ReadOnly marks a POST that changes nothing (a preview, a try): its
	// calls are not recorded in the audit log.
	ReadOnly bool
	// Public marks an operation that needs no token or session (the
	// collect endpoint, which takes a workspace's public key); it is
	// registered by hand, not through handleAPI.
	Public bool
	// Query documents the query parameters the handler reads.
	Query []param
	// Form documents a multipart/form-data body (file uploads), which
	// the handler reads instead of a JSON Req.
	Form []param
}

// param documents one query parameter or multipart form field of an op.
type param struct {
	Name string
	// Type is the Go type of the value; nil is text. In a Form, []byte is
	// a file and a struct is a JSON document.
	Type     reflect.Type
	Doc      string
	Required bool
}

// typeOf is a shorthand for the request and response types of an op.
func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// handleAPI registers an operation under /api/v1 on the workspace named by
// {ws}: it authenticates with a bearer token (or a session plus CSRF
// header), checks the token's workspace and perm, and records changes.
// callerKey names an API caller for a rate limit: its token, or its
// user when signed in with a session.
func callerKey(p account.Principal) string {
	if p.TokenID != 0 {
		return fmt.Sprintf("t%d", p.TokenID)
	}
	return fmt.Sprintf("u%d", p.User.ID)
}

func (s *Server) handleAPI(o op, h apiHandler) {
	s.api.add(o)
	s.mux.Handle(o.Method+" /api/v1"+o.Path, s.withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.apiPrincipal(r)
		if err == nil && o.Perm != "" {
			err = p.Require(o.Perm)
		}
		if err == nil {
			err = knownQuery(r.URL.Query(), o.Query)
		}
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		limit := int64(maxBody)
		if o.MaxBody > 0 {
			limit = o.MaxBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		sw := &statusWriter{ResponseWriter: w}
		if err := h(sw, r, p); err != nil {
			s.apiFail(sw, r, err)
			return
		}
		if !o.ReadOnly {
			s.audit(r, p, sw)
		}
	})))
}

// apiPrincipal resolves who calls the API and checks they belong to the
// workspace in the path. A token of another workspace gets NotFound, as an
// unknown workspace would.
func (s *Server) apiPrincipal(r *http.Request) (account.Principal, error) {
	ws := r.PathValue("ws")
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return account.Principal{}, apperr.New(apperr.Unauthorized, "error.bad_token", nil)
		}
		p, err := s.Accounts.TokenPrincipal(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			return p, err
		}
		if ws != "" && p.Workspace.Slug != ws {
			return account.Principal{}, apperr.NotFoundf("workspace")
		}
		return p, nil
	}
	a, ok := authFrom(r.Context())
	if !ok {
		return account.Principal{}, apperr.New(apperr.Unauthorized, "error.bad_token", nil)
	}
	if err := checkCSRF(r, a); err != nil {
		return account.Principal{}, err
	}
	if ws == "" {
		return account.Principal{User: a.user}, nil
	}
	p, err := s.Accounts.Enter(r.Context(), a.user, ws)
	if err != nil {
		return p, err
	}
	a.principal = &p
	return p, nil
}

// decodeJSON reads a request body into v with apperr.DecodeJSON, the one
// JSON decoder of the API: unknown fields and trailing data are refused,
// and an error names the field and the type wanted in a user's words.
func decodeJSON(body io.Reader, v any) error {
	data, err := io.ReadAll(body)
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return apperr.Field("body", "error.body_too_large", "Max", maxErr.Limit)
	case err != nil:
		return apperr.Field("body", "error.body_read")
	}
	return apperr.DecodeJSON(data, v)
}

// list is the envelope of every list response, so that paging can be added
// without breaking clients.
type list[T any] struct {
	Items []T `json:"items"`
}

func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}
