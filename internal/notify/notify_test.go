package notify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/notify/fake"
)

var injection = "[点我](http://evil.example) **粗体** <@all> <font color=\"red\">红</font> @所有人\n# 标题\n> 引用 `code` " + strings.Repeat("长", 300)

// local reaches the fakes, which listen on loopback, as a server run
// with --allow-private-fetch does.
var local = fetch.New(fetch.Options{AllowPrivate: true})

func message() Message {
	return Message{
		Title:  "声量突增: 品牌",
		Facts:  []Fact{{"Topic", "品牌"}, {"z", "4.2"}},
		Quotes: []string{injection, "第二条"},
		Link:   "https://chorus.example.com/w/acme/listening/alerts/7",
	}
}

func TestSendToFakes(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{WeCom, DingTalk, Feishu, Slack} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			secret := ""
			if kind == DingTalk || kind == Feishu {
				secret = "SEC0123456789abcdef"
			}
			robot := fake.New(t, kind, "tok123", secret)
			n := &Notifier{HTTP: local, Backoff: time.Millisecond}
			if err := n.Send(context.Background(), Target{Kind: kind, URL: robot.URL(), Secret: secret}, message()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := robot.Received()
			if len(got) != 1 {
				t.Fatalf("robot received %d messages, want 1", len(got))
			}
			raw, _ := json.Marshal(got[0])
			text := string(raw)
			content := text
			if kind == Slack {
				// Slack cannot escape mrkdwn: quotes must travel as
				// plain_text, and the mrkdwn parts must not hold them.
				blocks := got[0]["blocks"].([]any)
				md, _ := json.Marshal(blocks[0])
				content = string(md)
				quote := blocks[1].(map[string]any)["elements"].([]any)[0].(map[string]any)
				if quote["type"] != "plain_text" {
					t.Errorf("Slack quote block type %v, want plain_text", quote["type"])
				}
				if facts := blocks[0].(map[string]any)["text"].(map[string]any); facts["verbatim"] != true {
					t.Errorf("Slack facts block %v is not verbatim: Slack would link bare URLs and mentions in names", facts)
				}
			}
			for _, bad := range []string{"[点我](", "**粗体**", "<@all>", "<font", "@所有人", "\\n# 标题", "`code`"} {
				if strings.Contains(content, bad) {
					t.Errorf("message keeps the injected %q: %s", bad, content)
				}
			}
			if strings.Count(content, "长") > QuoteMax {
				t.Errorf("quote not cut to %d characters", QuoteMax)
			}
			if !strings.Contains(content, "品牌") {
				t.Errorf("message lacks the title: %s", content)
			}
		})
	}
}

func TestSendWrongCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind, secret, wrongSecret, wrongToken string
		code                                  int
		msg                                   string
	}{
		{DingTalk, "SECright", "SECwrong", "", 310000, "sign not match"},
		{Feishu, "right", "wrong", "", 19021, "sign match fail"},
		{WeCom, "", "", "nokey", 93000, "invalid webhook url"},
		{DingTalk, "", "", "nokey", 300001, "token is not exist"},
		{Slack, "", "", "nokey", 0, "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.msg, func(t *testing.T) {
			t.Parallel()
			robot := fake.New(t, tt.kind, "tok123", tt.secret)
			n := &Notifier{HTTP: local, Backoff: time.Millisecond}
			u := robot.URL()
			if tt.wrongToken != "" {
				u = strings.Replace(u, "tok123", tt.wrongToken, 1)
			}
			err := n.Send(context.Background(), Target{Kind: tt.kind, URL: u, Secret: tt.wrongSecret}, message())
			var ne *Error
			if !errors.As(err, &ne) {
				t.Fatalf("Send = %v, want *notify.Error", err)
			}
			if ne.Code != tt.code || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %v (code %d), want code %d with %q", err, ne.Code, tt.code, tt.msg)
			}
			if ne.Code != 0 && ne.Hint == "" {
				t.Errorf("error %v has no hint", err)
			}
			if robot.Requests() != 1 {
				t.Errorf("refused credentials were tried %d times, want 1 (no retry)", robot.Requests())
			}
			if strings.Contains(err.Error(), "tok123") || strings.Contains(err.Error(), tt.wrongToken+"&") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestSignatureClockWindow(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{DingTalk, Feishu} {
		robot := fake.New(t, kind, "tok", "SECx")
		n := &Notifier{HTTP: local, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}
		err := n.Send(context.Background(), Target{Kind: kind, URL: robot.URL(), Secret: "SECx"}, message())
		if err == nil {
			t.Errorf("%s: a two-hour-old signature was accepted", kind)
		}
	}
}

func TestRetry5xx(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{WeCom, DingTalk, Feishu, Slack} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			robot := fake.New(t, kind, "tok", "")
			robot.Fail5xx = 2
			n := &Notifier{HTTP: local, Backoff: time.Millisecond, Attempts: 3}
			if err := n.Send(context.Background(), Target{Kind: kind, URL: robot.URL()}, message()); err != nil {
				t.Fatalf("Send after two 503s: %v", err)
			}
			if robot.Requests() != 3 {
				t.Errorf("requests = %d, want 3", robot.Requests())
			}
			robot.Fail5xx = 5
			err := n.Send(context.Background(), Target{Kind: kind, URL: robot.URL()}, message())
			var ne *Error
			if !errors.As(err, &ne) || ne.Status != 503 {
				t.Errorf("Send after persistent 503 = %v, want HTTP 503 error", err)
			}
		})
	}
}

