package query

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// Limits of one query. Longer or larger queries are refused with an *Error.
const (
	MaxLen   = 4000 // characters
	MaxTerms = 500  // terms and filters
	MaxDepth = 32   // nested parentheses and NOTs
	MaxNear  = 1000 // the largest n of NEAR/n
)

// maxBytes refuses without further work queries far beyond MaxLen.
const maxBytes = 1 << 20

type kind uint8

const (
	kTerm kind = iota
	kFilter
	kAnd
	kOr
	kNot
	kNear
)

type field uint8

const (
	fLang field = iota
	fSource
	fAuthor
)

var fieldNames = [...]string{fLang: "lang", fSource: "source", fAuthor: "author"}

// Langs are the values lang: accepts: the languages the listening pipeline
// labels mentions with (listen.LangZH, LangEN, LangOther). Any other value
// could never match, so Parse refuses it.
var Langs = []string{"zh", "en", "other"}

// node is one node of a parsed query.
type node struct {
	kind   kind
	pos    int    // rune offset in the query text, from 0
	end    int    // rune offset just after the node's text
	text   string // kTerm: normalized term; kFilter: normalized value
	phrase bool   // kTerm written in quotes
	field  field  // kFilter
	n      int    // kNear: the distance in characters
	kids   []*node
	term   int32 // kTerm: index in the matcher's term table, set by Compile
}

// Query is a parsed query. It is immutable.
type Query struct {
	root *node
}

// Parse parses q. Errors are *Error values carrying the position of the
// problem.
func Parse(q string) (*Query, error) {
	if len(q) > maxBytes {
		return nil, errTooLong()
	}
	src := []rune(q)
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	if len(src) > MaxLen {
		return nil, errTooLong()
	}
	p := &parser{src: src, toks: toks}
	root, err := p.parseAnd(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tRParen {
		return nil, p.errAt(t.pos, t.end, KeyUnexpectedParen, "remove this ) or add a ( before it")
	}
	if root == nil {
		return nil, errWhole(KeyEmpty, "write at least one word, for example: 华为 OR huawei")
	}
	if eval3(root) == vTrue {
		return nil, errWhole(KeyOnlyNegative, "add a word to look for: a query of only NOT terms would match almost everything")
	}
	return &Query{root: root}, nil
}

// Terms returns the normalized terms the query looks for, without
// repetition, in order of appearance: the words that name what a topic
// is about. A term under NOT is left out (unless a second NOT turns it
// back): it is what the team excluded, not a word of the topic.
func (q *Query) Terms() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(n *node, negated bool)
	walk = func(n *node, negated bool) {
		if n.kind == kTerm && !negated && !seen[n.text] {
			seen[n.text] = true
			out = append(out, n.text)
		}
		for _, k := range n.kids {
			walk(k, negated != (n.kind == kNot))
		}
	}
	walk(q.root, false)
	return out
}

// String returns the query in a canonical form: normalized terms, every
// AND, OR and NEAR in parentheses. Parsing it again gives the same query.
func (q *Query) String() string {
	var b strings.Builder
	q.root.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	switch n.kind {
	case kTerm:
		if n.phrase || needsQuotes(n.text) {
			b.WriteString(quoted(n.text))
		} else {
			b.WriteString(n.text)
		}
	case kFilter:
		b.WriteString(fieldNames[n.field] + ":")
		if needsQuotes(n.text) {
			b.WriteString(quoted(n.text))
		} else {
			b.WriteString(n.text)
		}
	case kNot:
		b.WriteString("-")
		n.kids[0].write(b)
	case kAnd, kOr, kNear:
		sep := " "
		if n.kind == kOr {
			sep = " OR "
		} else if n.kind == kNear {
			sep = " NEAR/" + strconv.Itoa(n.n) + " "
		}
		b.WriteString("(")
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			k.write(b)
		}
		b.WriteString(")")
	}
}

// quoted is s in quotes that it does not hold: double quotes, else (for
// the text of a 「…」 phrase, which may hold ") corner brackets. s is
// normalized, which makes any half-width ｣ a 」, so ｢…｣ always does.
func quoted(s string) string {
	for _, q := range [][2]rune{{'"', '"'}, {'「', '」'}, {'『', '』'}} {
		if !strings.ContainsFunc(s, func(r rune) bool { return closesQuote(q[0], r) }) {
			return string(q[0]) + s + string(q[1])
		}
	}
	return "｢" + s + "｣"
}

func needsQuotes(s string) bool {
	if s == "OR" || s == "AND" || s == "NOT" || strings.HasPrefix(s, "NEAR") || strings.HasPrefix(s, "-") {
		return true
	}
	for _, f := range fieldNames {
		if strings.HasPrefix(s, f+":") {
			return true
		}
	}
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || isParen(r) || isQuote(r) })
}

