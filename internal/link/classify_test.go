package link

import (
	"net/http"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	iphoneWeChat := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
	tests := []struct {
		name, method, ua, purpose string
		want                      Class
		device                    string
	}{
		{"chrome desktop", "GET", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "", Human, "desktop"},
		{"safari iphone", "GET", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "", Human, "mobile"},
		{"wechat in-app browser is a person", "GET", iphoneWeChat, "", Human, "mobile"},
		{"snapchat in-app browser is a person", "GET", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Snapchat/12.60.0.42 (like Safari/8618.2.12.10.7, panda)", "", Human, "mobile"},
		{"viber in-app browser is a person", "GET", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 Viber/20.8.0.1", "", Human, "mobile"},
		{"snapchat preview", "GET", "Mozilla/5.0 (compatible; Snap URL Preview Service; bot; snapchat; https://developers.snap.com/robots)", "", Preview, "bot"},
		{"viber preview", "GET", "Viber/20.8.0", "", Preview, "bot"},
		{"weibo in-app browser is a person", "GET", "Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/101.0 Mobile Safari/537.36 Weibo (vivo-V2203A__weibo__13.10.1__android__android13)", "", Human, "mobile"},
		{"ipad", "GET", "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", "", Human, "tablet"},
		{"empty user agent", "GET", "", "", Bot, "bot"},
		{"blank user agent", "GET", "   ", "", Bot, "bot"},
		{"HEAD request", "HEAD", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "", Bot, "desktop"},
		{"googlebot", "GET", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "", Bot, "bot"},
		{"baiduspider", "GET", "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", "", Bot, "bot"},
		{"bytespider", "GET", "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)", "", Bot, "bot"},
		{"curl", "GET", "curl/8.5.0", "", Bot, "bot"},
		{"python requests", "GET", "python-requests/2.31.0", "", Bot, "bot"},
		{"wechat share preview", "GET", "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 WeChatShareExtension", "", Preview, "bot"},
		{"weibo preview", "GET", "Mozilla/5.0 (compatible; Sinaweibobot; +http://weibo.com)", "", Preview, "bot"},
		{"qq preview", "GET", "QQ-URL-Manager", "", Preview, "bot"},
		{"dingtalk preview", "GET", "Mozilla/5.0 (compatible; DingTalkBot-LinkService/1.0; +https://open.dingtalk.com)", "", Preview, "bot"},
		{"feishu preview", "GET", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0 Safari/537.36 LarkUrl2Card", "", Preview, "bot"},
		{"slack", "GET", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "", Preview, "bot"},
		{"telegram", "GET", "TelegramBot (like TwitterBot)", "", Preview, "bot"},
		{"x", "GET", "Twitterbot/1.0", "", Preview, "bot"},
		{"facebook", "GET", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "", Preview, "bot"},
		{"linkedin", "GET", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", "", Preview, "bot"},
		{"whatsapp", "GET", "WhatsApp/2.23.20.0 A", "", Preview, "bot"},
		{"discord", "GET", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "", Preview, "bot"},
		{"imessage", "GET", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0", "", Preview, "bot"},
		{"chrome prefetch", "GET", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "prefetch;anonymous-client-ip", Prefetch, "desktop"},
		{"purpose prefetch", "GET", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "prefetch", Prefetch, "desktop"},
		{"prerender", "GET", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "prefetch;prerender", Prefetch, "desktop"},
		{"huge user agent", "GET", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) " + strings.Repeat("A", 100<<10), "", Human, ""},
	}
	c := NewClassifier(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := c.Agent(Truncate(tt.ua, MaxUserAgent))
			got := Classify(Request{Method: tt.method, UserAgent: tt.ua, Purpose: tt.purpose}, a)
			if got != tt.want {
				t.Errorf("class %q, want %q (agent %+v)", got, tt.want, a)
			}
			if tt.device != "" && a.Device != tt.device {
				t.Errorf("device %q, want %q (agent %+v)", a.Device, tt.device, a)
			}
			if len(a.OS) > 64 || len(a.Browser) > 64 {
				t.Errorf("agent fields unbounded: %+v", a)
			}
		})
	}
}

func TestPurposeOf(t *testing.T) {
	h := http.Header{}
	if PurposeOf(h.Get) != "" {
		t.Fatal("empty header has a purpose")
	}
	h.Set("Sec-Purpose", "prefetch")
	if PurposeOf(h.Get) != "prefetch" {
		t.Errorf("PurposeOf = %q", PurposeOf(h.Get))
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("春茶春茶", 4); got != "春" {
		t.Errorf("Truncate cut a character: %q", got)
	}
	if got := Truncate("ab\xffcd", 10); got != "abcd" {
		t.Errorf("Truncate kept invalid bytes: %q", got)
	}
}

// TestClassLanded: a landing reported on a prefetch's cid makes it a
// person's click; a crawler that runs the page's script stays a bot.
func TestClassLanded(t *testing.T) {
	for _, tt := range []struct{ in, want Class }{
		{Prefetch, Human}, {Human, Human}, {Bot, Bot}, {Preview, Preview},
	} {
		if got := tt.in.Landed(); got != tt.want {
			t.Errorf("%s.Landed() = %s; want %s", tt.in, got, tt.want)
		}
	}
}