func TestEscapeAndCut(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"link", "[x](http://e)", "［x］（http：//e）"},
		{"bare link", "看 https://evil.example/login 领奖", "看 https：//evil.example/login 领奖"},
		{"mention", "@all <@U1>", "＠all ＜＠U1＞"},
		{"plain chinese", "质量太差了", "质量太差了"},
	}
	for _, tt := range tests {
		if got := EscapeChatMarkdown(tt.in); got != tt.want {
			t.Errorf("%s: EscapeChatMarkdown(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
	if got := cut("a\n\n# b\tc", 10); got != "a # b c" {
		t.Errorf("cut collapses space: %q", got)
	}
	if got := cut(strings.Repeat("字", 250), QuoteMax); len([]rune(got)) != QuoteMax+1 {
		t.Errorf("cut length = %d runes", len([]rune(got)))
	}
	if got := cut("ok\xff", 10); got != "ok\uFFFD" {
		t.Errorf("cut invalid UTF-8 = %q", got)
	}
}

// TestQuote: a long author's name is cut, so that the quote keeps room
// for what was said; a short one stays whole.
func TestQuote(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("名", 150)
	got := Quote(long, "质量太差了")
	if want := strings.Repeat("名", AuthorMax) + "…: 质量太差了"; got != want {
		t.Errorf("Quote(long name) = %q, want %q", got, want)
	}
	if got := cut(got, QuoteMax); !strings.HasSuffix(got, "质量太差了") {
		t.Errorf("the cut quote %q lost the text", got)
	}
	if got := Quote("小王", "好喝"); got != "小王: 好喝" {
		t.Errorf("Quote(short) = %q", got)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…",
		"https://open.feishu.cn/open-apis/bot/v2/hook/abc-def":     "https://open.feishu.cn/open-apis/bot/v2/hook/…",
		"https://hooks.slack.com/services/T0/B0/XYZ":               "https://hooks.slack.com/services/T0/B0/…",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// smtpServer is a tiny SMTP server on 127.0.0.1 that speaks enough of
// the protocol for one message, with AUTH PLAIN, and records it. reply
// maps a command's verb (AUTH, MAIL, RCPT, RSET, QUIT) to its answer
// instead of the usual one; hangUp there drops the connection without an
// answer. accepted counts the messages it answered 250 after their data.
type smtpServer struct {
	addr     string
	mu       sync.Mutex
	reply    map[string]string
	auth     string
	from     string
	rcpt     []string
	data     string
	accepted int
}

const hangUp = "hang up"

// hangUpInData, as the answer to DATA, drops the connection after the
// first line of the message's data.
const hangUpInData = "hang up in data"

// newSMTPServer starts a server on host, a loopback address: one other
// than 127.0.0.1 is not localhost to the client, which then sends the
// password only over TLS.
func newSMTPServer(t *testing.T, host string) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &smtpServer{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.handle(c)
		}
	}()
	return s
}

func (s *smtpServer) handle(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := func(l string) { c.Write([]byte(l + "\r\n")) }
	w("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		up := strings.ToUpper(line)
		verb, _, _ := strings.Cut(up, " ")
		s.mu.Lock()
		reply, replaced := s.reply[verb]
		s.mu.Unlock()
		if reply == hangUp {
			return
		}
		answer := func(usual string) {
			if replaced {
				usual = reply
			}
			w(usual)
		}
		switch {
		case strings.HasPrefix(up, "EHLO"), strings.HasPrefix(up, "HELO"):
			w("250-fake")
			w("250-AUTH PLAIN")
			w("250 8BITMIME")
		case strings.HasPrefix(up, "AUTH PLAIN"):
			b, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(line[len("AUTH PLAIN"):]))
			s.mu.Lock()
			s.auth = string(b)
			s.mu.Unlock()
			answer("235 2.7.0 Authentication successful")
		case strings.HasPrefix(up, "MAIL FROM:"):
			s.mu.Lock()
			s.from = line[10:]
			s.mu.Unlock()
			answer("250 OK")
		case strings.HasPrefix(up, "RCPT TO:"):
			s.mu.Lock()
			s.rcpt = append(s.rcpt, line[8:])
			s.mu.Unlock()
			answer("250 OK")
		case up == "DATA":
			w("354 End data with <CR><LF>.<CR><LF>")
			if reply == hangUpInData {
				r.ReadString('\n')
				return
			}
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.data = b.String()
			s.accepted++
			s.mu.Unlock()
			w("250 OK queued")
		case up == "QUIT":
			answer("221 bye")
			return
		case up == "NOOP", up == "RSET":
			answer("250 OK")
		default:
			w("502 command not implemented")
		}
	}
}

// smtp returns the settings that send through s as user chorus.
func (s *smtpServer) smtp() SMTP {
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	return SMTP{Host: host, Port: p, User: "chorus", Password: "pw", From: "chorus@example.com"}
}

func TestSendEmail(t *testing.T) {
	t.Parallel()
	srv := newSMTPServer(t, "127.0.0.1")
	n := &Notifier{SMTP: srv.smtp()}
	m := message()
	m.Title = "声量突增\r\nBcc: victim@example.com"
	if err := n.Send(context.Background(), Target{Kind: Email, Email: "team@example.com"}, m); err != nil {
		t.Fatalf("Send e-mail: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if !strings.Contains(srv.from, "chorus@example.com") || len(srv.rcpt) != 1 || !strings.Contains(srv.rcpt[0], "team@example.com") {
		t.Errorf("envelope from %q to %v", srv.from, srv.rcpt)
	}
	if srv.auth != "\x00chorus\x00pw" {
		t.Errorf("AUTH PLAIN = %q", srv.auth)
	}
	if strings.Contains(srv.data, "\r\nBcc:") {
		t.Errorf("header injection through the subject: %s", srv.data)
	}
	if !strings.Contains(srv.data, "Subject:") {
		t.Errorf("message has no subject: %s", srv.data)
	}
}

// TestSMTPLogin: a mail server that refuses the login for good (535:
// wrong user or password) makes a permanent error that says so, and that
// shows neither the password nor a message sent, as does one that offers
// no encryption for the password; one that cannot check the login now
// (454) makes an error a later try may pass.
func TestSMTPLogin(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, host, reply string
		permanent         bool
		says              []string
	}{
		{"refused", "127.0.0.1", "535 5.7.8 Authentication credentials invalid", true, []string{"the SMTP login was refused", "535", "Authentication credentials invalid", "--smtp-user"}},
		{"not now", "127.0.0.1", "454 4.7.0 Temporary authentication failure", false, []string{"SMTP login", "454", "Temporary authentication failure"}},
		{"not offered", "127.0.0.1", "504 5.5.4 Unrecognized authentication type", true, []string{"the SMTP login was refused", "504"}},
		{"no encryption", "127.0.0.2", "", true, []string{"the SMTP login to 127.0.0.2", "not tried", "STARTTLS"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newSMTPServer(t, tt.host)
			srv.mu.Lock()
			if tt.reply != "" {
				srv.reply = map[string]string{"AUTH": tt.reply}
			}
			srv.mu.Unlock()
			n := &Notifier{SMTP: srv.smtp()}
			err := n.Send(context.Background(), Target{Kind: Email, Email: "team@example.com"}, message())
			if err == nil || Permanent(err) != tt.permanent || InSettings(err) != tt.permanent {
				t.Fatalf("Send = %v; Permanent = %v, InSettings = %v, want %v", err, Permanent(err), InSettings(err), tt.permanent)
			}
			for _, want := range tt.says {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Send = %q, want it to say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("Send = %q shows the password", err)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if srv.from != "" || srv.data != "" {
				t.Errorf("a message went out after the login failed: from %q", srv.from)
			}
			if tt.reply == "" && srv.auth != "" {
				t.Errorf("the password went out unencrypted: %q", srv.auth)
			}
		})
	}
}

// TestSMTPFailureAfterAccepted: once the mail server has answered 250 to
// the message's data, it has taken the message; a failure after that (the
// server drops the connection at RSET or QUIT, or refuses QUIT) is
// logged, and Send reports the message delivered, so that the delivery
// job, which tries again what is not delivered nor refused for good,
// does not send it twice.
func TestSMTPFailureAfterAccepted(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		reply map[string]string
	}{
		{"QUIT dropped", map[string]string{"QUIT": hangUp}},
		{"QUIT refused", map[string]string{"QUIT": "554 5.0.0 transaction failed"}},
		{"RSET dropped", map[string]string{"RSET": hangUp}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newSMTPServer(t, "127.0.0.1")
			srv.mu.Lock()
			srv.reply = tt.reply
			srv.mu.Unlock()
			var log bytes.Buffer
			n := &Notifier{SMTP: srv.smtp(), Logger: slog.New(slog.NewTextHandler(&log, nil))}
			// The delivery job's tries (alert.MaxDeliveryAttempts).
			var err error
			for range 7 {
				if err = n.Send(context.Background(), Target{Kind: Email, Email: "team@example.com"}, message()); err == nil || Permanent(err) {
					break
				}
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if err != nil || srv.accepted != 1 {
				t.Errorf("Send = %v; the server took %d messages, want nil and 1", err, srv.accepted)
			}
			if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "delivered") {
				t.Errorf("the failure after the message was taken is not logged: %q", log.String())
			}
		})
	}
}

