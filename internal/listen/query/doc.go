// Package query is the language of listening topics and its matcher.
//
// A topic's query says which mentions belong to it:
//
//	华为 OR huawei -招聘                  华为 or huawei, but not job ads
//	"new balance" (鞋 OR 跑鞋)            the phrase, and shoes
//	小米 NEAR/10 (发热 OR 续航)            小米 at most 10 characters from 发热 or 续航
//	(星巴克 OR starbucks) lang:zh source:weibo
//	author:"张三" 咖啡
//
// # Grammar
//
//	query   = and EOF
//	and     = or { [ "AND" ] or }              (implicit AND: juxtaposition)
//	or      = unary { "OR" unary }             (OR binds tighter than AND)
//	unary   = ( "NOT" | "-" ) unary | near     (NOT binds tighter than OR)
//	near    = primary { "NEAR/" digits primary } (left-associative; n ≤ 1000)
//	primary = "(" and ")" | phrase | filter | word
//	phrase  = quote { any character but its closing quote } closing quote
//	filter  = ( "lang" | "source" | "author" ) ":" ( word | phrase )
//	word    = a run of characters other than space, parentheses and quotes
//	          that is not a keyword
//
// Parentheses are ( ) or the full-width （ ）; quotes are " ＂ “ ”, any of
// which closes a phrase any opened, and the corner brackets 「」 『』 ｢｣,
// each closed by its own; the minus is - or －. Keywords (OR, AND, NOT, NEAR/n) are upper case, in
// half or full width; lower-case "or" is a word. A word starting with -
// is negated: write "-" in quotes to look for a dash. So
// "a b OR c" means a AND (b OR c), and "-a OR b" means (NOT a) OR b.
// Operands of NEAR are words, phrases, OR groups of them, or NEAR
// expressions; NOT and filters are not allowed there.
//
// # Matching
//
// Terms and texts are both normalized by textnorm (NFKC, half-width, case
// folded, simplified Chinese, single spaces, links removed), so matching is
// case-, width- and script-insensitive: 臺灣 finds 台湾, ＡＰＰＬＥ finds apple.
// A term whose first (last) character is a letter or digit of a script
// written with spaces (Latin, Cyrillic, …) must start (end) at a word
// boundary: "ai" does not match "said", but matches "AI芯片". Chinese,
// Japanese, Korean and Thai characters match anywhere, as substrings.
// NEAR/n holds when an occurrence of each side is at most n characters
// apart in the normalized text (characters between the two; 0 when they
// touch or overlap); "x NEAR/n x" needs two occurrences. lang: takes
// only the languages mentions are labelled with, zh, en and other (Langs),
// and is refused with any other value, which could never match; lang:zh
// matches the post languages zh, zh-CN, zh-Hant …. source: and author:
// match the whole value (author: ignores a leading @); source: takes any
// value, since pushed and imported posts may name their own source.
//
// A query must look for something: one made only of NOT terms is refused,
// unless a filter narrows it (-广告 source:weibo is fine).
//
// # Limits and errors
//
// At most MaxLen characters, MaxTerms terms and filters, MaxDepth nested
// parentheses or NOTs. Every error is an *Error with the position of the
// problem counted in characters from 1, as a person counts ("unclosed
// parenthesis at 1: “(小米 OR 华为”"), the piece of the query there, a
// message key and a hint.
//
// # Compiled matching
//
// Compile puts the terms of all rules, deduplicated, into one Aho-Corasick
// automaton; a post is read once, and each rule's tree is evaluated over
// the hits, only for the rules that a hit concerns.
package query
