package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/fetch"
)

// maxResponse bounds how much of a platform's answer is read.
const maxResponse = 64 << 10

// webhookRequest is one prepared webhook call: the final URL (with
// signature parameters for DingTalk) and the JSON body.
type webhookRequest struct {
	url  string
	body any
	err  error
}

// parser reads a platform's answer and returns *Error when it refused.
type parser func(kind string, status int, body []byte) error

// post sends req and retries, with exponential backoff, what may pass
// on another try: network errors, 5xx and the platforms' busy codes; not
// a request to slow down (Error.RateLimited).
func (n *Notifier) post(ctx context.Context, t Target, req webhookRequest, parse parser) error {
	if req.err != nil {
		return req.err
	}
	if n.HTTP == nil {
		return fmt.Errorf("%s: no HTTP client configured", t.Kind)
	}
	// A rule saved before these checks, or under --allow-private-fetch
	// since turned off, may hold an address they refuse.
	if _, err := n.webhookURL(req.url); err != nil {
		return notSent(t.Kind, err)
	}
	body, err := json.Marshal(req.body)
	if err != nil {
		return fmt.Errorf("%s: encode message: %w", t.Kind, err)
	}
	attempts, wait := n.Attempts, n.Backoff
	if attempts <= 0 {
		attempts = 3
	}
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
			case <-time.After(wait):
			}
			wait *= 2
		}
		last = n.postOnce(ctx, t.Kind, req.url, body, parse)
		if last == nil {
			return nil
		}
		if e, ok := last.(*Error); ok && (!e.Retryable || e.RateLimited) {
			return last
		}
	}
	return last
}

func (n *Notifier) postOnce(ctx context.Context, kind, u string, body []byte, parse parser) error {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return &Error{Kind: kind, Msg: "bad webhook URL", Reason: "bad_url"}
	}
	hr.Header.Set("Content-Type", "application/json; charset=utf-8")
	hr.Header.Set("User-Agent", "Chorus-Notify/1")
	// The platforms answer a webhook themselves and never redirect it:
	// following would turn the POST into a GET of another page (whose 200
	// would read as delivered) or post the message to another host.
	hc := *n.HTTP.HTTP()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(hr)
	if fetch.IsBlocked(err) {
		// The host name resolved to a private address.
		return notSent(kind, err)
	}
	if err != nil {
		// The URL carries the robot's key; say what failed without it.
		// A timeout, too, may pass on a later try; post stops trying
		// within this one once ctx is done.
		why := redactURLError(err, u)
		return &Error{Kind: kind, Msg: "request failed: " + why, Retryable: true, Reason: "request_failed", Args: map[string]any{"Err": why}}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		to := "another address"
		if loc, err := resp.Location(); err == nil {
			to = loc.Scheme + "://" + loc.Host // not its path or query, which may hold a key
		}
		if kind == DingTalk {
			// DingTalk answers so for ten minutes to a robot that sent
			// more than 20 messages in a minute.
			return &Error{Kind: kind, Status: resp.StatusCode, Msg: "the webhook redirected to " + to + " instead of taking the message, as DingTalk does while it throttles a robot",
				Hint: dingTalkHints[130101] + "; DingTalk then blocks it for 10 minutes", Retryable: true, RateLimited: true,
				Reason: "dingtalk_redirect", Args: map[string]any{"Status": strconv.Itoa(resp.StatusCode), "To": to}, HintCode: "dingtalk_blocked"}
		}
		return &Error{Kind: kind, Status: resp.StatusCode, Msg: "the webhook redirected to " + to + ", which was not followed: the message was not delivered",
			Hint: "copy the robot's webhook address again from the platform", Reason: "redirect", Args: map[string]any{"Status": strconv.Itoa(resp.StatusCode), "To": to}, HintCode: "copy_webhook"}
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		e := statusError(kind, resp.StatusCode, b)
		e.Retryable, e.RateLimited = true, resp.StatusCode == http.StatusTooManyRequests
		return e
	}
	return parse(kind, resp.StatusCode, b)
}

// ErrCleartext is a plain http:// webhook URL where only https is
// allowed: the URL carries the robot's key or token (WeCom key=, DingTalk
// access_token=, Feishu's hook id, Slack's path), which would go out
// unencrypted to anyone on the way.
var ErrCleartext = errors.New("a webhook URL carries the robot's key or token: it must be an https:// address")

