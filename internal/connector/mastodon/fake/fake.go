// Package fake is a local Mastodon instance for tests, speaking the real
// API's shape: Bearer tokens (401 {"error":"The access token is invalid"}),
// snowflake ids (the creation time's milliseconds shifted left 16 bits),
// timeline paging with max_id, since_id and min_id and a Link header,
// limits of 20 by default and 40 at most, X-RateLimit-* headers on every
// answer and 429 {"error":"Too many requests"} when the window is spent.
//
// Status search answers as Mastodon's StatusesSearchService does: newest
// first (id descending), paged by limit and offset only; min_id and
// max_id are not cursors there but become after: and before: filters on
// the creation time, to the second; and statuses deleted since they were
// indexed still take their place in a page and are then left out of it,
// so a page can be short with more after it.
package fake

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chorus-hq/chorus/internal/connector/mastodon"
)

// Server is a fake instance. Its fields may be changed between requests
// under no lock only before the first request; use the methods after.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	statuses  []mastodon.Status // ascending id
	deleted   map[string]bool
	seq       int64
	tokens    map[string]bool
	limit     int
	remaining int
	reset     time.Time
	window    time.Duration
	requests  []*http.Request
}

// New starts a fake instance with one valid token, "good-token", and a
// rate limit of 300 requests per 5 minutes.
func New() *Server {
	s := &Server{deleted: map[string]bool{}, tokens: map[string]bool{"good-token": true}, limit: 300, remaining: 300, window: 5 * time.Minute}
	s.reset = time.Now().Add(s.window)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/timelines/tag/{hashtag}", s.tagTimeline)
	mux.HandleFunc("GET /api/v2/search", s.search)
	s.Server = httptest.NewServer(mux)
	return s
}

// Token is the valid access token.
const Token = "good-token"

// Post adds a status with text (plain; stored as HTML <p>) by username,
// created now, and returns it. Tags are the #words of text.
func (s *Server) Post(username, text string, followers int64) mastodon.Status {
	return s.PostAt(username, text, followers, time.Now())
}

// PostAt adds a status created at at, as a remote status that reaches
// the instance late keeps its author's publish time, and so an id below
// those of statuses the instance already has.
func (s *Server) PostAt(username, text string, followers int64, at time.Time) mastodon.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	at = at.UTC().Truncate(time.Millisecond)
	s.seq++
	id := strconv.FormatInt(at.UnixMilli()<<16|s.seq&0xffff, 10)
	st := mastodon.Status{
		ID: id, URI: s.URL + "/users/" + username + "/statuses/" + id, URL: s.URL + "/@" + username + "/" + id,
		CreatedAt: at, Content: "<p>" + htmlEscape(text) + "</p>",
		Visibility: "public", Language: "en", RepliesCount: 1, ReblogsCount: 2, FavouritesCount: 3,
		Account: mastodon.Account{ID: "1" + id, Username: username, Acct: username, DisplayName: strings.ToUpper(username[:1]) + username[1:],
			URL: s.URL + "/@" + username, FollowersCount: followers},
	}
	for _, m := range tagRE.FindAllStringSubmatch(text, -1) {
		st.Tags = append(st.Tags, mastodon.Tag{Name: strings.ToLower(m[1]), URL: s.URL + "/tags/" + strings.ToLower(m[1])})
	}
	i, _ := slices.BinarySearchFunc(s.statuses, idNum(id), func(x mastodon.Status, n int64) int { return cmp.Compare(idNum(x.ID), n) })
	s.statuses = slices.Insert(s.statuses, i, st)
	return st
}

// Delete deletes a status. Timelines leave it out at once; the search
// index keeps it for a while, so that it still takes a place in search
// pages.
func (s *Server) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleted[id] = true
}

// tagRE finds hashtags as Mastodon does, in any script: #闲岚 as #tea.
var tagRE = regexp.MustCompile(`#([\p{L}\p{M}\p{N}_]+)`)

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// RevokeToken makes a token invalid, as revoking an app's access does.
func (s *Server) RevokeToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tok)
}

// SetRateLimit sets the requests left in the current window.
func (s *Server) SetRateLimit(remaining int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remaining, s.reset = remaining, reset
}

