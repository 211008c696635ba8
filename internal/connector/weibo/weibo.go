// Package weibo is the client of Weibo's open API (api.weibo.com/2). For
// listening it calls the paid keyword search, search/statuses/limited.json
// (q, starttime, endtime, count, page), which an app must have been granted;
// the base URL is configurable for tests. Errors come as
// {"request": …, "error_code": …, "error": …}: 10022–10024 are rate limits
// (per IP, per user, per API), 21327 an expired token, which for Weibo
// means the user must authorize again.
package weibo

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

// DefaultBaseURL is Weibo's API host.
const DefaultBaseURL = "https://api.weibo.com"

// SearchPath is the paid search API's path.
const SearchPath = "/2/search/statuses/limited.json"

// MaxCount is the most statuses one search page returns.
const MaxCount = 50

// TimeLayout is the layout of created_at: "Tue May 31 17:46:55 +0800 2011".
const TimeLayout = "Mon Jan 02 15:04:05 -0700 2006"

// Error codes with a meaning for callers.
const (
	CodeIPLimit        = 10022
	CodeUserLimit      = 10023
	CodeAPILimit       = 10024
	CodeNoPermission   = 10014
	CodeExpiredToken   = 21327
	CodeInvalidToken   = 21332
	CodeMissingParam   = 10016
	CodeTokenRevoked   = 21317
	CodeAuthFailed     = 21301
	CodeTokenUsed      = 21319
	CodeTokenRejected2 = 21315
)

// Client calls the API with one user's access token.
type Client struct {
	BaseURL     string
	AccessToken string
	HTTP        *http.Client
}

// User is a status's author.
type User struct {
	ID             int64  `json:"id"`
	IDStr          string `json:"idstr"`
	ScreenName     string `json:"screen_name"`
	FollowersCount int64  `json:"followers_count"`
}

// Status is a Weibo post.
type Status struct {
	ID             int64  `json:"id"`
	IDStr          string `json:"idstr"`
	MID            string `json:"mid"`
	CreatedAt      string `json:"created_at"`
	Text           string `json:"text"`
	RepostsCount   int64  `json:"reposts_count"`
	CommentsCount  int64  `json:"comments_count"`
	AttitudesCount int64  `json:"attitudes_count"`
	User           *User  `json:"user"`
}

// Created parses CreatedAt.
func (s Status) Created() (time.Time, error) { return time.Parse(TimeLayout, s.CreatedAt) }

// SearchParams are the search's parameters; Q is required; zero times are
// left out.
type SearchParams struct {
	Q                  string
	StartTime, EndTime time.Time
	Count, Page        int
}

// SearchResult is a page of statuses, newest first. Skipped counts the
// statuses of the answer left out as unreadable: a page of Count
// statuses may hold fewer, with more after it.
type SearchResult struct {
	Statuses    []Status `json:"statuses"`
	TotalNumber int64    `json:"total_number"`
	Skipped     int      `json:"-"`
}

