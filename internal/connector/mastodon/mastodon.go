// Package mastodon is the client of a Mastodon instance's REST API: for
// listening, hashtag timelines and status search. The base URL is the
// instance the user names (or a fake server in tests); requests go through
// the *http.Client given, which in production is the SSRF-safe one of
// package fetch.
package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/fetch"
)

// MaxLimit is the most statuses one timeline or search page returns.
const MaxLimit = 40

// Client calls one instance. Token is an OAuth access token; public
// hashtag timelines work without one, status search needs one.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
}

// Account is the author of a status.
type Account struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	URL            string `json:"url"`
	FollowersCount int64  `json:"followers_count"`
}

// Tag is a hashtag on a status.
type Tag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Status is a post. Content is HTML.
type Status struct {
	ID              string    `json:"id"`
	URI             string    `json:"uri"`
	URL             string    `json:"url,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	Content         string    `json:"content"`
	SpoilerText     string    `json:"spoiler_text"`
	Visibility      string    `json:"visibility"`
	Language        string    `json:"language,omitempty"`
	InReplyToID     *string   `json:"in_reply_to_id"`
	RepliesCount    int64     `json:"replies_count"`
	ReblogsCount    int64     `json:"reblogs_count"`
	FavouritesCount int64     `json:"favourites_count"`
	Account         Account   `json:"account"`
	Reblog          *Status   `json:"reblog"`
	Tags            []Tag     `json:"tags"`
}

// Params page through timelines by id: MaxID for older ones, MinID for
// the ones right after an id (oldest first, then returned newest first),
// SinceID for the newest ones after an id (possibly with a gap). Search
// is different: it answers newest first and pages by Offset (results
// skipped) only; there MinID and MaxID merely filter by creation time,
// to the second.
type Params struct {
	MaxID, SinceID, MinID string
	Limit, Offset         int
}

func (p Params) values(v url.Values) {
	if p.MaxID != "" {
		v.Set("max_id", p.MaxID)
	}
	if p.SinceID != "" {
		v.Set("since_id", p.SinceID)
	}
	if p.MinID != "" {
		v.Set("min_id", p.MinID)
	}
	if p.Limit > 0 {
		v.Set("limit", strconv.Itoa(min(p.Limit, MaxLimit)))
	}
	if p.Offset > 0 {
		v.Set("offset", strconv.Itoa(p.Offset))
	}
}

// Page is one page of statuses, newest first, with the Link header's
// next (older) and prev (newer) parameters; a zero Next means no more.
// Skipped counts the statuses of the answer left out as unreadable: a
// page of Limit statuses may hold fewer, with more after it.
type Page struct {
	Statuses   []Status
	Skipped    int
	Next, Prev Params
}

// readStatuses decodes statuses one by one and leaves out those of a
// shape Status does not take (a created_at that is no RFC 3339 time, an
// id that is a number: servers that speak the API loosely, or a broken
// one), so that one such status never fails its page, and with it every
// poll after.
func readStatuses(raw []json.RawMessage) Page {
	pg := Page{Statuses: make([]Status, 0, len(raw))}
	for _, r := range raw {
		var st Status
		if json.Unmarshal(r, &st) != nil {
			pg.Skipped++
			continue
		}
		pg.Statuses = append(pg.Statuses, st)
	}
	return pg
}

// Error is an error answer of the instance: 401 for a bad token, 404 for
// an unknown tag, 422 for invalid input, 429 over the rate limit (with the
// reset time of X-RateLimit-Reset).
type Error struct {
	Status  int
	Message string
	Reset   time.Time
	// Wait is the Retry-After of a 429 or 503, which a proxy or CDN in
	// front of an instance sends rather than X-RateLimit-Reset.
	Wait time.Duration
}

func (e *Error) Error() string {
	if e.Status == http.StatusTooManyRequests && !e.Reset.IsZero() {
		return fmt.Sprintf("mastodon: rate limited until %s: %s", e.Reset.UTC().Format(time.RFC3339), e.Message)
	}
	return fmt.Sprintf("mastodon: HTTP %d: %s", e.Status, e.Message)
}

// RetryAfter is how long to wait before the next request when rate
// limited or unavailable for a while; 0 otherwise.
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

// TagName is a hashtag as the API names it: without its # (or the
// full-width ＃ a Chinese keyboard types).
func TagName(tag string) string {
	return strings.TrimLeft(strings.TrimSpace(tag), "#＃")
}

// TagTimeline returns public statuses with a hashtag (TagName).
func (c *Client) TagTimeline(ctx context.Context, tag string, p Params) (Page, error) {
	tag = TagName(tag)
	v := url.Values{}
	p.values(v)
	var out []json.RawMessage
	h, err := c.get(ctx, "/api/v1/timelines/tag/"+url.PathEscape(tag), v, &out)
	if err != nil {
		return Page{}, err
	}
	pg := readStatuses(out)
	pg.Next, pg.Prev = parseLink(h.Get("Link"))
	return pg, nil
}

// searchResult is the body of /api/v2/search.
type searchResult struct {
	Statuses []json.RawMessage `json:"statuses"`
}

// SearchStatuses runs a full-text status search (type=statuses), which
// needs a token; without one instances answer no statuses. A page can be
// shorter than its limit with more after it: the instance drops statuses
// deleted or filtered for the token's user after choosing the page.
func (c *Client) SearchStatuses(ctx context.Context, q string, p Params) (Page, error) {
	v := url.Values{"q": {q}, "type": {"statuses"}}
	p.values(v)
	var out searchResult
	if _, err := c.get(ctx, "/api/v2/search", v, &out); err != nil {
		return Page{}, err
	}
	return readStatuses(out.Statuses), nil
}

// maxBody bounds one API answer.
const maxBody = 5 << 20

func (c *Client) get(ctx context.Context, path string, v url.Values, out any) (http.Header, error) {
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "error.source_instance", nil)
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := fetch.ReadLimited(resp.Body, maxBody)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		return nil, apiError(resp, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return nil, &apperr.Error{Code: apperr.Unavailable, Key: "error.source_bad_answer", Err: fmt.Errorf("mastodon: decode %s: %w", path, err)}
	}
	return resp.Header, nil
}

// apiError turns an error answer into an *apperr.Error around *Error.
func apiError(resp *http.Response, body []byte) error {
	var b struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &b)
	e := &Error{Status: resp.StatusCode, Message: b.Error}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if t, err := time.Parse(time.RFC3339, resp.Header.Get("X-RateLimit-Reset")); err == nil {
		e.Reset = t
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.Wait = fetch.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return &apperr.Error{Code: apperr.Invalid, Key: "error.source_auth", Args: map[string]any{"Platform": "Mastodon"}, Err: e}
	case http.StatusTooManyRequests:
		return &apperr.Error{Code: apperr.TooMany, Key: "error.source_rate_limited", Args: map[string]any{"Platform": "Mastodon"}, Err: e}
	case http.StatusNotFound:
		return &apperr.Error{Code: apperr.Invalid, Key: "error.source_not_found", Args: map[string]any{"Platform": "Mastodon"}, Err: e}
	}
	return &apperr.Error{Code: apperr.Unavailable, Key: "error.source_remote", Args: map[string]any{"Platform": "Mastodon"}, Err: e}
}

// AsError returns the instance's error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// parseLink reads the next and prev parameters of a Link header:
// <https://…?max_id=1>; rel="next", <https://…?min_id=9>; rel="prev".
func parseLink(h string) (next, prev Params) {
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		end := strings.Index(part, ">")
		if !strings.HasPrefix(part, "<") || end < 0 {
			continue
		}
		u, err := url.Parse(part[1:end])
		if err != nil {
			continue
		}
		q := u.Query()
		p := Params{MaxID: q.Get("max_id"), SinceID: q.Get("since_id"), MinID: q.Get("min_id")}
		if n, err := strconv.Atoi(q.Get("limit")); err == nil {
			p.Limit = n
		}
		rel := part[end+1:]
		switch {
		case strings.Contains(rel, `rel="next"`):
			next = p
		case strings.Contains(rel, `rel="prev"`):
			prev = p
		}
	}
	return next, prev
}