// Requests returns the requests served so far.
func (s *Server) Requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// admit counts the request against the rate limit and checks the token;
// authRequired refuses a request without one. It reports whether the
// handler should go on, and whether the caller is signed in.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (ok, signedIn bool) {
	s.requests = append(s.requests, r)
	now := time.Now()
	if now.After(s.reset) {
		s.remaining, s.reset = s.limit, now.Add(s.window)
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	h.Set("X-RateLimit-Reset", s.reset.UTC().Format("2006-01-02T15:04:05.000Z"))
	if s.remaining <= 0 {
		h.Set("X-RateLimit-Remaining", "0")
		fail(w, http.StatusTooManyRequests, "Too many requests")
		return false, false
	}
	s.remaining--
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.remaining))
	if a := r.Header.Get("Authorization"); a != "" {
		tok, found := strings.CutPrefix(a, "Bearer ")
		if !found || !s.tokens[tok] {
			fail(w, http.StatusUnauthorized, "The access token is invalid")
			return false, false
		}
		return true, true
	}
	return true, false
}

// limitOf reads limit: 20 by default, at most 40.
func limitOf(q url.Values) int {
	n, err := strconv.Atoi(q.Get("limit"))
	if err != nil || n <= 0 {
		return 20
	}
	return min(n, mastodon.MaxLimit)
}

func idNum(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// snowflakeTime is the time of a status id, to the second, as search
// turns min_id and max_id into after: and before: with Snowflake.to_time
// and iso8601; zero for no id.
func snowflakeTime(id string) time.Time {
	n := idNum(id)
	if n <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(n >> 16).UTC().Truncate(time.Second)
}

// page selects from matching (ascending by id) as Mastodon does: newest
// first below max_id and above since_id; with min_id, the ones right
// after it.
func page(matching []mastodon.Status, q url.Values) []mastodon.Status {
	limit := limitOf(q)
	maxID, sinceID, minID := idNum(q.Get("max_id")), idNum(q.Get("since_id")), idNum(q.Get("min_id"))
	var in []mastodon.Status
	for _, st := range matching {
		id := idNum(st.ID)
		if (maxID > 0 && id >= maxID) || (sinceID > 0 && id <= sinceID) || (q.Has("min_id") && id <= minID) {
			continue
		}
		in = append(in, st)
	}
	if q.Has("min_id") {
		in = in[:min(limit, len(in))] // the oldest after min_id
	} else {
		in = in[max(0, len(in)-limit):] // the newest
	}
	out := slices.Clone(in)
	slices.Reverse(out)
	return out
}

func (s *Server) tagTimeline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok, _ := s.admit(w, r); !ok {
		return
	}
	tag := strings.ToLower(strings.TrimPrefix(r.PathValue("hashtag"), "#"))
	var matching []mastodon.Status
	for _, st := range s.statuses {
		if !s.deleted[st.ID] && slices.ContainsFunc(st.Tags, func(t mastodon.Tag) bool { return t.Name == tag }) {
			matching = append(matching, st)
		}
	}
	out := page(matching, r.URL.Query())
	if len(out) > 0 {
		base := s.URL + r.URL.Path
		lim := limitOf(r.URL.Query())
		w.Header().Set("Link", fmt.Sprintf(`<%s?limit=%d&max_id=%s>; rel="next", <%s?limit=%d&min_id=%s>; rel="prev"`,
			base, lim, out[len(out)-1].ID, base, lim, out[0].ID))
	}
	if out == nil {
		out = []mastodon.Status{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok, signedIn := s.admit(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	term := strings.ToLower(strings.TrimSpace(q.Get("q")))
	if term == "" {
		fail(w, http.StatusBadRequest, "Validation failed: q is missing")
		return
	}
	if (q.Has("offset") || q.Get("resolve") == "true") && !signedIn {
		fail(w, http.StatusUnauthorized, "Search queries pagination is not supported without authentication")
		return
	}
	result := map[string]any{"accounts": []any{}, "hashtags": []any{}, "statuses": []mastodon.Status{}}
	t := q.Get("type")
	if signedIn && (t == "" || t == "statuses") {
		after, before := snowflakeTime(q.Get("min_id")), snowflakeTime(q.Get("max_id"))
		var hits []mastodon.Status
		for _, st := range slices.Backward(s.statuses) { // order(id: :desc)
			if strings.Contains(strings.ToLower(st.Content), term) &&
				(after.IsZero() || st.CreatedAt.After(after)) && (before.IsZero() || st.CreatedAt.Before(before)) {
				hits = append(hits, st)
			}
		}
		off, _ := strconv.Atoi(q.Get("offset"))
		hits = hits[min(max(off, 0), len(hits)):]
		out := []mastodon.Status{}
		for _, st := range hits[:min(limitOf(q), len(hits))] {
			if !s.deleted[st.ID] {
				out = append(out, st)
			}
		}
		result["statuses"] = out
	}
	writeJSON(w, http.StatusOK, result)
}