// --- lexer

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tPhrase
	tFilter
	tLParen
	tRParen
	tOr
	tAnd
	tNot
	tNear
)

type token struct {
	kind  tokKind
	pos   int    // rune offset of the token's first character, from 0
	end   int    // rune offset just after it
	text  string // tWord, tPhrase, tFilter: the normalized value
	field field  // tFilter
	n     int    // tNear
}

func isParen(r rune) bool { return r == '(' || r == ')' || r == '（' || r == '）' }

// isQuote reports the characters that open a phrase: the straight and
// curly double quotes, any of which closes it, and the corner brackets
// that Taiwan and Hong Kong quote with, 「 『 (and half-width ｢), each
// closed by its own.
func isQuote(r rune) bool { return isDoubleQuote(r) || closingCorner(r) != 0 }

func isDoubleQuote(r rune) bool { return r == '"' || r == '＂' || r == '“' || r == '”' }

func closingCorner(open rune) rune {
	switch open {
	case '「':
		return '」'
	case '『':
		return '』'
	case '｢':
		return '｣'
	}
	return 0
}

// closesQuote reports whether r closes a phrase that open opened.
func closesQuote(open, r rune) bool {
	if c := closingCorner(open); c != 0 {
		return r == c
	}
	return isDoubleQuote(r)
}
func isSpace(r rune) bool { return unicode.IsSpace(r) }

func lex(src []rune) ([]token, error) {
	var toks []token
	terms := 0
	leaf := func(t token) error {
		terms++
		if terms > MaxTerms {
			return errAt(src, t.pos, t.end, KeyTooManyTerms, "a query can hold at most 500 terms; split it into several topics")
		}
		toks = append(toks, t)
		return nil
	}
	for i := 0; i < len(src); {
		r := src[i]
		switch {
		case isSpace(r):
			i++
		case r == '(' || r == '（':
			toks = append(toks, token{kind: tLParen, pos: i, end: i + 1})
			i++
		case r == ')' || r == '）':
			toks = append(toks, token{kind: tRParen, pos: i, end: i + 1})
			i++
		case isQuote(r):
			text, end, err := lexPhrase(src, i)
			if err != nil {
				return nil, err
			}
			if err := leaf(token{kind: tPhrase, pos: i, end: end, text: text}); err != nil {
				return nil, err
			}
			i = end
		case r == '-' || r == '－':
			toks = append(toks, token{kind: tNot, pos: i, end: i + 1})
			i++
		default:
			start := i
			for i < len(src) && !isSpace(src[i]) && !isParen(src[i]) && !isQuote(src[i]) {
				i++
			}
			word := string(src[start:i])
			kw := norm.NFKC.String(word)
			switch {
			case kw == "OR":
				toks = append(toks, token{kind: tOr, pos: start, end: i})
				continue
			case kw == "AND":
				toks = append(toks, token{kind: tAnd, pos: start, end: i})
				continue
			case kw == "NOT":
				toks = append(toks, token{kind: tNot, pos: start, end: i})
				continue
			case kw == "NEAR" || strings.HasPrefix(kw, "NEAR/"):
				digits, _ := strings.CutPrefix(kw, "NEAR/")
				n, err := strconv.Atoi(digits)
				if err != nil || kw == "NEAR" || strings.TrimLeft(digits, "0123456789") != "" {
					return nil, errAt(src, start, i, KeyNearNumber, "write NEAR/n with n the largest number of characters between the two terms, for example NEAR/10")
				}
				if n > MaxNear {
					return nil, errAt(src, start, i, KeyNearNumber, "NEAR/n allows at most 1000 characters")
				}
				toks = append(toks, token{kind: tNear, pos: start, end: i, n: n})
				continue
			}
			if f, value, ok := cutFilter(kw); ok {
				if value == "" && i < len(src) && isQuote(src[i]) {
					text, end, err := lexPhrase(src, i)
					if err != nil {
						return nil, err
					}
					value, i = text, end
				}
				value = textnorm.Normalize(value).Norm
				if value == "" {
					return nil, errAt(src, start, i, KeyFilterValue, "write the value right after the colon, for example lang:zh, source:weibo or author:\"名字\"")
				}
				if f == fLang && !slices.Contains(Langs, value) {
					return nil, errAt(src, start, i, KeyLangValue, "mentions are labelled zh, en or other only: write lang:zh, lang:en or lang:other (any language but Chinese and English is other)")
				}
				if f == fSource {
					kind, ok := SourceKind(value)
					if !ok {
						return nil, errAt(src, start, i, KeySourceValue, "write a source kind, such as source:weibo, source:xiaohongshu, source:rss or source:webhook")
					}
					value = kind
				}
				if err := leaf(token{kind: tFilter, pos: start, end: i, field: f, text: value}); err != nil {
					return nil, err
				}
				continue
			}
			text := textnorm.Normalize(word).Norm
			if text == "" {
				return nil, errAt(src, start, i, KeyEmptyTerm, "links are not matched (they are kept apart from the text); look for the brand name instead")
			}
			if err := leaf(token{kind: tWord, pos: start, end: i, text: text}); err != nil {
				return nil, err
			}
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src), end: len(src)}), nil
}

