package web

import (
	"encoding/json"
	"errors"
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
	// Status is the success status (200 when 0).
	Status int
	// MaxBody bounds the request body (maxBody when 0): webhook batches
	// and file imports need more.
	MaxBody int64
	// Public marks an operation that needs no token or session (the
	// collect endpoint, which takes a workspace's public key); it is
	// registered by hand, not through handleAPI.
	Public bool
}

// typeOf is a shorthand for the request and response types of an op.
func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// handleAPI registers an operation under /api/v1 on the workspace named by
// {ws}: it authenticates with a bearer token (or a session plus CSRF
// header), checks the token's workspace and perm, and records changes.
func (s *Server) handleAPI(o op, h apiHandler) {
	s.api.add(o)
	s.mux.Handle(o.Method+" /api/v1"+o.Path, s.withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.apiPrincipal(r)
		if err == nil && o.Perm != "" {
			err = p.Require(o.Perm)
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
		s.audit(r, p, sw.status)
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

// decodeJSON reads a request body into v, refusing unknown fields and
// trailing data, with an error that says where the body is wrong.
func decodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err == nil {
		return nil
	}
	var fs apperr.Fields
	var typeErr *json.UnmarshalTypeError
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		fs.Add("body", "error.body_too_large", "Max", maxErr.Limit)
	case errors.As(err, &typeErr):
		fs.Add(typeErr.Field, "error.json_type", "Want", typeErr.Type.String())
	case errors.Is(err, io.EOF):
		fs.Add("body", "error.json_empty")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		fs.Add(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "error.json_unknown_field")
	default:
		fs.Add("body", "error.json_syntax", "Detail", err.Error())
	}
	return fs.Err()
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