// UnmarshalJSON reads the statuses one by one and leaves out those of a
// shape Status does not take (an id or a count as a string, as Weibo's
// other interfaces write them: "100万+"), so that one such status never
// fails its page, and with it every poll after.
func (r *SearchResult) UnmarshalJSON(b []byte) error {
	var raw struct {
		Statuses    []json.RawMessage `json:"statuses"`
		TotalNumber int64             `json:"total_number"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = SearchResult{TotalNumber: raw.TotalNumber, Statuses: make([]Status, 0, len(raw.Statuses))}
	for _, s := range raw.Statuses {
		var st Status
		if json.Unmarshal(s, &st) != nil {
			r.Skipped++
			continue
		}
		r.Statuses = append(r.Statuses, st)
	}
	return nil
}

// Error is an error answer.
type Error struct {
	HTTPStatus int
	Code       int
	Message    string
	Request    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("weibo: error_code %d: %s", e.Code, e.Message)
}

// RateLimited reports whether the error is one of the rate limits.
func (e *Error) RateLimited() bool {
	return e.Code == CodeIPLimit || e.Code == CodeUserLimit || e.Code == CodeAPILimit
}

// TokenExpired reports whether the user must authorize again.
func (e *Error) TokenExpired() bool {
	switch e.Code {
	case CodeExpiredToken, CodeInvalidToken, CodeTokenRevoked, CodeAuthFailed, CodeTokenUsed, CodeTokenRejected2:
		return true
	}
	return false
}

// RetryAfter is the wait until the next hour when rate limited (Weibo's
// limits are per hour); 0 otherwise.
func (e *Error) RetryAfter() time.Duration {
	if !e.RateLimited() {
		return 0
	}
	now := time.Now()
	return max(now.Truncate(time.Hour).Add(time.Hour).Sub(now), time.Minute)
}

// AsError returns the API's error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// SearchLimited runs the paid keyword search.
func (c *Client) SearchLimited(ctx context.Context, p SearchParams) (SearchResult, error) {
	v := url.Values{"access_token": {c.AccessToken}, "q": {p.Q}}
	if !p.StartTime.IsZero() {
		v.Set("starttime", strconv.FormatInt(p.StartTime.Unix(), 10))
	}
	if !p.EndTime.IsZero() {
		v.Set("endtime", strconv.FormatInt(p.EndTime.Unix(), 10))
	}
	if p.Count > 0 {
		v.Set("count", strconv.Itoa(min(p.Count, MaxCount)))
	}
	if p.Page > 0 {
		v.Set("page", strconv.Itoa(p.Page))
	}
	var out SearchResult
	err := c.get(ctx, SearchPath, v, &out)
	return out, err
}

const maxBody = 5 << 20

func (c *Client) get(ctx context.Context, path string, v url.Values, out any) error {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+path+"?"+v.Encode(), nil)
	if err != nil {
		return apperr.New(apperr.Invalid, "error.source_instance", nil)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// The URL carries the token: never let it reach a log.
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = strings.TrimRight(base, "/") + path
		}
		return err
	}
	defer resp.Body.Close()
	b, err := fetch.ReadLimited(resp.Body, maxBody)
	if err != nil {
		return err
	}
	var eb struct {
		Request   string      `json:"request"`
		ErrorCode json.Number `json:"error_code"`
		Error     string      `json:"error"`
	}
	if jerr := json.Unmarshal(b, &eb); jerr == nil && eb.ErrorCode != "" && eb.ErrorCode != "0" {
		code, _ := strconv.Atoi(eb.ErrorCode.String())
		return apiError(&Error{HTTPStatus: resp.StatusCode, Code: code, Message: eb.Error, Request: eb.Request})
	}
	if resp.StatusCode >= 400 {
		return apiError(&Error{HTTPStatus: resp.StatusCode, Message: http.StatusText(resp.StatusCode), Request: path})
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &apperr.Error{Code: apperr.Unavailable, Key: "error.source_bad_answer", Err: fmt.Errorf("weibo: decode %s: %w", path, err)}
	}
	return nil
}

func apiError(e *Error) error {
	args := map[string]any{"Platform": "Weibo"}
	switch {
	case e.RateLimited():
		return &apperr.Error{Code: apperr.TooMany, Key: "error.source_rate_limited", Args: args, Err: e}
	case e.TokenExpired():
		return &apperr.Error{Code: apperr.Invalid, Key: "error.source_reconnect", Args: args, Err: e}
	case e.Code == CodeNoPermission:
		return &apperr.Error{Code: apperr.Invalid, Key: "error.source_weibo_permission", Err: e}
	case e.HTTPStatus >= 500:
		return &apperr.Error{Code: apperr.Unavailable, Key: "error.source_remote", Args: args, Err: e}
	}
	return &apperr.Error{Code: apperr.Invalid, Key: "error.source_remote", Args: args, Err: e}
}
