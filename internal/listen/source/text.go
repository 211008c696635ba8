package source

import (
	"strings"

	"golang.org/x/net/html"
)

// blockTags end a line when HTML is turned into text.
var blockTags = map[string]bool{"p": true, "br": true, "div": true, "li": true, "blockquote": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "tr": true, "pre": true, "section": true, "article": true}

// StripHTML turns untrusted HTML into plain text: tags dropped, entities
// decoded, scripts and styles left out, block elements as line breaks,
// runs of spaces collapsed. Invalid UTF-8 becomes U+FFFD.
func StripHTML(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsAny(s, "<&") {
		return collapse(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapse(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case n == "script" || n == "style":
				skip++
			case blockTags[n]:
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case (n == "script" || n == "style") && skip > 0:
				skip--
			case blockTags[n]:
				b.WriteByte('\n')
			}
		}
	}
}

// collapse trims each line and collapses spaces; empty lines go.
func collapse(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
