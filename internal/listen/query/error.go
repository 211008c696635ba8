package query

import (
	"fmt"
	"strings"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// Error is a query that cannot be parsed or compiled. Pos is where the
// problem is, as a person counts: the 1-based position of a character
// (rune) in the query text, from 1 to the query's length + 1 (just after
// its end), or 0 when the problem is the whole query (it is empty, or only
// excludes). Near quotes the piece of the query at Pos, whitespace folded
// and cut to NearMax characters with "…", or is "" when there is no piece
// to show. Key is the i18n message key for the UI ("query.unclosed_paren");
// Hint says in English what to change. Close is, for an unclosed quote,
// the quote that closes it ("\"" or a corner bracket), which a message
// without the hint (the Chinese one) has to name.
//
// An *Error is an apperr.Invalid error: errors.As(err, &*apperr.Error) finds
// one with Code Invalid, the same Key and the arguments Pos and Near, so
// every surface maps it to "the input is not valid".
type Error struct {
	Pos   int
	Near  string
	Key   string
	Hint  string
	Close string
}

// NearMax is the most characters Error.Near holds, its "…" included.
const NearMax = 20

// The message keys of query errors, with their English texts.
const (
	KeyEmpty           = "query.empty"
	KeyTooLong         = "query.too_long"
	KeyTooManyTerms    = "query.too_many_terms"
	KeyTooDeep         = "query.too_deep"
	KeyUnclosedParen   = "query.unclosed_paren"
	KeyUnexpectedParen = "query.unexpected_paren"
	KeyEmptyParens     = "query.empty_parens"
	KeyUnclosedQuote   = "query.unclosed_quote"
	KeyEmptyPhrase     = "query.empty_phrase"
	KeyEmptyTerm       = "query.empty_term"
	KeyOrNoLeft        = "query.or_no_left"
	KeyOrNoRight       = "query.or_no_right"
	KeyAndNoLeft       = "query.and_no_left"
	KeyAndNoRight      = "query.and_no_right"
	KeyNotNoOperand    = "query.not_no_operand"
	KeyNearNumber      = "query.near_number"
	KeyNearOperand     = "query.near_operand"
	KeyFilterValue     = "query.filter_value"
	KeyLangValue       = "query.lang_value"
	KeySourceValue     = "query.source_value"
	KeyOnlyNegative    = "query.only_negative"
)

var messages = map[string]string{
	KeyEmpty:           "empty query",
	KeyTooLong:         "query too long",
	KeyTooManyTerms:    "too many terms",
	KeyTooDeep:         "nested too deeply",
	KeyUnclosedParen:   "unclosed parenthesis",
	KeyUnexpectedParen: "closing parenthesis without an opening one",
	KeyEmptyParens:     "empty parentheses",
	KeyUnclosedQuote:   "unclosed quote",
	KeyEmptyPhrase:     "empty quotes",
	KeyEmptyTerm:       "term is empty once normalized",
	KeyOrNoLeft:        "OR without a left side",
	KeyOrNoRight:       "OR without a right side",
	KeyAndNoLeft:       "AND without a left side",
	KeyAndNoRight:      "AND without a right side",
	KeyNotNoOperand:    "NOT without a term",
	KeyNearNumber:      "NEAR needs a number",
	KeyNearOperand:     "NEAR needs a word or phrase on each side",
	KeyFilterValue:     "filter needs a value",
	KeyLangValue:       "lang: takes zh, en or other",
	KeySourceValue:     "source: takes a source kind",
	KeyOnlyNegative:    "query only excludes",
}

// Error returns the English message with the position and the piece
// there: "unclosed parenthesis at 1: “(小米 OR 华为”", or the message alone
// when the problem is the whole query.
func (e *Error) Error() string {
	msg, ok := messages[e.Key]
	if !ok {
		msg = e.Key
	}
	switch {
	case e.Pos == 0:
		return msg
	case e.Near == "":
		return fmt.Sprintf("%s at %d", msg, e.Pos)
	}
	return fmt.Sprintf("%s at %d: “%s”", msg, e.Pos, e.Near)
}

// Args are the message arguments of the error for a field error: the
// position, the quoted piece and the hint, and the closing quote of an
// unclosed one.
func (e *Error) Args() map[string]any {
	args := map[string]any{"Pos": e.Pos, "Near": e.Near, "Hint": e.Hint}
	if e.Close != "" {
		args["Close"] = e.Close
	}
	return args
}

// As lets errors.As see an *Error as an *apperr.Error of code Invalid.
func (e *Error) As(target any) bool {
	t, ok := target.(**apperr.Error)
	if !ok {
		return false
	}
	args := e.Args()
	*t = &apperr.Error{
		Code:   apperr.Invalid,
		Key:    e.Key,
		Args:   args,
		Fields: []apperr.FieldError{{Field: "query", Key: e.Key, Args: args}},
	}
	return true
}

// errAt is the error about the characters src[start:end], given as rune
// offsets from 0: it reports start 1-based and quotes the piece.
func errAt(src []rune, start, end int, key, hint string) *Error {
	end = min(max(end, 0), len(src))
	start = min(max(start, 0), end)
	return &Error{Pos: start + 1, Near: quote(src[start:end]), Key: key, Hint: hint}
}

// errWhole is an error about the whole query, which has no position.
func errWhole(key, hint string) *Error {
	return &Error{Key: key, Hint: hint}
}

// errTooLong says where the query goes over MaxLen.
func errTooLong() *Error {
	return &Error{Pos: MaxLen + 1, Key: KeyTooLong, Hint: "a query can hold at most 4000 characters; split it into several topics"}
}

// quote is piece with its whitespace folded to single spaces, cut to
// NearMax characters.
func quote(piece []rune) string {
	s := strings.Join(strings.Fields(string(piece)), " ")
	if r := []rune(s); len(r) > NearMax {
		s = string(r[:NearMax-1]) + "…"
	}
	return s
}