// TestRefusalInSettings: an e-mail refused for good says whether the fix
// belongs in the server's settings (no mail server set up, a sender the
// server refuses) or in the rule's address (one the server refuses, a
// reserved domain).
func TestRefusalInSettings(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		smtp     bool
		to       string
		reply    map[string]string
		settings bool
	}{
		{"no mail server", false, "team@acme.com", nil, true},
		{"sender refused", true, "team@acme.com", map[string]string{"MAIL": "553 5.7.1 Sender address rejected: not owned by user"}, true},
		{"recipient refused", true, "team@acme.com", map[string]string{"RCPT": "550 5.1.1 No such user"}, false},
		{"reserved domain", true, "team@acme.example", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := &Notifier{}
			if tt.smtp {
				srv := newSMTPServer(t, "127.0.0.1")
				srv.mu.Lock()
				srv.reply = tt.reply
				srv.mu.Unlock()
				n.SMTP = srv.smtp()
			}
			err := n.Send(context.Background(), Target{Kind: Email, Email: tt.to}, message())
			if !Permanent(err) || InSettings(err) != tt.settings {
				t.Errorf("Send = %v; Permanent = %v, InSettings = %v, want true, %v", err, Permanent(err), InSettings(err), tt.settings)
			}
		})
	}
}

