package query

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/apperr"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"word", "华为", "华为"},
		{"latin word folded", "HuaWei", "huawei"},
		{"full-width word", "ＡＰＰＬＥ", "apple"},
		{"traditional word", "臺灣", "台湾"},
		{"phrase", `"new balance"`, `"new balance"`},
		{"full-width quotes", `＂新 款＂`, `"新 款"`},
		{"curly quotes", `“小米 手机”`, `"小米 手机"`},
		{"corner brackets", "「华为 手机」", `"华为 手机"`},
		{"white corner brackets", "『new balance』 鞋", `("new balance" 鞋)`},
		{"half-width corner brackets", "｢华为｣", `"华为"`},
		{"corner brackets after a word", "买「华为 手机」", `(买 "华为 手机")`},
		{"corner brackets inside quotes", `"他说「好」"`, `"他说「好」"`},
		{"quotes inside corner brackets", `「他说"好"」`, `「他说"好"」`},
		{"quotes and corner brackets inside corner brackets", `『他说"好"「嗯」』`, `『他说"好"「嗯」』`},
		{"corner-bracketed author", "author:「张 三」 x", `(author:"张 三" x)`},
		{"a lone closing corner bracket is text", "华为」", "华为」"},
		{"implicit and", "华为 手机", "(华为 手机)"},
		{"explicit and", "华为 AND 手机", "(华为 手机)"},
		{"or", "华为 OR huawei", "(华为 OR huawei)"},
		{"or binds tighter than and", "a b OR c", "(a (b OR c))"},
		{"not keyword", "华为 NOT 招聘", "(华为 -招聘)"},
		{"minus", "华为 -招聘", "(华为 -招聘)"},
		{"full-width minus", "华为 －招聘", "(华为 -招聘)"},
		{"minus inside word", "wi-fi", "wi-fi"},
		{"not binds tighter than or", "x (-a OR b)", "(x (-a OR b))"},
		{"double not", "x NOT NOT a", "(x --a)"},
		{"parentheses", "(a OR b) (c OR d)", "((a OR b) (c OR d))"},
		{"full-width parentheses", "（a OR b）c", "((a OR b) c)"},
		{"mixed parentheses", "(a OR b）", "(a OR b)"},
		{"near", "小米 NEAR/10 发热", "(小米 NEAR/10 发热)"},
		{"near zero", "a NEAR/0 b", "(a NEAR/0 b)"},
		{"near group", "(华为 OR 荣耀) NEAR/5 降价", "((华为 OR 荣耀) NEAR/5 降价)"},
		{"near chain", "a NEAR/3 b NEAR/4 c", "((a NEAR/3 b) NEAR/4 c)"},
		{"near phrase", `"air max" NEAR/5 鞋`, `("air max" NEAR/5 鞋)`},
		{"full-width keyword", "a ＯＲ b", "(a OR b)"},
		{"lower-case or is a word", "a or b", "(a or b)"},
		{"lang filter", "华为 lang:zh", "(华为 lang:zh)"},
		{"source filter", "华为 source:Weibo", "(华为 source:weibo)"},
		{"source by its Chinese name", "华为 source:新浪微博", "(华为 source:weibo)"},
		{"author filter", "author:张三", "author:张三"},
		{"author phrase", `author:"张 三" 咖啡`, `(author:"张 三" 咖啡)`},
		{"filter key any case", "LANG:en x", "(lang:en x)"},
		{"lang value any case", "x lang:ZH", "(x lang:zh)"},
		{"lang other", "x lang:other", "(x lang:other)"},
		{"lang full-width value", "x lang:ｅｎ", "(x lang:en)"},
		{"lang quoted value", `x lang:"en"`, "(x lang:en)"},
		{"negated lang", "x -lang:en", "(x -lang:en)"},
		{"source any kind", "x source:own_channel", "(x source:own_channel)"},
		{"source open-ended", "x source:xiaohongshu", "(x source:xiaohongshu)"},
		{"full-width colon", "lang：zh x", "(lang:zh x)"},
		{"negative with filter", "-广告 source:weibo", "(-广告 source:weibo)"},
		{"unknown prefix is a word", "http:abc", "http:abc"},
		{"flattened", "a (b c) d", "(a b c d)"},
		{"nested", "((a))", "a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q, err := Parse(c.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			if got := q.String(); got != c.want {
				t.Errorf("Parse(%q) = %s, want %s", c.in, got, c.want)
			}
			again, err := Parse(q.String())
			if err != nil || again.String() != q.String() {
				t.Errorf("canonical form %s does not parse back: %v, %v", q.String(), again, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	many := strings.TrimSpace(strings.Repeat("词 ", 10000))
	// Positions count characters from 1, as a person does; 0 is the whole
	// query. near is the piece of the query quoted at the position.
	cases := []struct {
		name, in, key string
		pos           int
		near          string
	}{
		{"empty", "", KeyEmpty, 0, ""},
		{"blank", "  \u3000 ", KeyEmpty, 0, ""},
		{"unclosed paren", "华为 OR (荣耀 OR 小米", KeyUnclosedParen, 7, "(荣耀 OR 小米"},
		{"unclosed paren first", "(小米 OR 华为", KeyUnclosedParen, 1, "(小米 OR 华为"},
		{"unclosed paren at 15", "abc def ghi j (k", KeyUnclosedParen, 15, "(k"},
		{"unclosed paren long rest cut", "a (一二三四五六七八九十 一二三四五六七八九十", KeyUnclosedParen, 3, "(一二三四五六七八九十 一二三四五六七…"},
		{"unclosed paren lines folded", "a (b\n\n  c", KeyUnclosedParen, 3, "(b c"},
		{"unclosed full-width paren", "华为 （荣耀", KeyUnclosedParen, 4, "（荣耀"},
		{"unexpected paren", "华为)", KeyUnexpectedParen, 3, ")"},
		{"unexpected full-width paren", "a b）c", KeyUnexpectedParen, 4, "）"},
		{"lonely close", ")", KeyUnexpectedParen, 1, ")"},
		{"empty parens", "a ()", KeyEmptyParens, 3, "()"},
		{"trailing or", "华为 OR", KeyOrNoRight, 4, "OR"},
		{"or then close", "(a OR) b", KeyOrNoRight, 4, "OR"},
		{"double or", "a OR OR b", KeyOrNoRight, 3, "OR"},
		{"leading or", "OR a", KeyOrNoLeft, 1, "OR"},
		{"or after paren", "(OR a)", KeyOrNoLeft, 2, "OR"},
		{"not alone", "NOT", KeyNotNoOperand, 1, "NOT"},
		{"minus alone", "a -", KeyNotNoOperand, 3, "-"},
		{"not before or", "a NOT OR b", KeyNotNoOperand, 3, "NOT"},
		{"only negative", "-广告", KeyOnlyNegative, 0, ""},
		{"only negatives", "NOT a -b", KeyOnlyNegative, 0, ""},
		{"trailing and", "a AND", KeyAndNoRight, 3, "AND"},
		{"leading and", "AND a", KeyAndNoLeft, 1, "AND"},
		{"near letters", "a NEAR/x b", KeyNearNumber, 3, "NEAR/x"},
		{"near letters after chinese", "闲岚 NEAR/x 冷萃", KeyNearNumber, 4, "NEAR/x"},
		{"near no number", "a NEAR b", KeyNearNumber, 3, "NEAR"},
		{"near slash only", "a NEAR/ b", KeyNearNumber, 3, "NEAR/"},
		{"near negative", "a NEAR/-3 b", KeyNearNumber, 3, "NEAR/-3"},
		{"near too far", "a NEAR/5000 b", KeyNearNumber, 3, "NEAR/5000"},
		{"near huge", "a NEAR/99999999999999999999999 b", KeyNearNumber, 3, "NEAR/99999999999999…"},
		{"near no right", "a NEAR/3", KeyNearOperand, 3, "NEAR/3"},
		{"near no left", "NEAR/3 a", KeyNearOperand, 1, "NEAR/3"},
		{"near not operand", "a NEAR/3 -b", KeyNearOperand, 3, "NEAR/3"},
		{"near filter operand", "lang:zh NEAR/3 b", KeyNearOperand, 1, "lang:zh"},
		{"near and group", "(a b) NEAR/3 c", KeyNearOperand, 1, "(a b)"},
		{"empty quotes", `a ""`, KeyEmptyPhrase, 3, `""`},
		{"blank quotes", `a "  "`, KeyEmptyPhrase, 3, `" "`},
		{"unclosed quote", `a "new balance`, KeyUnclosedQuote, 3, `"new balance`},
		{"corner bracket closed by a quote", `a 「new balance"`, KeyUnclosedQuote, 3, `「new balance"`},
		{"empty corner brackets", "a 「」", KeyEmptyPhrase, 3, "「」"},
		{"filter without value", "lang: 华为", KeyFilterValue, 1, "lang:"},
		{"author empty phrase", `author:"" x`, KeyEmptyPhrase, 8, `""`},
		{"source not a kind", "华为 source:某论坛", KeySourceValue, 4, "source:某论坛"},
		{"lang unknown", "华为 lang:fr", KeyLangValue, 4, "lang:fr"},
		{"lang unknown first", "lang:fr 华为", KeyLangValue, 1, "lang:fr"},
		{"lang unknown upper", "x LANG:FR", KeyLangValue, 3, "LANG:FR"},
		{"lang region tag", "x lang:zh-CN", KeyLangValue, 3, "lang:zh-CN"},
		{"lang underscore tag", "x lang:en_US", KeyLangValue, 3, "lang:en_US"},
		{"lang name", "x lang:english", KeyLangValue, 3, "lang:english"},
		{"lang chinese name", "小米 lang:中文", KeyLangValue, 4, "lang:中文"},
		{"lang full-width colon", "x lang：fr", KeyLangValue, 3, "lang：fr"},
		{"lang quoted", `x lang:"fr" y`, KeyLangValue, 3, `lang:"fr"`},
		{"lang unknown in or", "(a OR lang:ja) b", KeyLangValue, 7, "lang:ja"},
		{"lang unknown negated", "a -lang:de", KeyLangValue, 4, "lang:de"},
		{"url term", "https://example.com", KeyEmptyTerm, 1, "https://example.com"},
		{"too many terms", many, KeyTooManyTerms, 1001, "词"},
		{"too long", strings.Repeat("a", 4001), KeyTooLong, 4001, ""},
		{"too deep parens", strings.Repeat("(", 40) + "a" + strings.Repeat(")", 40), KeyTooDeep, 33, "("},
		{"too deep nots", strings.Repeat("NOT ", 40) + "a", KeyTooDeep, 129, "NOT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q, err := Parse(c.in)
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q) = %v, %v; want an *Error %s", c.in, q, err, c.key)
			}
			if qe.Key != c.key || qe.Pos != c.pos || qe.Near != c.near {
				t.Errorf("Parse(%q) error = %s (%s at %d near %q), want %s at %d near %q", c.in, qe, qe.Key, qe.Pos, qe.Near, c.key, c.pos, c.near)
			}
			if n := utf8.RuneCountInString(qe.Near); n > NearMax {
				t.Errorf("Near %q has %d characters, more than %d", qe.Near, n, NearMax)
			}
			if qe.Hint == "" {
				t.Errorf("error %s has no hint", qe.Key)
			}
			if !apperr.Is(err, apperr.Invalid) {
				t.Errorf("error code = %s, want invalid", apperr.CodeOf(err))
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"abc def ghi j (k", "unclosed parenthesis at 15: “(k”"},
		{"(小米 OR 华为", "unclosed parenthesis at 1: “(小米 OR 华为”"},
		{"闲岚 NEAR/x 冷萃", "NEAR needs a number at 4: “NEAR/x”"},
		{"-广告", "query only excludes"},
		{strings.Repeat("a", 4001), "query too long at 4001"},
		{"华为 lang:fr", "lang: takes zh, en or other at 4: “lang:fr”"},
	}
	for _, c := range cases {
		_, err := Parse(c.in)
		if err == nil {
			t.Fatalf("Parse(%q) = nil error", c.in)
		}
		if got := err.Error(); got != c.want {
			t.Errorf("Parse(%.20q).Error() = %q, want %q", c.in, got, c.want)
		}
	}
	_, err := Parse("abc def ghi j (k")
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Key != KeyUnclosedParen || ae.Args["Pos"] != 15 || ae.Args["Near"] != "(k" {
		t.Errorf("as apperr: %+v", ae)
	}
}