// CheckWebhook checks raw, being saved as a webhook URL, by the rules Send
// follows: an http(s) URL with a host, without user name or password; not
// a private, loopback or link-local address, nor a name that resolves only
// to such (fetch.Client.Check); https, unless n.HTTP allows private
// addresses. Returns ErrCleartext, or package fetch's error (whose
// apperr key names the fault; fetch.IsBlocked for a private address).
func (n *Notifier) CheckWebhook(ctx context.Context, raw string) error {
	if _, err := n.webhookURL(raw); err != nil {
		return err
	}
	return n.HTTP.Check(ctx, raw)
}

// webhookURL is CheckWebhook without resolving the host name: the
// dial-time check of n.HTTP refuses a name that resolves to a private
// address when it is sent to.
func (n *Notifier) webhookURL(raw string) (*url.URL, error) {
	u, err := n.HTTP.Parse(raw)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(u.Scheme, "https") && !n.HTTP.Options().AllowPrivate {
		return nil, ErrCleartext
	}
	return u, nil
}

// notSent is the delivery error of a webhook URL that Send refuses
// (webhookURL, or a host that resolved to a private address), before
// anything is sent; it is shown on the alert page, and a later try fails
// the same way until the rule is edited.
func notSent(kind string, err error) *Error {
	var ae *apperr.Error
	switch {
	case errors.Is(err, ErrCleartext):
		return &Error{Kind: kind, Msg: "nothing sent: the webhook URL is a plain http:// address, which would send the robot's key unencrypted",
			Hint: "paste the robot's https:// webhook address into the rule", Reason: "cleartext_url", HintCode: "https_url"}
	case fetch.IsBlocked(err) && errors.As(err, &ae):
		host := fmt.Sprint(ae.Args["Host"])
		return &Error{Kind: kind, Msg: fmt.Sprintf("nothing sent: %s is a private, loopback or otherwise non-public address", host),
			Hint: "Chorus sends to such addresses only when started with --allow-private-fetch", Reason: "private_address", Args: map[string]any{"Host": host}, HintCode: "allow_private"}
	}
	return &Error{Kind: kind, Msg: "nothing sent: the webhook URL is not a valid https:// address", Reason: "invalid_url"}
}

// redactURLError removes the URL (and its key) from a transport error.
func redactURLError(err error, u string) string {
	s := err.Error()
	if u != "" {
		s = strings.ReplaceAll(s, u, RedactURL(u))
	}
	return s
}

// RedactURL hides the query and the last path segment of a webhook URL,
// where the platforms put the robot's key or token, so that it can be
// shown and logged.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "…"
	}
	s := p.Scheme + "://" + p.Host
	path := strings.TrimSuffix(p.Path, "/")
	if i := strings.LastIndex(path, "/"); i >= 0 && len(path)-i > 1 && (strings.Contains(p.Host, "feishu") || strings.Contains(p.Host, "larksuite") || strings.Contains(p.Host, "slack") || len(path[i+1:]) >= 16) {
		path = path[:i+1] + "…"
	}
	s += path
	if p.RawQuery != "" {
		s += "?…"
	}
	return s
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		s = "empty response"
	}
	return s
}

// codeBody is the {errcode, errmsg} answer of WeCom and DingTalk.
type codeBody struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// parseCodeBody reads an {errcode, errmsg} answer; rateLimit holds the
// platform's codes for a robot that sends too often, and -1 (busy) may
// pass on a later try too.
func parseCodeBody(kind string, status int, b []byte, hints map[int]string, rateLimit map[int]bool) error {
	var cb codeBody
	if err := json.Unmarshal(b, &cb); err != nil || cb.ErrCode == nil {
		if status >= 200 && status < 300 && err == nil {
			return &Error{Kind: kind, Status: status, Msg: "unexpected answer: " + snippet(b), Reason: "unexpected_answer", Args: map[string]any{"Status": strconv.Itoa(status), "Msg": snippet(b)}}
		}
		return statusError(kind, status, b)
	}
	if *cb.ErrCode == 0 {
		return nil
	}
	code := *cb.ErrCode
	e := codeError(kind, status, code, cb.ErrMsg, hints)
	e.Retryable, e.RateLimited = code == -1 || rateLimit[code], rateLimit[code]
	return e
}

// statusError is the error of a platform that answered status with body b
// and no code of its own: the HTTP status and the start of the body.
func statusError(kind string, status int, b []byte) *Error {
	return &Error{Kind: kind, Status: status, Msg: snippet(b), Reason: "http_status", Args: map[string]any{"Status": strconv.Itoa(status), "Msg": snippet(b)}}
}

