// Package fake serves the chat robots' webhook APIs (WeCom, DingTalk,
// Feishu, Slack) for tests, enforcing what the real platforms enforce: the
// key or token in the URL, DingTalk's and Feishu's signatures with their
// one-hour clock window, the message shape and size, the rate limits
// (WeCom and DingTalk 20 messages a minute, DingTalk's ten-minute block
// after, Feishu 5 a second and 100 a minute), and the platforms' own
// error bodies. It can also fail with 5xx a number of times, to test
// retries.
package fake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Robot is one fake chat robot. Token is the key in its URL (WeCom key,
// DingTalk access_token, Feishu hook id, Slack path); Secret, when set,
// makes DingTalk and Feishu require a signature.
type Robot struct {
	Kind   string
	Token  string
	Secret string
	// Fail5xx is how many of the next requests get 503.
	Fail5xx int
	// Now is the platform's clock; time.Now if nil.
	Now func() time.Time

	srv *httptest.Server

	mu       sync.Mutex
	requests int
	received []map[string]any
	// taken holds when each received message was taken, for the rate
	// limits; blockedUntil is the end of DingTalk's block of a robot
	// that went over its limit.
	taken        []time.Time
	blockedUntil time.Time
}

// New starts a fake robot of kind ("wecom", "dingtalk", "feishu",
// "slack"), closed when the test ends.
func New(t testing.TB, kind, token, secret string) *Robot {
	t.Helper()
	r := &Robot{Kind: kind, Token: token, Secret: secret}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// URL is the webhook URL a person would paste from the platform.
func (r *Robot) URL() string {
	switch r.Kind {
	case "wecom":
		return r.srv.URL + "/cgi-bin/webhook/send?key=" + r.Token
	case "dingtalk":
		return r.srv.URL + "/robot/send?access_token=" + r.Token
	case "feishu":
		return r.srv.URL + "/open-apis/bot/v2/hook/" + r.Token
	default:
		return r.srv.URL + "/services/T000/B000/" + r.Token
	}
}

// Received returns the JSON bodies of the messages the robot accepted.
func (r *Robot) Received() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.received...)
}

// Requests counts every request, refused ones included.
func (r *Robot) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

func (r *Robot) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (r *Robot) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.requests++
	fail := r.Fail5xx > 0
	if fail {
		r.Fail5xx--
	}
	r.mu.Unlock()
	if fail {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	if req.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	var body map[string]any
	jsonErr := json.Unmarshal(raw, &body)
	if !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		jsonErr = errBadType
	}
	var accepted bool
	switch r.Kind {
	case "wecom":
		accepted = r.weCom(w, req, body, jsonErr)
	case "dingtalk":
		accepted = r.dingTalk(w, req, body, jsonErr)
	case "feishu":
		accepted = r.feishu(w, req, body, len(raw), jsonErr)
	default:
		accepted = r.slack(w, req, body, jsonErr)
	}
	if accepted {
		r.mu.Lock()
		r.received = append(r.received, body)
		r.taken = append(r.taken, r.now())
		r.mu.Unlock()
	}
}

// over reports whether the robot has taken max messages in the last
// period already.
func (r *Robot) over(max int, period time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	since, n := r.now().Add(-period), 0
	for _, t := range r.taken {
		if t.After(since) {
			n++
		}
	}
	return n >= max
}

type fakeErr string

func (e fakeErr) Error() string { return string(e) }

const errBadType = fakeErr("content type is not JSON")

func markdownOf(body map[string]any) (map[string]any, bool) {
	if body["msgtype"] != "markdown" {
		return nil, false
	}
	md, ok := body["markdown"].(map[string]any)
	return md, ok
}

