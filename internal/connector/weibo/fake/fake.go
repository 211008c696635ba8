// Package fake is a local Weibo API for tests, with the paid search's real
// shape: access_token as a query parameter, q required (10016), count 10 by
// default and 50 at most, page, starttime and endtime as Unix seconds,
// per-user hourly limits (10023) and errors as {"request", "error_code",
// "error"} with Weibo's HTTP statuses; tokens expire (21327) and an app
// without the paid permission gets 10014.
package fake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chorus-hq/chorus/internal/connector/weibo"
)

// Token is the valid access token.
const Token = "2.00weibo_good_token"

// Server is a fake API.
type Server struct {
	*httptest.Server

	mu         sync.Mutex
	statuses   []weibo.Status // oldest first
	tokens     map[string]time.Time
	permission bool
	left       int
	nextID     int64
	requests   int
}

// New starts a fake API where Token is valid for a day, the app has the
// search permission and 150 requests are left this hour.
func New() *Server {
	s := &Server{tokens: map[string]time.Time{Token: time.Now().Add(24 * time.Hour)}, permission: true, left: 150, nextID: 4890000000000000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+weibo.SearchPath, s.search)
	s.Server = httptest.NewServer(mux)
	return s
}

// Post adds a status published at at.
func (s *Server) Post(screenName, text string, at time.Time, followers int64) weibo.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := strconv.FormatInt(s.nextID, 10)
	st := weibo.Status{ID: s.nextID, IDStr: id, MID: id, CreatedAt: at.In(time.FixedZone("CST", 8*3600)).Format(weibo.TimeLayout),
		Text: text, RepostsCount: 4, CommentsCount: 5, AttitudesCount: 6,
		User: &weibo.User{ID: 1000 + s.nextID%1000, IDStr: strconv.FormatInt(1000+s.nextID%1000, 10), ScreenName: screenName, FollowersCount: followers}}
	s.statuses = append(s.statuses, st)
	return st
}

// ExpireToken makes tok expired.
func (s *Server) ExpireToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = time.Now().Add(-time.Second)
}

// SetPermission grants or withdraws the paid search permission.
func (s *Server) SetPermission(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.permission = ok
}

// SetRemaining sets the requests left this hour.
func (s *Server) SetRemaining(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.left = n
}

// Requests is how many requests were served.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func fail(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"request": weibo.SearchPath, "error_code": code, "error": msg})
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	q := r.URL.Query()
	tok := q.Get("access_token")
	exp, known := s.tokens[tok]
	switch {
	case tok == "":
		fail(w, http.StatusForbidden, weibo.CodeAuthFailed, "auth faild!")
		return
	case !known:
		fail(w, http.StatusForbidden, weibo.CodeInvalidToken, "invalid_access_token")
		return
	case time.Now().After(exp):
		fail(w, http.StatusForbidden, weibo.CodeExpiredToken, "expired_token")
		return
	case !s.permission:
		fail(w, http.StatusForbidden, weibo.CodeNoPermission, "Insufficient app permissions!")
		return
	case s.left <= 0:
		fail(w, http.StatusForbidden, weibo.CodeUserLimit, "User requests out of rate limit!")
		return
	}
	s.left--
	term := strings.TrimSpace(q.Get("q"))
	if term == "" {
		fail(w, http.StatusBadRequest, weibo.CodeMissingParam, "miss required parameter (q), see doc for more info.")
		return
	}
	count, page := 10, 1
	if v := q.Get("count"); v != "" {
		count, _ = strconv.Atoi(v)
		count = max(1, min(count, weibo.MaxCount))
	}
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
		page = max(1, page)
	}
	var start, end int64
	if v := q.Get("starttime"); v != "" {
		start, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := q.Get("endtime"); v != "" {
		end, _ = strconv.ParseInt(v, 10, 64)
	}
	var hits []weibo.Status
	for _, st := range slices.Backward(s.statuses) {
		at, _ := st.Created()
		if !strings.Contains(strings.ToLower(st.Text), strings.ToLower(term)) ||
			(start > 0 && at.Unix() < start) || (end > 0 && at.Unix() > end) {
			continue
		}
		hits = append(hits, st)
	}
	from := min((page-1)*count, len(hits))
	out := weibo.SearchResult{Statuses: slices.Clone(hits[from:min(from+count, len(hits))]), TotalNumber: int64(len(hits))}
	if out.Statuses == nil {
		out.Statuses = []weibo.Status{}
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(out)
}