// codeError is the error of a platform that answered its own code and
// message, with the hint hints hold for the code (its catalog name is
// the platform's kind and the code: "notify.hint.wecom.93000").
func codeError(kind string, status, code int, msg string, hints map[int]string) *Error {
	e := &Error{Kind: kind, Status: status, Code: code, Msg: msg, Reason: "platform_code", Args: map[string]any{"Code": strconv.Itoa(code), "Msg": msg}}
	if h, ok := hints[code]; ok {
		e.Hint, e.HintCode = h, kind+"."+strconv.Itoa(code)
	}
	return e
}

// WeCom: https://developer.work.weixin.qq.com/document/path/91770
func weComRequest(t Target, m Message) webhookRequest {
	// The markdown content is limited to 4096 bytes.
	text := chatMarkdownText(m, func(s string) string { return "**" + s + "**" }, 4000)
	return webhookRequest{url: t.URL, body: map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": text}}}
}

var weComHints = map[int]string{
	93000: "the webhook URL or its key is wrong: copy it again from the group robot",
	45009: "the robot sends too often: at most 20 messages a minute",
	-1:    "the platform is busy",
	40058: "the message is malformed",
}

func parseWeCom(kind string, status int, b []byte) error {
	return parseCodeBody(kind, status, b, weComHints, map[int]bool{45009: true})
}

// DingTalk: https://open.dingtalk.com/document/robots/custom-robot-access
// With a signing secret (加签), the URL carries timestamp (ms) and sign =
// urlencode(base64(HmacSHA256(key=secret, timestamp+"\n"+secret))).
func dingTalkRequest(t Target, m Message, now time.Time) webhookRequest {
	u := t.URL
	if t.Secret != "" {
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		p, err := url.Parse(u)
		if err != nil {
			return webhookRequest{err: &Error{Kind: t.Kind, Msg: "bad webhook URL", Reason: "bad_url"}}
		}
		q := p.Query()
		q.Set("timestamp", ts)
		q.Set("sign", DingTalkSign(ts, t.Secret))
		p.RawQuery = q.Encode()
		u = p.String()
	}
	// The markdown text is limited to 20,000 bytes.
	text := chatMarkdownText(m, func(s string) string { return "#### " + s }, 18000)
	return webhookRequest{url: u, body: map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": cut(m.Title, 60), "text": text}}}
}

// DingTalkSign is DingTalk's robot signature of timestamp (milliseconds,
// as sent) with secret, before URL encoding.
func DingTalkSign(timestamp, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

var dingTalkHints = map[int]string{
	310000: "check the robot's signing secret (加签, starts with SEC), its keywords and IP allow-list, and this server's clock",
	300001: "the access_token in the webhook URL is wrong",
	400102: "the robot has been disabled",
	130101: "the robot sends too often: at most 20 messages a minute",
	410100: "the robot sends too often: at most 20 messages a minute",
	-1:     "the platform is busy",
}

func parseDingTalk(kind string, status int, b []byte) error {
	return parseCodeBody(kind, status, b, dingTalkHints, map[int]bool{130101: true, 410100: true})
}

// Feishu: https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
// With a signature check, the body carries timestamp (seconds) and sign =
// base64(HmacSHA256(key=timestamp+"\n"+secret, empty message)).
func feishuRequest(t Target, m Message, now time.Time) webhookRequest {
	card := map[string]any{
		"header": map[string]any{"title": map[string]string{"tag": "plain_text", "content": cut(m.Title, 100)}},
		"elements": []any{
			// The whole request is limited to 20 KB.
			map[string]any{"tag": "markdown", "content": chatMarkdownText(Message{Facts: m.Facts, Quotes: m.Quotes, Link: m.Link, Mentions: m.Mentions}, func(string) string { return "" }, 16000)},
		},
	}
	body := map[string]any{"msg_type": "interactive", "card": card}
	if t.Secret != "" {
		ts := strconv.FormatInt(now.Unix(), 10)
		body["timestamp"] = ts
		body["sign"] = FeishuSign(ts, t.Secret)
	}
	return webhookRequest{url: t.URL, body: body}
}

// FeishuSign is Feishu's custom-bot signature of timestamp (seconds) with
// secret.
func FeishuSign(timestamp, secret string) string {
	mac := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

var feishuHints = map[int]string{
	19021: "check the bot's signing secret and this server's clock",
	19022: "this server's IP address is not on the bot's allow-list",
	19024: "the message lacks the bot's keywords",
	19001: "the webhook URL is wrong",
	9499:  "the message is malformed",
	11232: "the bot sends too often: at most 100 messages a minute and 5 a second",
}

// feishuBody is Feishu's answer: {code, msg}, or the older
// {StatusCode, StatusMessage}.
type feishuBody struct {
	Code          *int   `json:"code"`
	Msg           string `json:"msg"`
	StatusCode    *int   `json:"StatusCode"`
	StatusMessage string `json:"StatusMessage"`
}

func parseFeishu(kind string, status int, b []byte) error {
	var fb feishuBody
	if err := json.Unmarshal(b, &fb); err != nil || (fb.Code == nil && fb.StatusCode == nil) {
		return statusError(kind, status, b)
	}
	code, msg := 0, fb.Msg
	if fb.Code != nil {
		code = *fb.Code
	} else {
		code, msg = *fb.StatusCode, fb.StatusMessage
	}
	if code == 0 {
		return nil
	}
	e := codeError(kind, status, code, msg, feishuHints)
	e.Retryable, e.RateLimited = code == 11232, code == 11232
	return e
}

// Slack: https://api.slack.com/messaging/webhooks. Quotes go in
// plain_text blocks, which Slack never formats; the title and facts are
// Chorus's own text around names people typed, escaped for mrkdwn and
// verbatim, so that Slack makes no links or mentions of bare URLs and
// channel names in them.
func slackRequest(t Target, m Message) webhookRequest {
	var facts strings.Builder
	fmt.Fprintf(&facts, "*%s*", escapeSlack(cut(m.Title, 200)))
	for _, f := range m.Facts {
		fmt.Fprintf(&facts, "\n%s: %s", escapeSlack(cut(f.Label, 100)), escapeSlack(cut(f.Value, 200)))
	}
	if m.Link != "" {
		fmt.Fprintf(&facts, "\n<%s|Chorus>", escapeSlack(m.Link))
	}
	blocks := []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": facts.String(), "verbatim": true}}}
	qs := quotes(m)
	for _, q := range qs {
		blocks = append(blocks, map[string]any{"type": "context", "elements": []any{map[string]any{"type": "plain_text", "text": q, "emoji": false}}})
	}
	if left := m.mentions() - len(qs); left > 0 {
		blocks = append(blocks, map[string]any{"type": "context", "elements": []any{map[string]any{"type": "plain_text", "text": More(left), "emoji": false}}})
	}
	return webhookRequest{url: t.URL, body: map[string]any{"text": escapeSlack(cut(m.Title, 200)), "blocks": blocks}}
}

var slackHints = map[string]string{
	"invalid_token":       "the webhook URL is wrong or revoked",
	"no_service":          "the webhook URL is wrong or the app was removed",
	"channel_not_found":   "the webhook's channel no longer exists",
	"channel_is_archived": "the webhook's channel is archived",
	"action_prohibited":   "a workspace admin restricted posting to the channel",
	"invalid_payload":     "the message is malformed",
}

// HintCodes are the HintCode values of the hints of the platforms' own
// codes ("wecom.93000", "slack.invalid_token"): the catalog holds each
// as "notify.hint."+code, in every language.
func HintCodes() []string {
	var out []string
	for kind, hints := range map[string]map[int]string{WeCom: weComHints, DingTalk: dingTalkHints, Feishu: feishuHints} {
		for code := range hints {
			out = append(out, kind+"."+strconv.Itoa(code))
		}
	}
	for code := range slackHints {
		out = append(out, Slack+"."+code)
	}
	return out
}

// parseSlack reads Slack's answer: 200 "ok", or an error status with a
// plain-text code such as "invalid_token". Slack's Web API (a chat.*
// address pasted for a webhook) and workflow webhooks answer 200 with
// JSON instead, whose {"ok": false, "error": …} took nothing.
func parseSlack(kind string, status int, b []byte) error {
	msg := strings.TrimSpace(string(b))
	if status >= 200 && status < 300 {
		var api struct {
			OK    *bool  `json:"ok"`
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &api) != nil || api.OK == nil || *api.OK {
			return nil
		}
		e := slackError(status, b, api.Error)
		if e.Hint == "" {
			e.Hint, e.HintCode = "use the address of an incoming webhook (https://hooks.slack.com/services/…)", "slack.incoming_webhook"
		}
		e.Retryable, e.RateLimited = api.Error == "ratelimited", api.Error == "ratelimited"
		return e
	}
	return slackError(status, b, msg)
}

// slackError is the error of Slack's answer b, with the hint slackHints
// hold for its error code.
func slackError(status int, b []byte, code string) *Error {
	e := statusError(Slack, status, b)
	if h, ok := slackHints[code]; ok {
		e.Hint, e.HintCode = h, "slack."+code
	}
	return e
}

// cutBytes shortens s to at most n bytes on a rune boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