func TestSendEmailNotConfigured(t *testing.T) {
	t.Parallel()
	err := (&Notifier{}).Send(context.Background(), Target{Kind: Email, Email: "a@example.com"}, message())
	var ne *Error
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "no SMTP server") {
		t.Errorf("Send without SMTP = %v", err)
	}
}

// TestSendReservedDomain: nothing goes to a host or mailbox under a
// reserved TLD (the demo's channels are such), while example.com, a real
// domain reserved for documentation, is sent to as any other.
func TestSendReservedDomain(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		target   Target
		reserved bool
	}{
		{Target{Kind: Email, Email: "pr-duty@xianlan-coffee.example"}, true},
		{Target{Kind: Email, Email: "ops@mail.TEST."}, true},
		{Target{Kind: WeCom, URL: "https://qyapi.weixin.example/cgi-bin/webhook/send?key=k"}, true},
		{Target{Kind: Slack, URL: "https://hooks.slack.invalid/services/x"}, true},
		{Target{Kind: Email, Email: "a@example.com"}, false},
	} {
		err := (&Notifier{}).Send(context.Background(), tt.target, message())
		var ne *Error
		got := errors.As(err, &ne) && strings.Contains(err.Error(), "reserved domain")
		if got != tt.reserved {
			t.Errorf("Send to %+v = %v, want reserved: %v", tt.target, err, tt.reserved)
		}
	}
}

