package web

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/query"
)

// TestI18nQueryHints: a query error on a page or in the API says what to
// change, as the CLI does, in both languages: English shows the parser's
// hint, Chinese its own of the message key.
func TestI18nQueryHints(t *testing.T) {
	c := mustCatalog(t)
	var many strings.Builder
	for i := range 501 {
		fmt.Fprintf(&many, "w%d ", i)
	}
	cases := []struct{ q, zhHint string }{
		{"", "请至少写一个词"},
		{strings.Repeat("a", query.MaxLen+1), "请拆分为多个话题"},
		{many.String(), "最多 500 个词"},
		{strings.Repeat("(", 40) + "a", "最多嵌套 32 层"},
		{"(华为 OR 小米", "请加上 ) 闭合此处的 ("},
		{"华为)", "请删去这个 )"},
		{"华为 ()", "请在括号内写上内容"},
		{`华为 "小米`, "请在短语后加上右引号"},
		{`华为 ""`, "请在引号内写上短语"},
		{"https://x.com", "请改为查找品牌名"},
		{"OR 华为", "请在 OR 前写一个词"},
		{"华为 OR", "请在 OR 后写一个词"},
		{"AND 华为", "请在 AND 前写一个词"},
		{"华为 AND", "请在 AND 后写一个词"},
		{"华为 NOT", "请紧接 NOT 或 - 写上要排除的词"},
		{"华为 NEAR/x 小米", "请写成 NEAR/n"},
		{"NEAR/5 小米", "NEAR 只作用于词"},
		{"华为 lang:", "请紧接冒号写上取值"},
		{"华为 lang:fr", "请写 lang:zh、lang:en 或 lang:other"},
		{"华为 source:某论坛", "平台中文名（微博、小红书、B站 …）会自动换成对应的类型"},
		{"-华为", "请加上要查找的词"},
	}
	covered := map[string]bool{}
	for _, tt := range cases {
		_, err := query.Parse(tt.q)
		var qe *query.Error
		if !errors.As(err, &qe) {
			t.Fatalf("Parse(%.40q) = %v, want a query error", tt.q, err)
		}
		covered[qe.Key] = true
		en, zh := c.T("en", qe.Key, qe.Args()), c.T("zh-CN", qe.Key, qe.Args())
		if qe.Hint == "" || !strings.Contains(en, qe.Hint) {
			t.Errorf("%s in English: %q, want the hint %q", qe.Key, en, qe.Hint)
		}
		if !strings.Contains(zh, tt.zhHint) {
			t.Errorf("%s in Chinese: %q, want the hint %q", qe.Key, zh, tt.zhHint)
		}
		for _, s := range []string{en, zh} {
			if strings.Contains(s, "<no value>") {
				t.Errorf("%s: %q names an argument the error does not have", qe.Key, s)
			}
		}
	}
	for key := range catalogKeys(t, "en") {
		if strings.HasPrefix(key, "query.") && !covered[key] {
			t.Errorf("%s: no case makes this error", key)
		}
	}
}
