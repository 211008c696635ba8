// Package bluesky is the client of a Bluesky (AT Protocol) service over
// XRPC: sessions from an app password, with the access token refreshed
// when it expires and a new login when the refresh token has expired too;
// for listening, app.bsky.feed.searchPosts. The base URL is configurable
// (https://bsky.social by default, a fake server in tests).
package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/fetch"
)

// DefaultBaseURL is Bluesky's own service.
const DefaultBaseURL = "https://bsky.social"

// MaxLimit is the most posts one searchPosts page returns.
const MaxLimit = 100

// Client calls one service as one account. It caches the session and is
// safe for concurrent use.
type Client struct {
	BaseURL string
	// Identifier is the handle or DID; Password an app password.
	Identifier, Password string
	HTTP                 *http.Client

	mu   sync.Mutex
	sess *Session
}

// Session is what createSession and refreshSession return.
type Session struct {
	DID        string `json:"did"`
	Handle     string `json:"handle"`
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
}

// Author is a post's author.
type Author struct {
	DID         string `json:"did"`
	Handle      string `json:"handle"`
	DisplayName string `json:"displayName,omitempty"`
}

// Record is the app.bsky.feed.post record of a post. CreatedAt is kept
// as the record holds it: records written before the lexicon was enforced
// may not be valid datetimes (Created reads them).
type Record struct {
	Type      string   `json:"$type"`
	Text      string   `json:"text"`
	CreatedAt string   `json:"createdAt"`
	Langs     []string `json:"langs,omitempty"`
}

// createdLayouts are the forms of createdAt that Created reads: the
// lexicon's RFC 3339, and the legacy ones with a +0000 style zone or none
// (taken as UTC, as Bluesky's own lenient parser does).
var createdLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"}