// lexPhrase reads the quoted phrase opening at src[i] and returns its
// normalized text and the position after the closing quote.
func lexPhrase(src []rune, i int) (string, int, error) {
	end := i + 1
	for end < len(src) && !closesQuote(src[i], src[end]) {
		end++
	}
	if end == len(src) {
		closing, hint := `"`, `quote "`
		if c := closingCorner(src[i]); c != 0 {
			closing, hint = string(c), string(c)
		}
		e := errAt(src, i, len(src), KeyUnclosedQuote, "add a closing "+hint+" after the phrase")
		e.Close = closing
		return "", 0, e
	}
	raw := string(src[i+1 : end])
	if strings.TrimSpace(raw) == "" {
		return "", 0, errAt(src, i, end+1, KeyEmptyPhrase, "write a phrase between the quotes, or remove them")
	}
	text := textnorm.Normalize(raw).Norm
	if text == "" {
		return "", 0, errAt(src, i, end+1, KeyEmptyTerm, "links are not matched (they are kept apart from the text); look for the brand name instead")
	}
	return text, end + 1, nil
}

func cutFilter(kw string) (field, string, bool) {
	name, value, ok := strings.Cut(kw, ":")
	if !ok {
		return 0, "", false
	}
	for f, n := range fieldNames {
		if strings.EqualFold(name, n) {
			return field(f), value, true
		}
	}
	return 0, "", false
}

// --- parser

type parser struct {
	src  []rune
	toks []token
	i    int
}

