package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/source"
)

// sourceResp is a source as the API and the source health page show it:
// its secrets (app passwords, access tokens) are never returned, only the
// names of those that are set.
type sourceResp struct {
	listen.Source
	SecretsSet []string `json:"secrets_set"`
	// Polled is false for pushed sources (webhook, import).
	Polled bool `json:"polled"`
	// Status is the health in a word: ok, failing, paused, pending (not
	// polled with its current settings yet: new, or its config changed)
	// or pushed (webhook, import: nothing to poll).
	Status string `json:"status" doc:"ok, failing, paused, pending (not polled with its current settings yet) or pushed (webhook, import: nothing to poll)"`
	// BackoffSeconds is how long a failing source waits before its next
	// poll, as the poller chose it after the last error; 0 otherwise.
	BackoffSeconds int64 `json:"backoff_seconds,omitempty"`
}

// Source statuses, each with a badge and a label "sources.status.<status>".
const (
	sourceOK      = "ok"
	sourceFailing = "failing"
	sourcePaused  = "paused"
	sourcePending = "pending"
	sourcePushed  = "pushed"
)

var sourceStatuses = []string{sourceOK, sourceFailing, sourcePaused, sourcePending, sourcePushed}

func toSourceResp(s listen.Source) sourceResp {
	red, set := source.Redact(s)
	out := sourceResp{Source: red, SecretsSet: set, Polled: source.Polled(s.Kind)}
	// A success resets the failure count, so failures say whether the
	// latest poll failed.
	switch {
	case !s.Enabled:
		out.Status = sourcePaused
	case !out.Polled:
		out.Status = sourcePushed
	case s.Failures > 0:
		out.Status = sourceFailing
	case s.LastSuccessAt != nil:
		out.Status = sourceOK
	default:
		out.Status = sourcePending
	}
	if out.Status == sourceFailing && s.NextPollAt != nil && s.LastErrorAt != nil && s.NextPollAt.After(*s.LastErrorAt) {
		// The poller's clock and the store's stamp differ by a moment.
		out.BackoffSeconds = int64(s.NextPollAt.Sub(*s.LastErrorAt).Round(time.Second) / time.Second)
	}
	return out
}

// sourceHealth lists the workspace's sources as the API shows them, with
// their status.
func (s *Server) sourceHealth(ctx context.Context, ws int64) ([]sourceResp, error) {
	srcs, err := s.Sources.List(ctx, ws)
	if err != nil {
		return nil, err
	}
	out := make([]sourceResp, len(srcs))
	for i, src := range srcs {
		out[i] = toSourceResp(src)
	}
	return out, nil
}

// sourceTestResp is the outcome of a test poll: the first items, or the
// error the poll met (a failed poll is an answer, not an API error).
type sourceTestResp struct {
	OK          bool          `json:"ok"`
	NotModified bool          `json:"not_modified,omitempty"`
	Count       int           `json:"count"`
	Items       []listen.Post `json:"items"`
	Error       *testError    `json:"error,omitempty"`
}

type testError struct {
	Key     string `json:"key"`
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

// sourceTestItems is how many items a test poll shows.
const sourceTestItems = 10

// sourceTestTimeout bounds a test poll.
const sourceTestTimeout = 30 * time.Second

func (s *Server) sourceRoutes() {
	if s.Sources == nil {
		return
	}
	base := "/workspaces/{ws}/sources"
	tag := "sources"
	s.handleAPI(op{Method: "GET", Path: base, Summary: "List listening sources with their health (last success, last error, items fetched)", Tag: tag, Resp: typeOf[list[sourceResp]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			out, err := s.sourceHealth(r.Context(), p.Workspace.ID)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(out))
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: base, Summary: "Create a source (rss: url; mastodon_tag: instance, tag, token?; mastodon_search: instance, q, token; bluesky_search: q, identifier, app_password, service?; weibo_search: q, access_token, paid_api=true; webhook, import, own_channel). Secrets are write-only.", Tag: tag, Perm: account.EditListening, Req: typeOf[source.Input](), Resp: typeOf[sourceResp](), Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var in source.Input
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			src, err := s.Sources.Create(r.Context(), p.Workspace.ID, in)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, toSourceResp(src))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: base + "/{id}", Summary: "Get a source with its health", Tag: tag, Resp: typeOf[sourceResp]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, ok := pathID(r, "id")
			if !ok {
				return apperr.NotFoundf("source")
			}
			src, err := s.Sources.Get(r.Context(), p.Workspace.ID, id)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, toSourceResp(src))
			return nil
		})
	s.handleAPI(op{Method: "PATCH", Path: base + "/{id}", Summary: "Change a source; a new config replaces the old one, but secrets left out keep their values", Tag: tag, Perm: account.EditListening, Req: typeOf[source.Update](), Resp: typeOf[sourceResp]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, ok := pathID(r, "id")
			if !ok {
				return apperr.NotFoundf("source")
			}
			var u source.Update
			if err := decodeJSON(r.Body, &u); err != nil {
				return err
			}
			src, err := s.Sources.Update(r.Context(), p.Workspace.ID, id, u)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, toSourceResp(src))
			return nil
		})
	s.handleAPI(op{Method: "DELETE", Path: base + "/{id}", Summary: "Delete a source; its mentions stay", Tag: tag, Perm: account.EditListening, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, ok := pathID(r, "id")
			if !ok {
				return apperr.NotFoundf("source")
			}
			if err := s.Sources.Delete(r.Context(), p.Workspace.ID, id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: base + "/{id}/test", Summary: "Run one poll of a source without saving anything; answers the first items or the error", Tag: tag, Perm: account.EditListening, Resp: typeOf[sourceTestResp]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, ok := pathID(r, "id")
			if !ok {
				return apperr.NotFoundf("source")
			}
			ctx, cancel := context.WithTimeout(r.Context(), sourceTestTimeout)
			defer cancel()
			res, err := s.Sources.Test(ctx, p.Workspace.ID, id, sourceTestItems)
			if apperr.Is(err, apperr.NotFound) {
				if _, gerr := s.Sources.Get(r.Context(), p.Workspace.ID, id); gerr != nil {
					return gerr
				}
			}
			out := sourceTestResp{OK: err == nil, Items: []listen.Post{}}
			if err != nil {
				out.Error = s.testError(r, err)
			} else {
				out.NotModified, out.Count = res.NotModified, len(res.Posts)
				if res.Posts != nil {
					out.Items = res.Posts
				}
			}
			writeJSON(w, http.StatusOK, out)
			return nil
		})
}

// testError describes a failed test poll in the request's language, with
// the platform's own message as detail.
func (s *Server) testError(r *http.Request, err error) *testError {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Key == "" || ae.Key == "error.internal" {
		s.log.WarnContext(r.Context(), "source test failed", "err", err)
		return &testError{Key: "error.source_failed", Message: s.cat.T(s.locale(r), "error.source_failed", nil), Detail: source.Describe(err)}
	}
	return &testError{Key: ae.Key, Message: s.cat.T(s.locale(r), ae.Key, ae.Args), Detail: source.Describe(err)}
}