// Created parses CreatedAt leniently; ok is false when it cannot be read.
func (r Record) Created() (time.Time, bool) {
	raw := strings.TrimSpace(r.CreatedAt)
	for _, layout := range createdLayouts {
		if t, err := time.Parse(layout, raw); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// PostView is app.bsky.feed.defs#postView.
type PostView struct {
	URI         string    `json:"uri"`
	CID         string    `json:"cid"`
	Author      Author    `json:"author"`
	Record      Record    `json:"record"`
	ReplyCount  int64     `json:"replyCount"`
	RepostCount int64     `json:"repostCount"`
	LikeCount   int64     `json:"likeCount"`
	QuoteCount  int64     `json:"quoteCount"`
	IndexedAt   time.Time `json:"indexedAt"`
}

// SortAt is the time searchPosts sorts by and filters with since: the
// record's createdAt, or indexedAt when that is earlier (a createdAt in
// the future) or createdAt cannot be read.
func (p PostView) SortAt() time.Time {
	if at, ok := p.Record.Created(); ok && at.Before(p.IndexedAt) {
		return at
	}
	return p.IndexedAt
}

// WebURL is the post's address on bsky.app.
func (p PostView) WebURL() string {
	// at://did/app.bsky.feed.post/rkey
	i := strings.LastIndex(p.URI, "/")
	if i < 0 {
		return ""
	}
	h := p.Author.Handle
	if h == "" {
		h = p.Author.DID
	}
	return "https://bsky.app/profile/" + h + "/post/" + p.URI[i+1:]
}

// SearchParams are searchPosts' parameters; Q is required. Sort is
// "latest" (the default) or "top"; Since an RFC 3339 time or date,
// compared with PostView.SortAt.
type SearchParams struct {
	Q, Sort, Since, Cursor string
	Limit                  int
}

// SearchResult is a page of posts; an empty Cursor means no more.
type SearchResult struct {
	Cursor    string     `json:"cursor,omitempty"`
	HitsTotal int64      `json:"hitsTotal,omitempty"`
	Posts     []PostView `json:"posts"`
}

// UnmarshalJSON reads the posts one by one and leaves out the ones whose
// record has a shape the lexicon does not allow (records are the
// author's own data, and legacy ones were never validated), so that one
// such post never fails its page, and with it every poll after.
func (r *SearchResult) UnmarshalJSON(b []byte) error {
	var raw struct {
		Cursor    string            `json:"cursor"`
		HitsTotal int64             `json:"hitsTotal"`
		Posts     []json.RawMessage `json:"posts"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = SearchResult{Cursor: raw.Cursor, HitsTotal: raw.HitsTotal, Posts: make([]PostView, 0, len(raw.Posts))}
	for _, p := range raw.Posts {
		var pv PostView
		if json.Unmarshal(p, &pv) == nil {
			r.Posts = append(r.Posts, pv)
		}
	}
	return nil
}

// Error is an XRPC error answer: {"error": Name, "message": …}.
// ExpiredToken comes with HTTP 400; bad credentials are 401
// AuthenticationRequired; 429 RateLimitExceeded carries ratelimit-reset
// (Unix seconds).
type Error struct {
	Status  int
	Name    string
	Message string
	Reset   time.Time
	// Wait is the Retry-After of a 429 or 503, which a proxy in front
	// of a service sends rather than ratelimit-reset.
	Wait time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("bluesky: HTTP %d %s: %s", e.Status, e.Name, e.Message)
}

// RetryAfter is how long to wait when rate limited or
// unavailable for a while; 0 otherwise.
func (e *Error) RetryAfter() time.Duration {
	if e.Wait > 0 {
		return e.Wait
	}
	if e.Status != http.StatusTooManyRequests {
		return 0
	}
	if e.Reset.IsZero() {
		return 5 * time.Minute
	}
	return max(time.Until(e.Reset), time.Second)
}

// AsError returns the service's error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func tokenDead(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Name == "ExpiredToken" || e.Name == "InvalidToken" || e.Status == http.StatusUnauthorized)
}

// SearchPosts finds posts matching p.Q.
func (c *Client) SearchPosts(ctx context.Context, p SearchParams) (SearchResult, error) {
	v := url.Values{"q": {p.Q}}
	if p.Sort != "" {
		v.Set("sort", p.Sort)
	}
	if p.Since != "" {
		v.Set("since", p.Since)
	}
	if p.Cursor != "" {
		v.Set("cursor", p.Cursor)
	}
	if p.Limit > 0 {
		v.Set("limit", strconv.Itoa(min(p.Limit, MaxLimit)))
	}
	var out SearchResult
	err := c.authed(ctx, func(access string) error {
		return c.xrpc(ctx, http.MethodGet, "app.bsky.feed.searchPosts", v, nil, access, &out)
	})
	return out, err
}

// Session returns the current session, logging in first if needed.
func (c *Client) Session(ctx context.Context) (Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		if err := c.login(ctx); err != nil {
			return Session{}, err
		}
	}
	return *c.sess, nil
}

// authed runs call with the access token; when the token has expired it
// refreshes the session (or logs in again when that fails too) and runs
// call once more.
func (c *Client) authed(ctx context.Context, call func(access string) error) error {
	sess, err := c.Session(ctx)
	if err != nil {
		return err
	}
	err = call(sess.AccessJwt)
	if !tokenDead(err) {
		return err
	}
	c.mu.Lock()
	if c.sess != nil && c.sess.AccessJwt == sess.AccessJwt {
		if rerr := c.refresh(ctx); rerr != nil {
			if !tokenDead(rerr) {
				c.mu.Unlock()
				return rerr
			}
			if lerr := c.login(ctx); lerr != nil {
				c.mu.Unlock()
				return lerr
			}
		}
	}
	access := ""
	if c.sess != nil {
		access = c.sess.AccessJwt
	}
	c.mu.Unlock()
	return call(access)
}

// login runs createSession; c.mu is held.
func (c *Client) login(ctx context.Context) error {
	var s Session
	body := map[string]string{"identifier": c.Identifier, "password": c.Password}
	if err := c.xrpc(ctx, http.MethodPost, "com.atproto.server.createSession", nil, body, "", &s); err != nil {
		c.sess = nil
		return err
	}
	c.sess = &s
	return nil
}

// refresh runs refreshSession with the refresh token; c.mu is held.
func (c *Client) refresh(ctx context.Context) error {
	var s Session
	if err := c.xrpc(ctx, http.MethodPost, "com.atproto.server.refreshSession", nil, nil, c.sess.RefreshJwt, &s); err != nil {
		return err
	}
	c.sess = &s
	return nil
}

// maxBody bounds one answer.
const maxBody = 5 << 20

func (c *Client) xrpc(ctx context.Context, method, nsid string, v url.Values, body any, bearer string, out any) error {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u := strings.TrimRight(base, "/") + "/xrpc/" + nsid
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return apperr.Wrap(err, "encode "+nsid)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return apperr.New(apperr.Invalid, "error.source_instance", nil)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := fetch.ReadLimited(resp.Body, maxBody)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		return apiError(resp, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &apperr.Error{Code: apperr.Unavailable, Key: "error.source_bad_answer", Err: fmt.Errorf("bluesky: decode %s: %w", nsid, err)}
	}
	return nil
}

func apiError(resp *http.Response, body []byte) error {
	var b struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &b)
	e := &Error{Status: resp.StatusCode, Name: b.Error, Message: b.Message}
	if e.Name == "" {
		e.Name = http.StatusText(resp.StatusCode)
	}
	if n, err := strconv.ParseInt(resp.Header.Get("ratelimit-reset"), 10, 64); err == nil {
		e.Reset = time.Unix(n, 0)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.Wait = fetch.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	args := map[string]any{"Platform": "Bluesky"}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &apperr.Error{Code: apperr.TooMany, Key: "error.source_rate_limited", Args: args, Err: e}
	case resp.StatusCode == http.StatusUnauthorized || e.Name == "ExpiredToken" || e.Name == "InvalidToken" || e.Name == "AuthFactorTokenRequired" || e.Name == "AccountTakedown":
		return &apperr.Error{Code: apperr.Invalid, Key: "error.source_auth", Args: args, Err: e}
	case resp.StatusCode == http.StatusBadRequest:
		return &apperr.Error{Code: apperr.Invalid, Key: "error.source_remote", Args: args, Err: e}
	}
	return &apperr.Error{Code: apperr.Unavailable, Key: "error.source_remote", Args: args, Err: e}
}
