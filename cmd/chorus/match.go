package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/query"
	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// matchCmd is `chorus match --query Q`: one text per line on stdin, 1 or 0
// per line on stdout, for people testing their topic queries and for
// scripts.
func matchCmd() *cobra.Command {
	var q, lang, source, author string
	cmd := &cobra.Command{
		Use:   "match --query Q",
		Short: "Test a listening query: print 1 or 0 for each line of standard input",
		Long: "Reads one text per line on standard input and prints 1 when the query matches it, 0 when not.\n" +
			"The query language is described in docs/query-language.md. --lang, --source and --author\n" +
			"give every line the values that the lang:, source: and author: filters see; without --lang,\n" +
			"each line's language is detected from its text, as the listening pipeline does. Each line is\n" +
			"read as the pipeline reads a post: its first 1 MB, normalized; invalid UTF-8 is read as U+FFFD,\n" +
			"and the first such line is named on stderr.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := query.Parse(q); err != nil {
				return queryProblem(q, err)
			}
			// As a stored mention's: lang: and source: filters compare
			// these values with theirs.
			lang = strings.ToLower(strings.TrimSpace(lang))
			if lang != "" && !slices.Contains(query.Langs, lang) {
				return fmt.Errorf("--lang %q: mentions are labelled zh, en or other only, and lang: filters see those; give --lang zh, en or other (any language but Chinese and English is other)", lang)
			}
			if source != "" {
				kind, ok := query.SourceKind(source)
				if !ok {
					return fmt.Errorf("--source %q: give a source kind, 1 to 32 of a-z, 0-9, _ and -, such as weibo, rss or webhook, or a platform's name such as 微博", source)
				}
				source = kind
			}
			m, err := query.Compile([]query.Rule{{ID: 1, Query: q}})
			if err != nil {
				return err
			}
			return runMatch(m, query.Post{Lang: lang, Source: source, Author: author}, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&q, "query", "q", "", "the query to test (required)")
	cmd.Flags().StringVar(&lang, "lang", "", "language of every line, for lang: filters (default: detected per line)")
	cmd.Flags().StringVar(&source, "source", "", "source of every line, for source: filters")
	cmd.Flags().StringVar(&author, "author", "", "author of every line, for author: filters")
	_ = cmd.MarkFlagRequired("query")
	return cmd
}

// runMatch answers each line of in; a line without post.Lang gets the
// language listen.DetectLang finds in it, as a stored mention does.
func runMatch(m *query.Matcher, post query.Post, in io.Reader, out, warn io.Writer) error {
	lang := post.Lang
	return eachLine(in, out, warn, func(w *bufio.Writer, text textnorm.Text) error {
		post.Text, post.Chars = text.Norm, text.Chars
		post.Lang = lang
		if lang == "" {
			post.Lang = listen.DetectLang(post.Text)
		}
		answer := "0\n"
		if len(m.MatchNormalized(post)) > 0 {
			answer = "1\n"
		}
		_, err := w.WriteString(answer)
		return err
	})
}

// queryProblem shows where a query is wrong: the message with its
// position, the query, a caret under the position, and the hint; for a
// problem with the whole query (it is empty, or only excludes), the
// message and the hint.
func queryProblem(q string, err error) error {
	var qe *query.Error
	if !errors.As(err, &qe) {
		return err
	}
	// A plain error: main prints it as it is, and exits 1.
	if qe.Pos == 0 {
		return fmt.Errorf("query: %s\n  %s", qe.Error(), qe.Hint)
	}
	// qe.Pos counts from 1; the caret goes under that character, or just
	// after the end.
	runes, pos := []rune(q), qe.Pos-1
	if len(runes) > 200 { // show a window around the position
		from := max(0, min(pos-100, len(runes)-200))
		runes = runes[from : from+200]
		pos -= from
	}
	var shown, caret strings.Builder
	for i, r := range runes {
		// Line breaks and tabs would move the caret off its character:
		// each space shows as one.
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			r = ' '
		}
		shown.WriteRune(r)
		if i < pos {
			caret.WriteString("  "[:columns(r)])
		}
	}
	return fmt.Errorf("query: %s\n  %s\n  %s^\n  %s", qe.Error(), shown.String(), caret.String(), qe.Hint)
}

// columns is how many columns a terminal gives r: none for the marks that
// combine with the character before and for invisible ones (U+200B), two
// for wide characters.
func columns(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case isWide(r):
		return 2
	}
	return 1
}

// isWide reports the characters a terminal shows two columns wide.
func isWide(r rune) bool {
	return r >= 0x1100 && r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF || r >= 0xAC00 && r <= 0xD7A3 ||
		r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFF60 ||
		r >= 0xFFE0 && r <= 0xFFE6 || r >= 0x1F300 && r <= 0x1FAFF || r >= 0x20000 && r <= 0x3FFFD
}
