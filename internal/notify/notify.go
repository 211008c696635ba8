// Package notify delivers short messages to people outside Chorus: chat
// group robots (WeCom 企业微信, DingTalk 钉钉, Feishu 飞书, Slack) through
// their webhooks, and e-mail over SMTP. Each platform gets the message in
// its own format, with untrusted text cut and escaped so that it cannot
// inject markup, links or @-mentions.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/fetch"
)

// Target kinds.
const (
	WeCom    = "wecom"
	DingTalk = "dingtalk"
	Feishu   = "feishu"
	Slack    = "slack"
	Email    = "email"
)

// Kinds are the target kinds Send knows.
var Kinds = []string{WeCom, DingTalk, Feishu, Slack, Email}

// Target is where one message goes: a chat webhook URL (with DingTalk's or
// Feishu's signing secret when the robot has one), or an e-mail address.
type Target struct {
	Kind   string
	URL    string
	Secret string
	Email  string
}

// Message is what is sent. Title and Facts are Chorus's own text; Quotes
// are untrusted (mention texts from outside) and are cut to QuoteMax
// characters and escaped for each format. Link, when set, opens the alert
// in Chorus.
type Message struct {
	Title  string
	Facts  []Fact
	Quotes []string
	Link   string
	// Mentions is how many mentions the alert carries, of which Quotes
	// are the first; len(Quotes) when smaller. A message that shows
	// fewer, to stay within MaxQuotes or the platform's size limit,
	// says how many it leaves out (More).
	Mentions int
}

// More is the line that says n more mentions are left out of a message:
// the same in every language.
func More(n int) string { return fmt.Sprintf("… +%d", n) }

// mentions is how many mentions m carries.
func (m Message) mentions() int { return max(m.Mentions, len(m.Quotes)) }

// Fact is one labelled line of a message ("Topic: 品牌").
type Fact struct {
	Label, Value string
}

// QuoteMax is how many characters of an untrusted quote a message keeps.
const QuoteMax = 200

// MaxQuotes is how many quotes a message shows.
const MaxQuotes = 5

// SMTP is the mail server e-mail goes through.
type SMTP struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string
}

// Notifier sends messages. The zero value is not usable: HTTP is required
// for chat targets and SMTP.Host for e-mail.
type Notifier struct {
	// HTTP is the client webhooks go through. Their URLs come from users,
	// so it is the SSRF-safe one of package fetch: private, loopback and
	// link-local addresses are refused, and so is plain http://, unless
	// it allows private addresses (--allow-private-fetch, for a chat
	// bridge on the operator's network, and tests against local fakes).
	HTTP *fetch.Client
	SMTP SMTP
	// Attempts is how many times a webhook is tried when the platform
	// answers 5xx or a busy code, or the network fails; 3 if 0. A
	// platform that asks to slow down (Error.RateLimited) is not tried
	// again within one Send.
	Attempts int
	// Backoff is the wait before the second attempt, doubled after each;
	// 500 ms if 0.
	Backoff time.Duration
	// Now is the clock for signatures; time.Now if nil.
	Now func() time.Time
	// Logger records what Send does not return: a mail server that
	// failed after it had taken the message. slog.Default() if nil.
	Logger *slog.Logger
}

// Error is a delivery the platform refused, with its own code and message
// so that people can look it up, and a hint when the code is a known
// mistake (a wrong secret, a wrong URL, missing keywords).
type Error struct {
	Kind   string
	Status int
	Code   int
	Msg    string
	Hint   string
	// Retryable is set when a later attempt may pass: the network failed
	// or timed out, the platform answered 5xx or 429 or a rate-limit
	// code, the mail server was unreachable or answered a temporary
	// (4xx) code. Otherwise the refusal is Permanent.
	Retryable bool
	// RateLimited is set, with Retryable, when the platform asks the
	// robot to slow down (HTTP 429, a rate-limit code, DingTalk's
	// redirect of a throttled robot): Send does not try again at once,
	// which the platforms count against the robot (DingTalk blocks it for
	// ten minutes), and leaves the next try to the delivery job, minutes
	// later.
	RateLimited bool
	// Settings is set when the fix of a permanent refusal belongs in the
	// server's settings, not in the target: no mail server or sender set
	// up, a sender or SMTP login the mail server refuses, a mail server
	// that offers no encryption for the password.
	Settings bool
	// Reason and Args say what Msg says as a message of the catalog
	// ("notify.error."+Reason), so that people read it in their language;
	// HintCode is Hint's ("notify.hint."+HintCode). What the platform or
	// the mail server answered (its code, its message) is an argument,
	// kept as it came, a code as its digits: it is what people look up.
	Reason   string
	Args     map[string]any
	HintCode string
}