// TestLangHint: refusing a lang: value names every value that is allowed.
func TestLangHint(t *testing.T) {
	t.Parallel()
	_, err := Parse("华为 lang:fr")
	var qe *Error
	if !errors.As(err, &qe) || qe.Key != KeyLangValue {
		t.Fatalf("err = %v, want %s", err, KeyLangValue)
	}
	for _, l := range Langs {
		if !strings.Contains(qe.Hint, "lang:"+l) {
			t.Errorf("hint %q does not offer lang:%s", qe.Hint, l)
		}
		if _, err := Parse("华为 lang:" + l); err != nil {
			t.Errorf("lang:%s refused: %v", l, err)
		}
	}
}

func TestTenThousandTermsFast(t *testing.T) {
	t.Parallel()
	q := strings.Repeat("华为 OR ", 10000) + "荣耀"
	start := time.Now()
	_, err := Parse(q)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("refusing 10,000 terms took %s", d)
	}
	var qe *Error
	if !errors.As(err, &qe) || qe.Key != KeyTooManyTerms {
		t.Fatalf("err = %v, want too many terms", err)
	}
	if !strings.Contains(qe.Hint, "500") {
		t.Errorf("hint %q does not say the limit", qe.Hint)
	}
	huge := strings.Repeat("x ", 1<<20)
	if _, err := Parse(huge); !errors.As(err, &qe) || qe.Key != KeyTooLong {
		t.Errorf("2 MB query: %v, want too long", err)
	}
}

