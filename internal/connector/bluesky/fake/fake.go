// Package fake is a local Bluesky service for tests, speaking the real XRPC
// shape: createSession with an identifier and app password (401
// AuthenticationRequired when wrong), access tokens that expire (HTTP 400
// {"error":"ExpiredToken"}), refreshSession with the refresh token (which
// is then spent), searchPosts that needs auth, limits of 25 by default and
// 100 at most, an opaque cursor, sort=latest ordering and since filtering
// by sort time (the earlier of createdAt and indexedAt), and ratelimit-*
// headers with 429
// RateLimitExceeded on createSession (30 per 5 minutes). Records are
// served as their authors wrote them (PostRecord), legacy shapes included.
// Posts the viewer may not see (Hide) take their place in a page and are
// dropped from it when it is hydrated, so a page can be short with a
// cursor to more.
package fake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chorus-hq/chorus/internal/connector/bluesky"
)

// The account the fake knows.
const (
	Handle      = "brand.bsky.social"
	DID         = "did:plc:brand123"
	AppPassword = "abcd-efgh-ijkl-mnop"
)

// Server is a fake service.
type Server struct {
	*httptest.Server

	mu            sync.Mutex
	posts         []post // oldest first
	access        map[string]time.Time
	refresh       map[string]bool
	accessTTL     time.Duration
	sessionsLeft  int
	sessionsReset time.Time
	counts        map[string]int
}

// New starts a fake service whose access tokens live two hours, as
// Bluesky's do.
func New() *Server {
	s := &Server{access: map[string]time.Time{}, refresh: map[string]bool{}, accessTTL: 2 * time.Hour,
		sessionsLeft: 30, sessionsReset: time.Now().Add(5 * time.Minute), counts: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /xrpc/com.atproto.server.createSession", s.createSession)
	mux.HandleFunc("POST /xrpc/com.atproto.server.refreshSession", s.refreshSession)
	mux.HandleFunc("GET /xrpc/app.bsky.feed.searchPosts", s.searchPosts)
	s.Server = httptest.NewServer(mux)
	return s
}

// post is a post as the service holds it: its view, and the record as
// its author wrote it.
type post struct {
	view   bluesky.PostView
	record json.RawMessage
	text   string
	hidden bool
}

// wirePost is a post as searchPosts answers it, with the record raw.
type wirePost struct {
	bluesky.PostView
	Record json.RawMessage `json:"record"`
}

// Post adds a post by handle, created and indexed now, and returns it.
func (s *Server) Post(handle, text string) bluesky.PostView {
	rec, _ := json.Marshal(bluesky.Record{Type: "app.bsky.feed.post", Text: text,
		CreatedAt: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), Langs: []string{"en"}})
	return s.PostRecord(handle, string(rec))
}

// PostRecord adds a post by handle, indexed now, whose record is the JSON
// object record, served as it is: a legacy record may have a createdAt
// without a time zone, or fields of a shape the lexicon does not allow.
func (s *Server) PostRecord(handle, record string) bluesky.PostView {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.posts) + 1
	did := "did:plc:" + strings.ReplaceAll(handle, ".", "")
	p := post{view: bluesky.PostView{
		URI: "at://" + did + "/app.bsky.feed.post/3k" + strconv.Itoa(1000+n),
		CID: "bafyrei" + strconv.Itoa(n), Author: bluesky.Author{DID: did, Handle: handle},
		ReplyCount: 1, RepostCount: 2, LikeCount: 3, IndexedAt: time.Now().UTC().Truncate(time.Millisecond),
	}, record: json.RawMessage(record)}
	var text struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(p.record, &text)
	_ = json.Unmarshal(p.record, &p.view.Record)
	p.text = text.Text
	s.posts = append(s.posts, p)
	return p.view
}

// Hide hides a post from searches, as a takedown or a block between its
// author and the viewer does.
func (s *Server) Hide(uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.posts {
		if s.posts[i].view.URI == uri {
			s.posts[i].hidden = true
		}
	}
}

// ExpireAccess makes every access token issued so far expired.
func (s *Server) ExpireAccess() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.access {
		s.access[k] = time.Now().Add(-time.Second)
	}
}

// ExpireAll makes every access and refresh token issued so far invalid, so
// that only a new login helps.
func (s *Server) ExpireAll() {
	s.ExpireAccess()
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.refresh)
}

// SetSessionLimit sets how many createSession calls are left.
func (s *Server) SetSessionLimit(left int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessionsLeft = left
}

