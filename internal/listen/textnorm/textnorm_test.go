package textnorm

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string
		urls []string
	}{
		{"empty", "", "", nil},
		{"full-width latin and digits", "ＡＢＣ１２３", "abc123", nil},
		{"full-width punctuation", "ｉＰｈｏｎｅ！（新款）", "iphone!(新款)", nil},
		{"half-width katakana", "ｶﾀｶﾅ", "カタカナ", nil},
		{"traditional to simplified", "繁體中文", "繁体中文", nil},
		{"taiwan place name", "臺灣", "台湾", nil},
		{"taiwan phrasing", "這個軟體的滑鼠", "这个软件的鼠标", nil},
		{"simplified unchanged", "今天天气很好，我们去喝奶茶", "今天天气很好,我们去喝奶茶", nil},
		// tw2sp's phrases are simplified words too: they must not rewrite
		// a simplified text.
		{"simplified 联通道歉", "中国联通道歉", "中国联通道歉", nil},
		{"simplified 中文字幕", "中文字幕", "中文字幕", nil},
		{"simplified 小程序", "微信小程序", "微信小程序", nil},
		{"simplified 文件", "文件", "文件", nil},
		{"simplified 么么哒", "么么哒", "么么哒", nil},
		{"simplified 乾隆", "乾隆年间", "乾隆年间", nil},
		{"taiwan phrase in a traditional run", "寫程式", "写程序", nil},
		{"only the traditional run", "臺灣的軟體，微信小程序", "台湾的软件,微信小程序", nil},
		{"mixed run", "汉字漢字", "汉字汉字", nil},
		{"mixed case", "McDonald's 和 KFC", "mcdonald's 和 kfc", nil},
		{"greek final sigma", "ΟΔΟΣ", "οδοσ", nil},
		{"emoji kept", "好吃😋👍🏻 family 👨‍👩‍👧", "好吃😋👍🏻 family 👨‍👩‍👧", nil},
		{"weibo emoticon kept", "[哈哈][怒]", "[哈哈][怒]", nil},
		{"whitespace collapsed", "  a\t\tb\n\n c\u3000d  ", "a b c d", nil},
		{"zero-width removed", "华\u200b为", "华为", nil},
		{"url extracted", "看这个 https://t.cn/A6abc 好玩", "看这个 好玩", []string{"https://t.cn/A6abc"}},
		{"url glued to chinese", "链接http://example.com/x?a=1看看", "链接 看看", []string{"http://example.com/x?a=1"}},
		{"url trailing punctuation", "(see www.Example.com/Path).", "(see ).", []string{"www.Example.com/Path"}},
		{"url keeps case", "HTTPS://Example.COM/AbC", "", []string{"HTTPS://Example.COM/AbC"}},
		{"full-width url", "ｈｔｔｐｓ：／／ｘ．ｃｏｍ", "", []string{"https://x.com"}},
		{"url then full-width comma", "详情见https://t.cn/A6abc，Acme新品发布", "详情见 ,acme新品发布", []string{"https://t.cn/A6abc"}},
		{"url then full-width marks", "https://x.cn/a！＃Acme", "!#acme", []string{"https://x.cn/a"}},
		{"full-width url then half-width", "ｗｗｗ．ｘ．ｃｏｍ/acme", "/acme", []string{"www.x.com"}},
		{"full-width word before url", "ｘhttp://a.b", "xhttp://a.b", nil},
		{"full-width text not a url", "ｈｅｌｌｏ ｗｏｒｌｄ", "hello world", nil},
		{"scheme alone is text", "http:// is a scheme", "http:// is a scheme", nil},
		{"no url inside word", "xhttp://a.b", "xhttp://a.b", nil},
		{"invalid utf-8", "a\xffb\xc0", "a\ufffdb\ufffd", nil},
		{"control characters", "a\x00b\x1bc", "a b c", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := Normalize(c.in)
			if got.Norm != c.want {
				t.Errorf("Normalize(%q).Norm = %q, want %q", c.in, got.Norm, c.want)
			}
			if !slices.Equal(got.URLs, c.urls) {
				t.Errorf("Normalize(%q).URLs = %q, want %q", c.in, got.URLs, c.urls)
			}
		})
	}
}

// TestSimplifiedAgreesWithOpenCC checks the fast converter of a traditional
// run against the library's own Convert.
func TestSimplifiedAgreesWithOpenCC(t *testing.T) {
	t.Parallel()
	cc, err := opencc.New("tw2sp")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"臺灣的軟體工程師用滑鼠寫程式",
		"香港特別行政區政府發佈新聞稿",
		"我們今天去吃麥當勞，還有星巴克的咖啡",
		"這款手機的電池續航很差，客服也不理人",
		"乾隆皇帝與乾燥的天氣",
		"簡體字和繁體字混合：汉字漢字",
		"資訊科技、網際網路、計程車、冰淇淋",
	} {
		want, err := cc.Convert(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := loadConverter().convertRun(s, false); got != want {
			t.Errorf("convertRun(%q) = %q, OpenCC says %q", s, got, want)
		}
	}
}