func TestTerms(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ query, want string }{
		{`(華為 OR Huawei) -招聘 "Mate 60" 华为`, "华为|huawei|mate 60"},
		{`华为 NOT (招聘 OR 二手)`, "华为"},
		{`华为 NOT (招聘 NOT 华为云)`, "华为|华为云"},
		{`华为 -华为 OR 荣耀`, "华为|荣耀"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			q, err := Parse(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(q.Terms(), "|"); got != tt.want {
				t.Errorf("Terms = %s, want %s", got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"华为 OR huawei -招聘", `"new balance" (鞋 OR 跑鞋)`, "小米 NEAR/10 (发热 OR 续航)",
		"lang:zh source:weibo author:\"张三\" x", "（a OR b）", "a NEAR/x b", "((", "))", `"`, "OR", "NOT",
		"-", "a NEAR/3 b NEAR/4 c", "author:", "ＯＲ ＮＯＴ", "\xff\xfe", "https://x.y a",
		"x lang:fr", "lang:ｚｈ-cn", "「a\"」", "『「」』", "｢a｣",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		n := utf8.RuneCountInString(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q) error %v is not an *Error", s, err)
			}
			if len(s) <= maxBytes && (qe.Pos < 0 || qe.Pos > n+1) {
				t.Fatalf("Parse(%q): position %d outside 0..%d", s, qe.Pos, n+1)
			}
			if utf8.RuneCountInString(qe.Near) > NearMax || (qe.Near != "" && qe.Pos == 0) {
				t.Fatalf("Parse(%q): piece %q at %d", s, qe.Near, qe.Pos)
			}
			if qe.Hint == "" || qe.Error() == "" {
				t.Fatalf("Parse(%q): error without hint or message", s)
			}
			return
		}
		again, err := Parse(q.String())
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", q.String(), s, err)
		}
		if again.String() != q.String() {
			t.Fatalf("canonical form unstable: %q → %q", q.String(), again.String())
		}
		m, err := Compile([]Rule{{ID: 1, Query: s}})
		if err != nil {
			t.Fatalf("Compile after Parse ok: %v", err)
		}
		m.Match(Post{Text: s, Lang: "zh"})
	})
}