// TestWebhookAddressRefused: a webhook URL over plain http (which would
// send the robot's key unencrypted) or at a private, loopback or
// link-local address, literal or by name, gets nothing sent, says so, and
// is not retried; a server that allows private addresses sends to its
// local bridge over http.
func TestWebhookAddressRefused(t *testing.T) {
	t.Parallel()
	robot := fake.New(t, WeCom, "tok", "")
	port := strings.TrimPrefix(robot.URL(), "http://127.0.0.1:")
	// This machine's name resolves to a loopback or private address on
	// most machines: the check on the dialled address refuses it.
	host, _ := os.Hostname()
	var byName string
	if ips, err := net.LookupIP(host); err == nil && len(ips) > 0 {
		if a, ok := netip.AddrFromSlice(ips[0]); ok && !fetch.Public(a) {
			byName = "https://" + host + ":" + port
		}
	}
	strict := fetch.New(fetch.Options{})
	tests := []struct {
		name   string
		client *fetch.Client
		url    string
		want   string // in the error; "" when sent
	}{
		{"http", strict, "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=tok", "nothing sent: the webhook URL is a plain http:// address"},
		{"loopback", strict, "https://127.0.0.1:" + port, "nothing sent: 127.0.0.1 is a private"},
		{"loopback over http", strict, robot.URL(), "nothing sent: 127.0.0.1 is a private"},
		{"metadata", strict, "https://169.254.169.254/latest/meta-data/", "nothing sent: 169.254.169.254 is a private"},
		{"localhost", strict, "https://localhost:" + port, "nothing sent: localhost is a private"},
		{"name of a private address", strict, byName, "nothing sent: "},
		{"local bridge allowed", local, robot.URL(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.url == "" {
				t.Skipf("%s resolves to a public address", host)
			}
			before := robot.Requests()
			n := &Notifier{HTTP: tt.client, Backoff: time.Millisecond, Attempts: 3}
			err := n.Send(context.Background(), Target{Kind: WeCom, URL: tt.url}, message())
			if tt.want == "" {
				if err != nil || robot.Requests() != before+1 {
					t.Errorf("Send = %v, %d requests; want sent once", err, robot.Requests()-before)
				}
				return
			}
			var ne *Error
			if !errors.As(err, &ne) || !strings.Contains(err.Error(), tt.want) || ne.Retryable || ne.Hint == "" {
				t.Errorf("Send = %v, want a final *Error with a hint saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "key=tok") {
				t.Errorf("the error shows the robot's key: %v", err)
			}
			if n := robot.Requests() - before; n != 0 {
				t.Errorf("the robot got %d requests, want none", n)
			}
		})
	}
}

// TestWebhookRedirectNotFollowed: a webhook that answers with a redirect,
// to another host or to a private address, is not followed: a 302 would
// turn the message into a GET whose 200 read as delivered, a 307 would
// post it to the other host.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(other.Close)
	for _, to := range []string{other.URL + "/landing?key=other", "http://169.254.169.254/latest/meta-data/"} {
		for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
			redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, to, code)
			}))
			t.Cleanup(redirector.Close)
			n := &Notifier{HTTP: local, Backoff: time.Millisecond}
			start := time.Now()
			err := n.Send(context.Background(), Target{Kind: Slack, URL: redirector.URL + "/services/T/B/tok"}, message())
			var ne *Error
			if !errors.As(err, &ne) || ne.Status != code || !strings.Contains(err.Error(), "not followed") || strings.Contains(err.Error(), "key=other") {
				t.Errorf("%d to %s: Send = %v, want a redirect not followed", code, to, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%d to %s took %v: the redirect was followed", code, to, d)
			}
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests, want none", n)
	}
}