// Permanent reports whether err, returned by Send, is a refusal that every
// later attempt would meet again until the target is changed: a wrong
// URL, key, token or signing secret, missing keywords, HTTP 4xx (but
// 429), an address Send does not send to, a mail server's permanent (5xx)
// answer, to the login too. Errors it knows nothing of are not permanent.
func Permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.Retryable
}

// InSettings reports whether err, a Permanent refusal, is fixed in the
// server's settings (--smtp-*), not in the target (Error.Settings).
func InSettings(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.Retryable && e.Settings
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.Kind)
	if e.Code != 0 {
		fmt.Fprintf(&b, "error %d: ", e.Code)
	} else if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d: ", e.Status)
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// ErrUnknownKind is returned for a target kind Send does not know.
var ErrUnknownKind = errors.New("notify: unknown target kind")

// Send delivers m to t. It returns *Error when the platform refused the
// message, after retrying what may pass on a later attempt, or when t is
// at a reserved domain.
func (n *Notifier) Send(ctx context.Context, t Target, m Message) error {
	if d := reservedDomain(t); d != "" {
		return &Error{Kind: t.Kind, Msg: d + " is a reserved domain (RFC 2606, 6761): nothing sent", Hint: "use a real address",
			Reason: "reserved_domain", Args: map[string]any{"Host": d}, HintCode: "real_address"}
	}
	switch t.Kind {
	case WeCom:
		return n.post(ctx, t, weComRequest(t, m), parseWeCom)
	case DingTalk:
		return n.post(ctx, t, dingTalkRequest(t, m, n.now()), parseDingTalk)
	case Feishu:
		return n.post(ctx, t, feishuRequest(t, m, n.now()), parseFeishu)
	case Slack:
		return n.post(ctx, t, slackRequest(t, m), parseSlack)
	case Email:
		return n.sendMail(ctx, t, m)
	}
	return fmt.Errorf("%w %q", ErrUnknownKind, t.Kind)
}

// reservedTLDs never name a real host or mailbox: examples (the demo's
// channels), tests and mistakes. A message to one is not handed to DNS
// or to the SMTP relay, which would try to deliver it. (localhost is
// left alone: a chat bridge on the same machine is a real target.)
var reservedTLDs = []string{"example", "invalid", "test"}

