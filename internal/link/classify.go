package link

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/mileusna/useragent"
	"github.com/x-way/crawlerdetect"
)

// Class says who made a click: a person, or a machine of some kind. Only
// human clicks count as human_clicks (METRICS.md).
type Class string

// The classes of a click.
const (
	Human    Class = "human"
	Bot      Class = "bot"      // crawlers, scripts, HEAD requests, empty user agents
	Preview  Class = "preview"  // link unfurlers of chat and social apps
	Prefetch Class = "prefetch" // browser prefetch and prerender
)

// Classes lists every class, humans first.
var Classes = []Class{Human, Bot, Preview, Prefetch}

// MaxUserAgent bounds the user agent that is parsed; the redirect cuts
// longer ones before anything else looks at them.
const MaxUserAgent = 512

// previewAgents are substrings (lower case) of the user agents of link
// preview fetchers: the servers of chat and social apps that load a link
// to draw its card when someone shares it. They are checked before the
// crawler list, which knows some of them as plain crawlers. The in-app
// browsers of the same apps (MicroMessenger, Weibo, DingTalk, Lark …) are
// people and are not listed.
var previewAgents = []struct{ Token, App string }{
	{"wechatshareextension", "WeChat"},
	{"wechat-bot", "WeChat"},
	{"wechatbot", "WeChat"},
	{"mmwebsdk-preview", "WeChat"},
	{"sinaweibobot", "Weibo"},
	{"weibobot", "Weibo"},
	{"weibo-spider", "Weibo"},
	{"qq-url-manager", "QQ"},
	{"qqurlpreview", "QQ"},
	{"tencent-urlpreview", "QQ"},
	{"dingtalkbot", "DingTalk"},
	{"larkurl2card", "Feishu"},
	{"feishu-url-preview", "Feishu"},
	{"lark-url-preview", "Feishu"},
	{"slackbot", "Slack"},
	{"slack-imgproxy", "Slack"},
	{"telegrambot", "Telegram"},
	{"twitterbot", "X"},
	{"facebookexternalhit", "Facebook"},
	{"facebot", "Facebook"},
	{"meta-externalagent", "Facebook"},
	{"linkedinbot", "LinkedIn"},
	{"whatsapp/", "WhatsApp"},
	{"discordbot", "Discord"},
	{"skypeuripreview", "Skype/Teams"},
	{"microsoftpreview", "Teams"},
	{"viber", "Viber"},
	{"redditbot", "Reddit"},
	{"embedly", "Embedly"},
	{"iframely", "Iframely"},
	{"mastodon/", "Mastodon"},
	{"cardyb", "Bluesky"},
	{"google-pagerenderer", "Google Chat"},
	{"snap url preview", "Snapchat"},
	{"pinterestbot", "Pinterest"},
	{"vkshare", "VK"},
}

// bareTokens name a fetcher only in a user agent that is no browser's
// (without "mozilla/"): the app's in-app browser puts the same name after
// a browser's, and is a person.
var bareTokens = map[string]bool{"viber": true}

// PreviewApp returns the app whose link-preview fetcher ua belongs to, and
// "" when it is none.
func PreviewApp(ua string) string {
	l := strings.ToLower(ua)
	for _, p := range previewAgents {
		if strings.Contains(l, p.Token) && !(bareTokens[p.Token] && strings.Contains(l, "mozilla/")) {
			return p.App
		}
	}
	return ""
}

// Request is what the classification of one click reads from its request.
type Request struct {
	Method    string
	UserAgent string
	// Purpose is the Sec-Purpose, Purpose, X-Purpose or X-Moz header, the
	// first one set.
	Purpose string
}

// PurposeOf returns the prefetch hint a request carries, if any, from
// header, which gives a request header's value by its name (such as
// http.Header.Get).
func PurposeOf(header func(name string) string) string {
	for _, k := range []string{"Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"} {
		if v := header(k); v != "" {
			return v
		}
	}
	return ""
}

// Agent is what a user agent says about the client.
type Agent struct {
	// Kind is Human, Bot or Preview: what the user agent alone tells.
	Kind    Class
	Device  string // mobile, tablet, desktop, bot or other
	OS      string
	Browser string
}

// ParseAgent classifies a user agent and names its device, OS and browser.
// It is the expensive part of classification; Classifier caches it.
func ParseAgent(ua string) Agent {
	ua = Truncate(ua, MaxUserAgent)
	if strings.TrimSpace(ua) == "" {
		return Agent{Kind: Bot, Device: "bot"}
	}
	p := useragent.Parse(ua)
	a := Agent{Kind: Human, OS: Truncate(p.OS, 64), Browser: Truncate(p.Name, 64)}
	switch {
	case PreviewApp(ua) != "":
		a.Kind = Preview
		a.Browser = PreviewApp(ua)
	case p.Bot || crawlerdetect.IsCrawler(ua):
		a.Kind = Bot
	}
	switch {
	case a.Kind != Human:
		a.Device = "bot"
	case p.Tablet:
		a.Device = "tablet"
	case p.Mobile:
		a.Device = "mobile"
	case p.Desktop:
		a.Device = "desktop"
	default:
		a.Device = "other"
	}
	return a
}

// Classify decides the class of a click from its request and its parsed
// agent: HEAD requests are bots, prefetch hints are prefetches, and
// otherwise the agent decides.
func Classify(r Request, a Agent) Class {
	if r.Method == http.MethodHead {
		return Bot
	}
	if a.Kind != Human {
		return a.Kind
	}
	if p := strings.ToLower(r.Purpose); strings.Contains(p, "prefetch") || strings.Contains(p, "prerender") || p == "preview" {
		return Prefetch
	}
	return Human
}

// Landed is the class of a click whose landing the snippet reported: a
// person's browser ran the page. A prefetch (or prerender, which the
// snippet reports only once shown) whose response the person's visit
// used is their click, the only request their visit made, so it is
// human; a crawler that runs scripts stays a bot.
func (c Class) Landed() Class {
	if c == Prefetch {
		return Human
	}
	return c
}

// Classifier classifies clicks and caches parsed agents, since the same
// few user agents make most clicks. It is not safe for concurrent use: the
// batch writer owns one.
type Classifier struct {
	agents map[string]Agent
	max    int
}

// NewClassifier returns a classifier whose cache holds up to max agents.
func NewClassifier(max int) *Classifier {
	if max <= 0 {
		max = 10000
	}
	return &Classifier{agents: make(map[string]Agent), max: max}
}

// Agent returns the parsed agent of ua, from the cache when it can.
func (c *Classifier) Agent(ua string) Agent {
	if a, ok := c.agents[ua]; ok {
		return a
	}
	a := ParseAgent(ua)
	if len(c.agents) >= c.max {
		clear(c.agents)
	}
	c.agents[ua] = a
	return a
}

// Truncate cuts s to at most n bytes without leaving half a UTF-8
// character, and drops invalid bytes.
func Truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return s
}
