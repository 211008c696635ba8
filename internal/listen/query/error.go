package query

import (
	"fmt"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// Error is a query that cannot be parsed or compiled. Pos is the position in
// characters (runes, from 0) in the query text where the problem is, with
// 0 ≤ Pos ≤ the query's length; Key is the i18n message key for the UI
// ("query.unclosed_paren"); Hint says in English what to change.
//
// An *Error is an apperr.Invalid error: errors.As(err, &*apperr.Error) finds
// one with Code Invalid, the same Key and the argument Pos, so every surface
// maps it to "the input is not valid".
type Error struct {
	Pos  int
	Key  string
	Hint string
}

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
	KeyOnlyNegative:    "query only excludes",
}

// Error returns the English message with the position: "unclosed
// parenthesis at 14".
func (e *Error) Error() string {
	msg, ok := messages[e.Key]
	if !ok {
		msg = e.Key
	}
	return fmt.Sprintf("%s at %d", msg, e.Pos)
}

// As lets errors.As see an *Error as an *apperr.Error of code Invalid.
func (e *Error) As(target any) bool {
	t, ok := target.(**apperr.Error)
	if !ok {
		return false
	}
	args := map[string]any{"Pos": e.Pos}
	*t = &apperr.Error{
		Code:   apperr.Invalid,
		Key:    e.Key,
		Args:   args,
		Fields: []apperr.FieldError{{Field: "query", Key: e.Key, Args: args}},
	}
	return true
}

func errAt(pos int, key, hint string) *Error {
	return &Error{Pos: pos, Key: key, Hint: hint}
}