// reservedDomain returns the host of t's URL, or the domain of its e-mail
// address, when it is under a reserved TLD, else "".
func reservedDomain(t Target) string {
	host := t.Email[strings.LastIndexByte(t.Email, '@')+1:]
	if t.Kind != Email {
		host = ""
		if u, err := url.Parse(t.URL); err == nil {
			host = u.Hostname()
		}
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, tld := range reservedTLDs {
		if host == tld || strings.HasSuffix(host, "."+tld) {
			return host
		}
	}
	return ""
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return slog.Default()
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// cut shortens untrusted text to max characters, on a rune boundary,
// with an ellipsis, after collapsing every run of white space (newlines
// included, so a quote cannot start a heading or a list) to one space.
func cut(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// AuthorMax is how many characters of an author's name a quote keeps, so
// that a long name (untrusted, from outside) leaves room for what was said.
const AuthorMax = 40

// Quote is the quote of a mention for Message.Quotes: its author's name,
// cut to AuthorMax, and its text.
func Quote(author, text string) string {
	return cut(author, AuthorMax) + ": " + text
}

// quotes returns the first MaxQuotes quotes of m, cut.
func quotes(m Message) []string {
	var out []string
	for i, q := range m.Quotes {
		if i == MaxQuotes {
			break
		}
		out = append(out, cut(q, QuoteMax))
	}
	return out
}

// chatMarkdown is the replacement of every character that the chat
// platforms' markdown dialects (WeCom, DingTalk, Feishu) give a meaning:
// emphasis, links, images, headings, lists, quotes, tables, code, HTML
// tags (<font>, <at>), @-mentions and bare links. None of the three documents
// backslash escapes, so each is replaced by its full-width form, which
// reads the same to a person, above all in Chinese text.
var chatMarkdown = strings.NewReplacer(
	`\`, `＼`, "`", "｀", "*", "＊", "_", "＿", "~", "～",
	"[", "［", "]", "］", "(", "（", ")", "）",
	"#", "＃", "+", "＋", "-", "－", "!", "！", "|", "｜",
	"<", "＜", ">", "＞", "&", "＆", "@", "＠", "=", "＝",
	// The platforms link a bare address; its scheme's colon in full
	// width leaves it text.
	"://", "：//",
)

// EscapeChatMarkdown makes untrusted text inert in the markdown of WeCom,
// DingTalk and Feishu.
func EscapeChatMarkdown(s string) string { return chatMarkdown.Replace(s) }

// escapeSlack escapes the three characters Slack's mrkdwn requires
// (&, <, >), which also defeats <!channel> and <url|label> injection.
// Emphasis characters cannot be escaped in mrkdwn; quotes therefore go in
// plain_text blocks, and only the fallback text uses this.
func escapeSlack(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// chatMarkdownText renders m as the chat platforms' markdown in at most
// size bytes: a bold title, facts as lines, as many whole quotes as fit
// as quoted lines, how many mentions are left out (More), and the link
// last, which is never cut. Only a title and facts longer than size are
// cut, on a character boundary, where they hold no markup of their own.
func chatMarkdownText(m Message, bold func(string) string, size int) string {
	var head strings.Builder
	head.WriteString(bold(EscapeChatMarkdown(cut(m.Title, 200))))
	head.WriteString("\n\n")
	for _, f := range m.Facts {
		fmt.Fprintf(&head, "%s: %s\n\n", EscapeChatMarkdown(cut(f.Label, 100)), EscapeChatMarkdown(cut(f.Value, 200)))
	}
	link := ""
	if m.Link != "" {
		link = fmt.Sprintf("[%s](%s)\n", "Chorus", m.Link)
	}
	more := func(n int) string {
		if n <= 0 {
			return ""
		}
		return More(n) + "\n\n"
	}
	total := m.mentions()
	body := head.String()
	if room := size - len(link) - len(more(total)); len(body) > room {
		body = cutBytes(body, max(0, room-len("…\n\n"))) + "…\n\n"
	}
	shown := 0
	for _, q := range quotes(m) {
		line := "> " + EscapeChatMarkdown(q) + "\n\n"
		if len(body)+len(line)+len(more(total-shown-1))+len(link) > size {
			break
		}
		body += line
		shown++
	}
	return body + more(total-shown) + link
}

// plainText renders m without markup, for e-mail and fallbacks.
func plainText(m Message) string {
	var b strings.Builder
	b.WriteString(cut(m.Title, 200))
	b.WriteString("\n\n")
	for _, f := range m.Facts {
		fmt.Fprintf(&b, "%s: %s\n", cut(f.Label, 100), cut(f.Value, 200))
	}
	if qs := quotes(m); len(qs) > 0 {
		b.WriteString("\n")
		for _, q := range qs {
			fmt.Fprintf(&b, "> %s\n", q)
		}
		if left := m.mentions() - len(qs); left > 0 {
			fmt.Fprintf(&b, "%s\n", More(left))
		}
	}
	if m.Link != "" {
		fmt.Fprintf(&b, "\n%s\n", m.Link)
	}
	return b.String()
}