// errAt is the error about the characters src[start:end].
func (p *parser) errAt(start, end int, key, hint string) *Error {
	return errAt(p.src, start, end, key, hint)
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func startsUnary(k tokKind) bool {
	return k == tWord || k == tPhrase || k == tFilter || k == tLParen || k == tNot
}

func startsPrimary(k tokKind) bool {
	return k == tWord || k == tPhrase || k == tFilter || k == tLParen
}

// parseAnd parses and = or { ["AND"] or }. It returns nil, nil when the
// input ends (or a group closes) before anything was read.
func (p *parser) parseAnd(depth int) (*node, error) {
	var kids []*node
	for {
		t := p.peek()
		switch t.kind {
		case tEOF, tRParen:
			switch len(kids) {
			case 0:
				return nil, nil
			case 1:
				return kids[0], nil
			}
			return &node{kind: kAnd, pos: kids[0].pos, end: kids[len(kids)-1].end, kids: flatten(kAnd, kids)}, nil
		case tOr:
			return nil, p.errAt(t.pos, t.end, KeyOrNoLeft, "write a term before OR, for example: 华为 OR huawei")
		case tAnd:
			if len(kids) == 0 {
				return nil, p.errAt(t.pos, t.end, KeyAndNoLeft, "write a term before AND")
			}
			p.next()
			if !startsUnary(p.peek().kind) {
				return nil, p.errAt(t.pos, t.end, KeyAndNoRight, "write a term after AND, or remove it")
			}
			continue
		case tNear:
			return nil, p.errAt(t.pos, t.end, KeyNearOperand, "write a word or phrase before NEAR/n")
		}
		n, err := p.parseOr(depth)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
}

// parseOr parses or = unary { "OR" unary }.
func (p *parser) parseOr(depth int) (*node, error) {
	left, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	kids := []*node{left}
	for p.peek().kind == tOr {
		or := p.next()
		if !startsUnary(p.peek().kind) {
			return nil, p.errAt(or.pos, or.end, KeyOrNoRight, "write a term after OR, or remove it")
		}
		right, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		kids = append(kids, right)
	}
	if len(kids) == 1 {
		return left, nil
	}
	return &node{kind: kOr, pos: left.pos, end: kids[len(kids)-1].end, kids: flatten(kOr, kids)}, nil
}

// parseUnary parses unary = ("NOT" | "-") unary | near.
func (p *parser) parseUnary(depth int) (*node, error) {
	t := p.peek()
	if t.kind != tNot {
		return p.parseNear(depth)
	}
	if depth+1 > MaxDepth {
		return nil, p.errAt(t.pos, t.end, KeyTooDeep, "a query can nest at most 32 parentheses or NOTs")
	}
	p.next()
	if !startsUnary(p.peek().kind) {
		return nil, p.errAt(t.pos, t.end, KeyNotNoOperand, "write the term to exclude right after NOT or -, for example: 华为 -广告")
	}
	kid, err := p.parseUnary(depth + 1)
	if err != nil {
		return nil, err
	}
	return &node{kind: kNot, pos: t.pos, end: kid.end, kids: []*node{kid}}, nil
}

// parseNear parses near = primary { "NEAR/n" primary }.
func (p *parser) parseNear(depth int) (*node, error) {
	left, err := p.parsePrimary(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tNear {
		nt := p.next()
		if !positional(left) {
			return nil, p.errAt(left.pos, left.end, KeyNearOperand, "NEAR works on words, phrases and OR groups of them, not on NOT or filters")
		}
		if !startsPrimary(p.peek().kind) {
			return nil, p.errAt(nt.pos, nt.end, KeyNearOperand, "write a word or phrase after NEAR/n")
		}
		right, err := p.parsePrimary(depth)
		if err != nil {
			return nil, err
		}
		if !positional(right) {
			return nil, p.errAt(right.pos, right.end, KeyNearOperand, "NEAR works on words, phrases and OR groups of them, not on NOT or filters")
		}
		left = &node{kind: kNear, pos: left.pos, end: right.end, n: nt.n, kids: []*node{left, right}}
	}
	return left, nil
}

// parsePrimary parses primary = "(" and ")" | word | phrase | filter.
func (p *parser) parsePrimary(depth int) (*node, error) {
	t := p.next()
	switch t.kind {
	case tWord, tPhrase:
		return &node{kind: kTerm, pos: t.pos, end: t.end, text: t.text, phrase: t.kind == tPhrase}, nil
	case tFilter:
		return &node{kind: kFilter, pos: t.pos, end: t.end, field: t.field, text: t.text}, nil
	case tLParen:
		if depth+1 > MaxDepth {
			return nil, p.errAt(t.pos, t.end, KeyTooDeep, "a query can nest at most 32 parentheses or NOTs")
		}
		inner, err := p.parseAnd(depth + 1)
		if err != nil {
			return nil, err
		}
		end := p.peek()
		if inner == nil && end.kind == tRParen {
			return nil, p.errAt(t.pos, end.end, KeyEmptyParens, "write something between the parentheses, or remove them")
		}
		if end.kind != tRParen {
			return nil, p.errAt(t.pos, len(p.src), KeyUnclosedParen, "add a ) to close the ( opened here")
		}
		p.next()
		inner.pos, inner.end = t.pos, end.end
		return inner, nil
	}
	// Callers check startsPrimary first; this is a safety net.
	return nil, p.errAt(t.pos, t.end, KeyNearOperand, "write a word or phrase here")
}

// positional reports whether n has positions in the text, which NEAR needs.
func positional(n *node) bool {
	switch n.kind {
	case kTerm, kNear:
		return true
	case kOr:
		for _, k := range n.kids {
			if !positional(k) {
				return false
			}
		}
		return true
	}
	return false
}

// flatten merges children of the same kind: a (b c) → a b c.
func flatten(k kind, kids []*node) []*node {
	var out []*node
	for _, c := range kids {
		if c.kind == k {
			out = append(out, c.kids...)
		} else {
			out = append(out, c)
		}
	}
	return out
}

// Three-valued logic for deciding, without a post, whether a query can
// match when none of its terms occurs: filters are unknown.
type tri uint8

const (
	vFalse tri = iota
	vTrue
	vUnknown
)

func eval3(n *node) tri {
	switch n.kind {
	case kTerm, kNear:
		return vFalse
	case kFilter:
		return vUnknown
	case kNot:
		switch eval3(n.kids[0]) {
		case vTrue:
			return vFalse
		case vFalse:
			return vTrue
		}
		return vUnknown
	case kAnd:
		v := vTrue
		for _, k := range n.kids {
			switch eval3(k) {
			case vFalse:
				return vFalse
			case vUnknown:
				v = vUnknown
			}
		}
		return v
	case kOr:
		v := vFalse
		for _, k := range n.kids {
			switch eval3(k) {
			case vTrue:
				return vTrue
			case vUnknown:
				v = vUnknown
			}
		}
		return v
	}
	return vUnknown
}