// TestTermInSentence checks that a query term normalizes as the same
// characters do inside a sentence, so that matching finds it exactly where
// it was written.
func TestTermInSentence(t *testing.T) {
	t.Parallel()
	cases := []struct {
		term, text string
		in         bool
	}{
		{"联通", "联通道歉了", true},
		{"交通", "交通道路拥堵", true},
		{"中文", "中文字幕组", true},
		{"文件", "请查收文件", true},
		{"进程", "我写的程序崩溃了", false},
		{"软件", "這個軟體很好用", true},
		{"軟體", "这个软件很好用", true},
		{"臺灣", "我在台湾", true},
		// tw2sp reads 通道 as the Taiwan word for 信道 (中国联信道歉): the
		// reading by characters keeps 联通.
		{"联通", "中國聯通道歉", true},
		{"聯通", "中國聯通道歉", true},
		{"信道", "中國聯通道歉", true},
	}
	for _, c := range cases {
		t.Run(c.term+" in "+c.text, func(t *testing.T) {
			t.Parallel()
			term, text := Normalize(c.term).Norm, Normalize(c.text)
			got := strings.Contains(text.Norm, term) || text.Chars != "" && strings.Contains(text.Chars, term)
			if got != c.in {
				t.Errorf("%q (%q) in %q (%+v) = %v, want %v", c.term, term, c.text, text, got, c.in)
			}
		})
	}
}

// TestChars: the reading by characters is given only for a traditional
// text whose phrases change more than its characters.
func TestChars(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, norm, chars string }{
		{"中國聯通道歉", "中国联信道歉", "中国联通道歉"},
		{"這個軟體的滑鼠", "这个软件的鼠标", "这个软体的滑鼠"},
		{"繁體中文", "繁体中文", ""},
		{"中国联通道歉", "中国联通道歉", ""},
		{"Acme 中國聯通道歉 ok", "acme 中国联信道歉 ok", "acme 中国联通道歉 ok"},
	} {
		if got := Normalize(c.in); got.Norm != c.norm || got.Chars != c.chars {
			t.Errorf("Normalize(%q) = %q, %q; want %q, %q", c.in, got.Norm, got.Chars, c.norm, c.chars)
		}
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"ＡＢＣ 臺灣 https://x.cn/a", "McDonald's  麥當勞", "ΣΊΣΥΦΟΣ"} {
		once := Normalize(s).Norm
		if twice := Normalize(once).Norm; twice != once {
			t.Errorf("Normalize not idempotent on %q: %q then %q", s, once, twice)
		}
	}
}

func TestNormalizeLargeInput(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("臺灣軟體 ＡＢＣ https://example.com/x 😋 ", 1<<15) // ≈ 1.5 MB
	got := Normalize(big)
	if len(got.URLs) != maxURLs {
		t.Errorf("URLs kept = %d, want the cap %d", len(got.URLs), maxURLs)
	}
	if !strings.HasPrefix(got.Norm, "台湾软件 abc 😋 台湾") {
		t.Errorf("Norm starts %q", got.Norm[:40])
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "ＡＢＣ１２３", "臺灣", "http://x.y", "www.", "a\xffb", "ΟΔΟΣ", "👨‍👩‍👧", "\u3000\u200b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Normalize(s)
		if !utf8.ValidString(got.Norm) {
			t.Fatalf("Norm not valid UTF-8: %q", got.Norm)
		}
		if strings.HasPrefix(got.Norm, " ") || strings.HasSuffix(got.Norm, " ") || strings.Contains(got.Norm, "  ") {
			t.Fatalf("Norm has untrimmed spaces: %q", got.Norm)
		}
		for _, u := range got.URLs {
			if u == "" {
				t.Fatalf("empty URL from %q", s)
			}
		}
	})
}

func TestFoldSkipsCaselessScripts(t *testing.T) {
	// fold skips the case tables for noCaseLo ≤ r < noCaseHi: right only
	// while no character there has a case, in this Go's Unicode tables.
	for r := rune(noCaseLo); r < noCaseHi; r++ {
		if got := unicode.ToLower(unicode.ToUpper(r)); got != r {
			t.Fatalf("%U folds to %U: fold must not skip it", r, got)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	texts := []string{
		"气死姐姐了，快二是阵亡了吗，尼玛，一个半小时过去了也没上车",
		"妞妞啊，今天又承办了一个发文登记文号是126~嘻~么么哒~晚安哟 http://t.cn/abc",
		"這款手機的電池續航很差，客服也不理人！！ＡＢＣ",
		"TinyThief上wii了？！Apple iPhone 15 Pro Max 降价了",
	}
	var n int
	for i := 0; b.Loop(); i++ {
		s := texts[i%len(texts)]
		n += len(s)
		Normalize(s)
	}
	b.SetBytes(int64(n / max(b.N, 1)))
}
