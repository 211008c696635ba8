package web

import (
	"bytes"
	"net/http"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
)

// decodeBytes decodes a JSON document built from a form into v.
func decodeBytes(b []byte, v any) error { return decodeJSON(bytes.NewReader(b), v) }

// registerBrandAPI serves CRUD for one step-1 collection under
// /api/v1/workspaces/{ws}/brand/{kind}.
func registerBrandAPI[T any, P brand.Item[T]](s *Server, k brandKind, c *brand.Collection[T, P]) {
	base := "/workspaces/{ws}/brand/" + k.Path
	tag := "brand"
	s.handleAPI(op{Method: "GET", Path: base, Summary: "List " + k.Path, Tag: tag, Resp: typeOf[list[T]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			items, err := c.List(r.Context(), p.Workspace.ID)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(items))
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: base, Summary: "Create a " + k.Kind, Tag: tag, Perm: account.EditBrand, Req: typeOf[T](), Resp: typeOf[T](), Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var v T
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			v, err := c.Create(r.Context(), p.Workspace.ID, v)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, v)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: base + "/{id}", Summary: "Get a " + k.Kind, Tag: tag, Resp: typeOf[T]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			v, err := c.Get(r.Context(), p.Workspace.ID, id)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, v)
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: base + "/{id}", Summary: "Replace a " + k.Kind, Tag: tag, Perm: account.EditBrand, Req: typeOf[T](), Resp: typeOf[T]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			var v T
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			v, err := c.Update(r.Context(), p.Workspace.ID, id, v)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, v)
			return nil
		})
	s.handleAPI(op{Method: "DELETE", Path: base + "/{id}", Summary: "Delete a " + k.Kind, Tag: tag, Perm: account.EditBrand, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			if err := c.Delete(r.Context(), p.Workspace.ID, id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
}

// registerBrandDocAPI serves the profile and budget documents.
func (s *Server) registerBrandDocAPI() {
	docAPI(s, "profile",
		func(r *http.Request, p account.Principal) (brand.Profile, error) {
			return s.Brand.Profile(r.Context(), p.Workspace.ID)
		},
		func(r *http.Request, p account.Principal, v brand.Profile) (brand.Profile, error) {
			return s.Brand.SaveProfile(r.Context(), p.Workspace.ID, v)
		})
	docAPI(s, "budget",
		func(r *http.Request, p account.Principal) (brand.Budget, error) {
			return s.Brand.Budget(r.Context(), p.Workspace.ID, p.Workspace.Currency)
		},
		func(r *http.Request, p account.Principal, v brand.Budget) (brand.Budget, error) {
			return s.Brand.SaveBudget(r.Context(), p.Workspace.ID, v)
		})
}

func docAPI[T any](s *Server, name string, get func(*http.Request, account.Principal) (T, error), put func(*http.Request, account.Principal, T) (T, error)) {
	path := "/workspaces/{ws}/brand/" + name
	s.handleAPI(op{Method: "GET", Path: path, Summary: "Get the brand " + name, Tag: "brand", Resp: typeOf[T]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			v, err := get(r, p)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, v)
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: path, Summary: "Replace the brand " + name, Tag: "brand", Perm: account.EditBrand, Req: typeOf[T](), Resp: typeOf[T]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var v T
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			v, err := put(r, p, v)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, v)
			return nil
		})
}
