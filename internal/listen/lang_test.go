package listen_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/query"
	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// langCases are texts as a source gives them, with the language the
// pipeline should label them with.
var langCases = []struct {
	name, text, want string
}{
	// Chinese: at least a fifth of the letters are Han.
	{"zh", "闲岚的冷萃咖啡太好喝了，强烈推荐！", "zh"},
	{"zh with brand", "今天天气真好 iPhone 15 Pro", "zh"},
	{"zh traditional", "臺灣的咖啡很好喝", "zh"},
	{"zh with english words", "这个 the best 咖啡 in town", "zh"},
	{"zh with french words", "这家 le meilleur café 真不错", "zh"},
	{"zh with hashtag", "#闲岚咖啡# love it so much", "zh"},
	{"mostly english with han", "华为 Mate 60 Pro is the best phone I have used", "en"},

	// English: its common words win.
	{"en", "This coffee is great", "en"},
	{"en long", "Just tried the new cold brew at Xianlan and it is honestly the best coffee I have had this year.", "en"},
	{"en complaint", "Customer service was terrible, nobody answered my emails. Not buying again.", "en"},
	{"en short", "Great coffee", "en"},
	{"en shouting", "LOVE IT!!!", "en"},
	{"en contraction", "I don't like it", "en"},
	{"en curly apostrophe", "Don’t buy", "en"},
	{"en with accent", "Best café in town", "en"},
	{"en with french brand", "I love Le Creuset, the pans are great", "en"},
	{"en with link", "Check this out: https://example.com/le-la-les-et-des", "en"},
	{"en hello", "Hello", "en"},

	// Other Latin-script languages.
	{"fr", "Le nouveau café de la rue est vraiment bon, mais le service est un peu lent.", "other"},
	{"fr elision", "C'est très bien, j'adore l'ambiance", "other"},
	{"fr short", "Merci beaucoup", "other"},
	{"fr capitals", "ÇA VA TRÈS BIEN", "other"},
	{"fr with english words", "Le meilleur café de Paris, the best", "other"},
	{"es", "El café de esta tienda es muy bueno y el precio es justo, pero hay que esperar.", "other"},
	{"es short", "¡Gracias!", "other"},
	{"de", "Der Kaffee ist wirklich gut und der Service war freundlich, aber nicht billig.", "other"},
	{"de capitals", "DIE PREISE SIND NICHT OK", "other"},
	{"pt", "O café não é muito bom, mas o atendimento foi ótimo.", "other"},
	{"it", "Il caffè è buono ma il servizio non è veloce.", "other"},
	{"nl", "Het eten was lekker en de bediening ook", "other"},
	{"id", "Kopi ini enak banget, the best!", "other"},
	{"tr", "Bu kahve çok güzel", "other"},
	{"vi", "Cà phê ở đây rất ngon", "other"},

	// Too little to tell.
	{"brand only", "iPhone 15 Pro", "other"},
	{"ok", "OK", "other"},
	{"numbers", "12345 !!!", "other"},
	{"empty", "", "other"},
	{"emoji", "😍😍🔥☕️👍", "other"},
	{"url", "https://t.co/AbCdEf", "other"},
	{"urls with english paths", "http://example.com/the-best-coffee-for-you www.example.com/is-it-good", "other"},

	// Other scripts.
	{"ja", "今日はいい天気ですね", "other"},
	{"ko", "커피 맛있어요 the best", "other"},
	{"ru", "Привет мир", "other"},
	{"ar", "القهوة لذيذة جدا", "other"},
}

func TestDetectLang(t *testing.T) {
	t.Parallel()
	for _, c := range langCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := listen.DetectLang(c.text); got != c.want {
				t.Errorf("DetectLang(%q) = %q, want %q", c.text, got, c.want)
			}
			// The pipeline gives it the normalized text.
			if got := listen.DetectLang(textnorm.Normalize(c.text).Norm); got != c.want {
				t.Errorf("DetectLang(normalized %q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
}

func TestDetectLangLong(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text, want string
	}{
		{"en beyond 4 KB", strings.Repeat("the coffee is good ", 1000), "en"},
		{"fr beyond 4 KB", strings.Repeat("le café est très bon ", 1000), "other"},
		{"cut inside a character", strings.Repeat("a", 4095) + "é the", "other"},
		{"one long word", strings.Repeat("x", 10000), "other"},
		{"invalid utf-8", "the \xff\xfe coffee is \xc3", "en"},
	}
	for _, c := range cases {
		if got := listen.DetectLang(c.text); got != c.want {
			t.Errorf("%s: DetectLang = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestDetectLangNoAlloc: detection runs for every post, and must not
// allocate.
func TestDetectLangNoAlloc(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		for _, c := range langCases {
			listen.DetectLang(c.text)
		}
	})
	if n != 0 {
		t.Errorf("DetectLang allocates %v times for %d texts, want 0", n, len(langCases))
	}
}

// TestQueryLangs: the lang: filter accepts exactly the labels of DetectLang
// and normLang (package query cannot import listen).
func TestQueryLangs(t *testing.T) {
	t.Parallel()
	want := []string{listen.LangZH, listen.LangEN, listen.LangOther}
	if !slices.Equal(query.Langs, want) {
		t.Errorf("query.Langs = %v, want %v", query.Langs, want)
	}
}

// langBench is a mix of posts as the pipeline sees them: mostly Chinese,
// some English, a few in other Latin-script languages, of usual lengths.
var langBench = []string{
	"闲岚的冷萃咖啡太好喝了，强烈推荐，喜欢喜欢！今天在门店排了二十分钟的队，值得。#闲岚咖啡# @闲岚官方",
	"华为 Mate 60 Pro 用了一个月，续航很顶，拍照也不错，就是有点发热，希望下个版本能优化一下系统。",
	"小米SU7交付了，朋友说开起来很稳，价格也比 Model 3 便宜不少，不知道售后怎么样？",
	"Just tried the new cold brew at Xianlan and it is honestly the best coffee I have had this year. Highly recommend!",
	"Customer service was terrible, I waited two weeks for a refund and nobody answered my emails. Not buying again.",
	"Le nouveau café de la rue est vraiment bon, mais le service est un peu lent. Je vais y retourner quand même.",
	"El café de esta tienda es muy bueno y el precio es justo, pero los fines de semana hay que esperar mucho.",
	"Der Kaffee ist wirklich gut und der Service war freundlich, aber die Preise sind leider nicht ganz niedrig.",
	"转发微博 //@someone: 这个活动真的很划算，大家快去看看，链接在评论区。",
	"iPhone 15 Pro Max 256G 国行 全新未拆封 出",
}

// BenchmarkDetectLang measures language detection over the mix; ns/op is
// per post.
func BenchmarkDetectLang(b *testing.B) {
	texts := make([]string, len(langBench))
	size := 0
	for i, s := range langBench {
		texts[i] = textnorm.Normalize(s).Norm
		size += len(texts[i])
	}
	b.SetBytes(int64(size / len(texts)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		listen.DetectLang(texts[i%len(texts)])
	}
}