// TestPermanent: a refusal that a later try would meet again (a wrong key,
// token or signing secret, HTTP 400, 403 or 404, a 200 whose JSON says
// ok: false (Slack's Web API), an address Send does not
// send to, no mail server set up) is permanent; what may pass later
// (5xx, 429, a platform's rate-limit or busy code, a timeout, a refused
// connection, an unreachable mail server) is not.
func TestPermanent(t *testing.T) {
	t.Parallel()
	status := func(code int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			fmt.Fprint(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang }))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(hang) }) // before Close, which waits for the handler
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	ding := fake.New(t, DingTalk, "tok", "SECright")
	wecom := fake.New(t, WeCom, "tok", "")
	smtpDown, _ := net.Listen("tcp", "127.0.0.1:0")
	smtpPort := smtpDown.Addr().(*net.TCPAddr).Port
	smtpDown.Close()

	tests := []struct {
		name      string
		target    Target
		client    *fetch.Client
		smtp      SMTP
		permanent bool
	}{
		{"DingTalk signature", Target{Kind: DingTalk, URL: ding.URL(), Secret: "SECwrong"}, local, SMTP{}, true},
		{"DingTalk keywords", Target{Kind: DingTalk, URL: status(200, `{"errcode":310000,"errmsg":"keywords not in content"}`)}, local, SMTP{}, true},
		{"WeCom invalid key", Target{Kind: WeCom, URL: strings.Replace(wecom.URL(), "tok", "bad", 1)}, local, SMTP{}, true},
		{"HTTP 400", Target{Kind: Slack, URL: status(400, "invalid_payload")}, local, SMTP{}, true},
		{"HTTP 403", Target{Kind: Slack, URL: status(403, "invalid_token")}, local, SMTP{}, true},
		{"HTTP 404", Target{Kind: Feishu, URL: status(404, "404 page not found")}, local, SMTP{}, true},
		{"Slack ok false", Target{Kind: Slack, URL: status(200, `{"ok":false,"error":"invalid_auth"}`)}, local, SMTP{}, true},
		{"private address", Target{Kind: WeCom, URL: wecom.URL()}, fetch.New(fetch.Options{}), SMTP{}, true},
		{"reserved domain", Target{Kind: Slack, URL: "https://hooks.slack.test/services/x"}, local, SMTP{}, true},
		{"no mail server", Target{Kind: Email, Email: "a@example.com"}, nil, SMTP{}, true},
		{"HTTP 429", Target{Kind: Slack, URL: status(429, "rate_limited")}, local, SMTP{}, false},
		{"Slack ok false, rate limited", Target{Kind: Slack, URL: status(200, `{"ok":false,"error":"ratelimited"}`)}, local, SMTP{}, false},
		{"HTTP 502", Target{Kind: WeCom, URL: status(502, "bad gateway")}, local, SMTP{}, false},
		{"WeCom rate limit", Target{Kind: WeCom, URL: status(200, `{"errcode":45009,"errmsg":"api freq out of limit"}`)}, local, SMTP{}, false},
		{"DingTalk busy", Target{Kind: DingTalk, URL: status(200, `{"errcode":-1,"errmsg":"系统繁忙"}`)}, local, SMTP{}, false},
		{"timeout", Target{Kind: Slack, URL: slow.URL}, local, SMTP{}, false},
		{"connection refused", Target{Kind: Slack, URL: closed.URL}, local, SMTP{}, false},
		{"mail server unreachable", Target{Kind: Email, Email: "a@example.com"}, nil, SMTP{Host: "127.0.0.1", Port: smtpPort, From: "chorus@example.com"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			n := &Notifier{HTTP: tt.client, SMTP: tt.smtp, Attempts: 2, Backoff: time.Millisecond}
			err := n.Send(ctx, tt.target, message())
			if err == nil || Permanent(err) != tt.permanent {
				t.Errorf("Send = %v; Permanent = %v, want %v", err, Permanent(err), tt.permanent)
			}
		})
	}
}