// Calls returns how many times an XRPC method was called.
func (s *Server) Calls(nsid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[nsid]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func xrpcErr(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, map[string]string{"error": name, "message": msg})
}

func token(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (s *Server) issue() bluesky.Session {
	a, r := token("acc-"), token("ref-")
	s.access[a] = time.Now().Add(s.accessTTL)
	s.refresh[r] = true
	return bluesky.Session{DID: DID, Handle: Handle, AccessJwt: a, RefreshJwt: r}
}

func bearer(r *http.Request) string {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return tok
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts["com.atproto.server.createSession"]++
	if time.Now().After(s.sessionsReset) {
		s.sessionsLeft, s.sessionsReset = 30, time.Now().Add(5*time.Minute)
	}
	h := w.Header()
	h.Set("ratelimit-limit", "30")
	h.Set("ratelimit-policy", "30;w=300")
	h.Set("ratelimit-reset", strconv.FormatInt(s.sessionsReset.Unix(), 10))
	if s.sessionsLeft <= 0 {
		h.Set("ratelimit-remaining", "0")
		xrpcErr(w, http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
		return
	}
	s.sessionsLeft--
	h.Set("ratelimit-remaining", strconv.Itoa(s.sessionsLeft))
	var in struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Identifier == "" || in.Password == "" {
		xrpcErr(w, http.StatusBadRequest, "InvalidRequest", "Input must have the property \"identifier\" and \"password\"")
		return
	}
	if (in.Identifier != Handle && in.Identifier != DID) || in.Password != AppPassword {
		xrpcErr(w, http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
		return
	}
	writeJSON(w, http.StatusOK, s.issue())
}

func (s *Server) refreshSession(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts["com.atproto.server.refreshSession"]++
	tok := bearer(r)
	if tok == "" {
		xrpcErr(w, http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
		return
	}
	if !s.refresh[tok] {
		xrpcErr(w, http.StatusBadRequest, "ExpiredToken", "Token has expired")
		return
	}
	delete(s.refresh, tok) // refresh tokens are single use
	writeJSON(w, http.StatusOK, s.issue())
}

func (s *Server) searchPosts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts["app.bsky.feed.searchPosts"]++
	tok := bearer(r)
	exp, known := s.access[tok]
	switch {
	case tok == "":
		xrpcErr(w, http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
		return
	case !known:
		xrpcErr(w, http.StatusBadRequest, "InvalidToken", "Token could not be verified")
		return
	case time.Now().After(exp):
		xrpcErr(w, http.StatusBadRequest, "ExpiredToken", "Token has expired")
		return
	}
	q := r.URL.Query()
	term := strings.ToLower(strings.TrimSpace(q.Get("q")))
	if term == "" {
		xrpcErr(w, http.StatusBadRequest, "InvalidRequest", `Error: Params must have the property "q"`)
		return
	}
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > bluesky.MaxLimit {
			xrpcErr(w, http.StatusBadRequest, "InvalidRequest", "Error: limit can not be greater than 100")
			return
		}
		limit = n
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		since, _ = time.Parse(time.RFC3339Nano, v)
	}
	var hits []post
	for _, p := range slices.Backward(s.posts) {
		if strings.Contains(strings.ToLower(p.text), term) && !p.view.SortAt().Before(since) {
			hits = append(hits, p)
		}
	}
	// Latest first by sort time, which is not the order of indexing: a
	// post indexed late sorts among the posts of its createdAt.
	slices.SortStableFunc(hits, func(a, b post) int { return b.view.SortAt().Compare(a.view.SortAt()) })
	off := 0
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			xrpcErr(w, http.StatusBadRequest, "InvalidRequest", "malformed cursor")
			return
		}
		off = n
	}
	out := struct {
		Cursor    string     `json:"cursor,omitempty"`
		HitsTotal int64      `json:"hitsTotal"`
		Posts     []wirePost `json:"posts"`
	}{HitsTotal: int64(len(hits)), Posts: []wirePost{}}
	for _, p := range hits[min(off, len(hits)):min(off+limit, len(hits))] {
		if !p.hidden {
			out.Posts = append(out.Posts, wirePost{PostView: p.view, Record: p.record})
		}
	}
	if off+limit < len(hits) {
		out.Cursor = strconv.Itoa(off + limit)
	}
	writeJSON(w, http.StatusOK, out)
}