func (r *Robot) weCom(w http.ResponseWriter, req *http.Request, body map[string]any, jsonErr error) bool {
	if req.URL.Path != "/cgi-bin/webhook/send" || req.URL.Query().Get("key") != r.Token {
		writeJSON(w, map[string]any{"errcode": 93000, "errmsg": "invalid webhook url, hint: [1700000000_1_abc], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000"})
		return false
	}
	if jsonErr != nil {
		writeJSON(w, map[string]any{"errcode": 40058, "errmsg": "invalid json request, hint: [1700000000_1_abc]"})
		return false
	}
	md, ok := markdownOf(body)
	content, _ := md["content"].(string)
	if !ok || content == "" {
		writeJSON(w, map[string]any{"errcode": 40008, "errmsg": "invalid message type, hint: [1700000000_1_abc]"})
		return false
	}
	if len(content) > 4096 {
		writeJSON(w, map[string]any{"errcode": 40058, "errmsg": "markdown.content exceed max length 4096. invalid Request Parameter"})
		return false
	}
	if r.over(20, time.Minute) {
		writeJSON(w, map[string]any{"errcode": 45009, "errmsg": "api freq out of limit, hint: [1700000000_1_abc]"})
		return false
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	return true
}

func (r *Robot) dingTalk(w http.ResponseWriter, req *http.Request, body map[string]any, jsonErr error) bool {
	q := req.URL.Query()
	r.mu.Lock()
	blocked := r.now().Before(r.blockedUntil)
	r.mu.Unlock()
	if blocked {
		http.Redirect(w, req, "https://www.dingtalk.com/robot-limited", http.StatusFound)
		return false
	}
	if req.URL.Path != "/robot/send" || q.Get("access_token") != r.Token {
		writeJSON(w, map[string]any{"errcode": 300001, "errmsg": "token is not exist"})
		return false
	}
	if r.Secret != "" {
		ts := q.Get("timestamp")
		ms, err := strconv.ParseInt(ts, 10, 64)
		mac := hmac.New(sha256.New, []byte(r.Secret))
		mac.Write([]byte(ts + "\n" + r.Secret))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if err != nil {
			writeJSON(w, map[string]any{"errcode": 310000, "errmsg": "invalid timestamp " + ts})
			return false
		}
		if d := r.now().Sub(time.UnixMilli(ms)); d > time.Hour || d < -time.Hour {
			writeJSON(w, map[string]any{"errcode": 310000, "errmsg": "invalid timestamp " + ts})
			return false
		}
		// q.Get has URL-decoded the sign once, as the platform does.
		if !hmac.Equal([]byte(q.Get("sign")), []byte(want)) {
			writeJSON(w, map[string]any{"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"})
			return false
		}
	}
	if jsonErr != nil {
		writeJSON(w, map[string]any{"errcode": 300005, "errmsg": "param error"})
		return false
	}
	md, ok := markdownOf(body)
	text, _ := md["text"].(string)
	if title, _ := md["title"].(string); !ok || title == "" || text == "" {
		writeJSON(w, map[string]any{"errcode": 40035, "errmsg": "缺少参数 markdown.title/text"})
		return false
	}
	if len(text) > 20000 {
		// The platform's code for this is not documented; param error
		// is its answer to other malformed messages.
		writeJSON(w, map[string]any{"errcode": 300005, "errmsg": "param error: markdown.text exceeds 20000 bytes"})
		return false
	}
	if r.over(20, time.Minute) {
		r.mu.Lock()
		r.blockedUntil = r.now().Add(10 * time.Minute)
		r.mu.Unlock()
		writeJSON(w, map[string]any{"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
		return false
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	return true
}

func (r *Robot) feishu(w http.ResponseWriter, req *http.Request, body map[string]any, size int, jsonErr error) bool {
	if req.URL.Path != "/open-apis/bot/v2/hook/"+r.Token {
		writeJSON(w, map[string]any{"code": 19001, "data": map[string]any{}, "msg": "param invalid: incoming webhook access token invalid"})
		return false
	}
	if jsonErr != nil {
		writeJSON(w, map[string]any{"code": 9499, "data": map[string]any{}, "msg": "Bad Request"})
		return false
	}
	if r.Secret != "" {
		ts, _ := body["timestamp"].(string)
		sec, err := strconv.ParseInt(ts, 10, 64)
		mac := hmac.New(sha256.New, []byte(ts+"\n"+r.Secret))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		sign, _ := body["sign"].(string)
		d := r.now().Sub(time.Unix(sec, 0))
		if err != nil || d > time.Hour || d < -time.Hour || !hmac.Equal([]byte(sign), []byte(want)) {
			writeJSON(w, map[string]any{"code": 19021, "data": map[string]any{}, "msg": "sign match fail or timestamp is not within one hour from current time"})
			return false
		}
	}
	switch body["msg_type"] {
	case "text", "post", "interactive", "share_chat", "image":
	default:
		writeJSON(w, map[string]any{"code": 9499, "data": map[string]any{}, "msg": "Bad Request"})
		return false
	}
	if body["msg_type"] == "interactive" && body["card"] == nil {
		writeJSON(w, map[string]any{"code": 9499, "data": map[string]any{}, "msg": "Bad Request"})
		return false
	}
	if size > 20<<10 {
		writeJSON(w, map[string]any{"code": 9499, "data": map[string]any{}, "msg": "request body size exceed limit 20KB"})
		return false
	}
	if r.over(5, time.Second) || r.over(100, time.Minute) {
		writeJSON(w, map[string]any{"code": 11232, "data": map[string]any{}, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"})
		return false
	}
	writeJSON(w, map[string]any{"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": map[string]any{}, "msg": "success"})
	return true
}

func (r *Robot) slack(w http.ResponseWriter, req *http.Request, body map[string]any, jsonErr error) bool {
	if !strings.HasPrefix(req.URL.Path, "/services/") || !strings.HasSuffix(req.URL.Path, "/"+r.Token) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "invalid_token")
		return false
	}
	if jsonErr != nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "invalid_payload")
		return false
	}
	if text, _ := body["text"].(string); text == "" && body["blocks"] == nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "no_text")
		return false
	}
	_, _ = io.WriteString(w, "ok")
	return true
}