// TestRateLimited: a robot over its platform's rate limit (WeCom and
// DingTalk 20 messages a minute, Feishu 5 a second) refuses the next
// message with its rate-limit code; Send does not try again at once,
// which the platform counts against the robot (DingTalk then blocks it
// for ten minutes, redirecting every message), and returns an error a
// later try may pass, not a refusal for good. DingTalk's redirect while
// it blocks the robot is such an error too, not a wrong address; once
// the period is over, the robot takes messages again.
func TestRateLimited(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kind  string
		limit int
		code  int
		wait  time.Duration
	}{
		{WeCom, 20, 45009, time.Minute},
		{DingTalk, 20, 130101, 10 * time.Minute},
		{Feishu, 5, 11232, time.Second},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			clock := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
			now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
			robot := fake.New(t, tt.kind, "tok", "SECx")
			robot.Now = now
			n := &Notifier{HTTP: local, Backoff: time.Millisecond, Attempts: 3, Now: now}
			target := Target{Kind: tt.kind, URL: robot.URL(), Secret: "SECx"}
			for i := range tt.limit {
				if err := n.Send(context.Background(), target, message()); err != nil {
					t.Fatalf("message %d: %v", i+1, err)
				}
			}
			before := robot.Requests()
			err := n.Send(context.Background(), target, message())
			var ne *Error
			if !errors.As(err, &ne) || ne.Code != tt.code || Permanent(err) || ne.Hint == "" {
				t.Errorf("message over the limit: Send = %v, want code %d, not permanent, with a hint", err, tt.code)
			}
			if got := robot.Requests() - before; got != 1 {
				t.Errorf("message over the limit was sent %d times, want 1", got)
			}
			if tt.kind == DingTalk {
				err := n.Send(context.Background(), target, message())
				if !errors.As(err, &ne) || ne.Status != http.StatusFound || Permanent(err) || !strings.Contains(err.Error(), "throttles") {
					t.Errorf("message while blocked: Send = %v, want a redirect that a later try may pass", err)
				}
			}
			mu.Lock()
			clock = clock.Add(tt.wait)
			mu.Unlock()
			if err := n.Send(context.Background(), target, message()); err != nil {
				t.Errorf("message after %v: %v", tt.wait, err)
			}
			if got := len(robot.Received()); got != tt.limit+1 {
				t.Errorf("robot took %d messages, want %d", got, tt.limit+1)
			}
		})
	}
}

