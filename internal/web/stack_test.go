package web

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// stackProblems checks that the table with the id stacks on a phone
// (table.stack): every cell after a row's first, under a column with a
// heading, names that column in its data-label, so that the blocks a
// phone shows say what each figure is. It returns what is wrong.
func stackProblems(t *testing.T, body, id string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	must(t, err)
	table := findNode(doc, func(n *html.Node) bool { return n.Data == "table" && attr(n, "id") == id })
	if table == nil {
		return []string{"no table#" + id}
	}
	var problems []string
	if !strings.Contains(" "+attr(table, "class")+" ", " stack ") {
		problems = append(problems, "table#"+id+" has no class stack: "+attr(table, "class"))
	}
	var heads []string
	rows := 0
	for _, tr := range findAll(table, func(n *html.Node) bool { return n.Data == "tr" }) {
		cells := findAll(tr, func(n *html.Node) bool { return n.Data == "th" || n.Data == "td" })
		if len(cells) > 0 && cells[0].Data == "th" {
			for _, c := range cells {
				// A column of buttons is named for screen readers only; on a
				// phone its buttons need no name before them.
				if findNode(c, func(n *html.Node) bool { return strings.Contains(" "+attr(n, "class")+" ", " visually-hidden ") }) != nil {
					heads = append(heads, "")
					continue
				}
				heads = append(heads, strings.TrimSpace(textOf(c)))
			}
			continue
		}
		if len(cells) == 0 || attr(cells[0], "colspan") != "" {
			continue
		}
		rows++
		for i, c := range cells {
			if i == 0 || i >= len(heads) || heads[i] == "" {
				continue
			}
			if got := attr(c, "data-label"); got != heads[i] {
				problems = append(problems, "table#"+id+": cell "+strings.TrimSpace(textOf(c))+" has data-label "+got+", want "+heads[i])
			}
		}
	}
	if rows == 0 {
		problems = append(problems, "table#"+id+" has no rows to check")
	}
	return problems
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
		out = append(out, findAll(c, match)...)
	}
	return out
}

func findNode(n *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(n, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}
