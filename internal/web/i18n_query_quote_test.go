package web

import (
	"errors"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/query"
)

// TestI18nUnclosedQuoteNamesItsClose: the Chinese message of an unclosed
// quote, which does not show the parser's hint, names the quote that
// closes the phrase; a " does not close 「小米, so telling to add one
// left the query as wrong as before.
func TestI18nUnclosedQuoteNamesItsClose(t *testing.T) {
	c := mustCatalog(t)
	for _, tt := range []struct{ q, want string }{
		{`华为 "小米`, `请在短语后加上右引号 "。`},
		{"华为 “小米", `请在短语后加上右引号 "。`},
		{"华为 「小米", "请在短语后加上右引号 」。"},
		{"华为 『小米", "请在短语后加上右引号 』。"},
		{"华为 ｢小米", "请在短语后加上右引号 ｣。"},
	} {
		_, err := query.Parse(tt.q)
		var qe *query.Error
		if !errors.As(err, &qe) || qe.Key != query.KeyUnclosedQuote {
			t.Fatalf("Parse(%q) = %v, want an unclosed quote", tt.q, err)
		}
		if zh := c.T("zh-CN", qe.Key, qe.Args()); !strings.Contains(zh, tt.want) {
			t.Errorf("%s: %q, want %q", tt.q, zh, tt.want)
		}
		if _, err := query.Parse(tt.q + qe.Close); err != nil {
			t.Errorf("%s: adding the quote named, %q, leaves %v", tt.q, qe.Close, err)
		}
	}
}