// TestLongAlertFits: an alert too long for the platform's size limit
// (WeCom's 4,096 bytes) keeps its title, facts and link whole, shows as
// many whole quotes as fit, and says how many mentions it leaves out, so
// that the quotes shown and the count add up to the mentions the alert
// carries; every platform takes it, and its text is valid UTF-8.
func TestLongAlertFits(t *testing.T) {
	t.Parallel()
	const mentions = 37
	m := Message{
		Title:    strings.Repeat("😀", 100),
		Facts:    []Fact{{"Rule", strings.Repeat("[", 100)}, {"Topic", "品牌"}, {"Detail", "37 mentions"}, {"Fired", "2026-12-07 09:00 CST"}},
		Link:     "https://chorus.example.com/w/acme/listening/alerts/7",
		Mentions: mentions,
	}
	for range MaxQuotes {
		m.Quotes = append(m.Quotes, "作者: "+strings.Repeat("😡", 300))
	}
	for _, kind := range []string{WeCom, DingTalk, Feishu, Slack} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			robot := fake.New(t, kind, "tok", "")
			n := &Notifier{HTTP: local, Backoff: time.Millisecond}
			if err := n.Send(context.Background(), Target{Kind: kind, URL: robot.URL()}, m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			body := robot.Received()[0]
			var text string
			shown := 0
			switch kind {
			case WeCom:
				text = body["markdown"].(map[string]any)["content"].(string)
			case DingTalk:
				text = body["markdown"].(map[string]any)["text"].(string)
			case Feishu:
				text = body["card"].(map[string]any)["elements"].([]any)[0].(map[string]any)["content"].(string)
			case Slack:
				raw, _ := json.Marshal(body["blocks"])
				text = string(raw)
				shown = strings.Count(text, "作者")
			}
			if kind != Slack {
				shown = strings.Count(text, "\n> ")
				if !strings.Contains(text, "[Chorus]("+m.Link+")") {
					t.Errorf("the link is not whole: …%s", text[max(0, len(text)-120):])
				}
			} else if facts := body["blocks"].([]any)[0].(map[string]any)["text"].(map[string]any)["text"].(string); !strings.HasSuffix(facts, "<"+m.Link+"|Chorus>") {
				t.Errorf("the link is not whole: %s", facts)
			}
			if !utf8.ValidString(text) {
				t.Errorf("text is not valid UTF-8")
			}
			if kind == WeCom && shown == MaxQuotes {
				t.Errorf("WeCom shows all %d quotes: the test message is too short to test the cut", shown)
			}
			if shown > 0 && strings.Count(text, "😡") != shown*QuoteMax-shown*len([]rune("作者: ")) {
				t.Errorf("a quote was cut short: %d 😡 in %d quotes", strings.Count(text, "😡"), shown)
			}
			if want := More(mentions - shown); !strings.Contains(text, want) {
				t.Errorf("%d quotes shown, but the message lacks %q", shown, want)
			}
		})
	}
	if text := plainText(m); !strings.Contains(text, More(mentions-MaxQuotes)) {
		t.Errorf("the e-mail does not say how many mentions it leaves out: %s", text)
	}
}

// TestSMTPImplicitTLS: on port 465 the mail server expects TLS from the
// first byte (RFC 8314): Send opens the connection with a TLS handshake,
// where it waited for a plain greeting that never came until it timed
// out. (The handshake then fails on the test's certificate, which the
// client does not trust; the error says so.)
func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.3:465")
	if err != nil {
		t.Skipf("port 465 is not free to this test: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	first := make(chan byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b := make([]byte, 1)
		if _, err := c.Read(b); err == nil {
			first <- b[0]
		}
		close(first)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	n := &Notifier{SMTP: SMTP{Host: "127.0.0.3", Port: 465, User: "chorus", Password: "pw", From: "chorus@example.com"}}
	err = n.Send(ctx, Target{Kind: Email, Email: "team@example.com"}, message())
	if b, ok := <-first; !ok || b != 0x16 {
		t.Errorf("the client's first byte on port 465 = %#x (sent: %v), want 0x16, a TLS handshake", b, ok)
	}
	if err == nil || Permanent(err) {
		t.Errorf("Send = %v, want an error a later try may pass", err)
	}
}

// TestSMTPClosedMidData: a mail server that drops the connection in the
// middle of the message's data has not taken it: Send returns an error
// that names the data and that a later try may pass, and the next try
// delivers the message once.
func TestSMTPClosedMidData(t *testing.T) {
	t.Parallel()
	srv := newSMTPServer(t, "127.0.0.1")
	srv.mu.Lock()
	srv.reply = map[string]string{"DATA": hangUpInData}
	srv.mu.Unlock()
	n := &Notifier{SMTP: srv.smtp()}
	err := n.Send(context.Background(), Target{Kind: Email, Email: "team@example.com"}, message())
	if err == nil || Permanent(err) || !strings.Contains(err.Error(), "DATA") {
		t.Errorf("Send = %v, want an error about the data that a later try may pass", err)
	}
	srv.mu.Lock()
	srv.reply = nil
	srv.mu.Unlock()
	if err := n.Send(context.Background(), Target{Kind: Email, Email: "team@example.com"}, message()); err != nil {
		t.Errorf("the next try: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.accepted != 1 {
		t.Errorf("the server took %d messages, want 1", srv.accepted)
	}
}
