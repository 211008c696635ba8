package main

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen/query"
)

func compileMatch(t *testing.T, q string) *query.Matcher {
	t.Helper()
	m, err := query.Compile([]query.Rule{{ID: 1, Query: q}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMatchTraditional: chorus match finds 联通 in a traditional post whose
// phrases tw2sp reads across the words (中国联信道歉), as listening does.
func TestMatchTraditional(t *testing.T) {
	var out strings.Builder
	if err := runMatch(compileMatch(t, "联通"), query.Post{}, strings.NewReader("中國聯通道歉\n中國移動道歉\n"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if out.String() != "1\n0\n" {
		t.Errorf("chorus match printed %q, want 1 then 0", out.String())
	}
}

// TestMatchLines: every line of the input gets its answer, in its place,
// whatever the line holds; a line longer than a post is read as far as
// the pipeline reads a post.
func TestMatchLines(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a ", maxLineBytes/2)
	tests := []struct {
		name, in, want, warn string
	}{
		{"empty lines", "huawei\n\n\nhuawei\n", "1\n0\n0\n1\n", ""},
		{"crlf", "huawei\r\nx\r\n\r\nhuawei\r\n", "1\n0\n0\n1\n", ""},
		{"last line without a line end", "x\nhuawei", "0\n1\n", ""},
		{"nothing", "", "", ""},
		{"one empty line", "\n", "0\n", ""},
		{"bom", "\ufeffhuawei\nhuawei\n", "1\n1\n", ""},
		{"nul splits words", "hua\x00wei\nhuawei\x00phone\n", "0\n1\n", ""},
		{"invalid utf-8 named once", "huawei\nhuawei \xff\xfe\n\xc8\xab\nhuawei\n", "1\n1\n0\n1\n", "line 2 is not valid UTF-8"},
		{"gbk", "\xbb\xaa\xce\xaa huawei\n", "1\n", "line 1 is not valid UTF-8"},
		{"a line over 1 MB is read to 1 MB", long + "huawei\nhuawei " + long + "\nhuawei\n", "0\n1\n1\n", ""},
		{"a line over 1 MB cut inside a character", strings.Repeat("华", maxLineBytes/3+1) + "\nhuawei\n", "0\n1\n", ""},
	}
	for _, tt := range tests {
		var out, warn strings.Builder
		if err := runMatch(compileMatch(t, "huawei"), query.Post{}, strings.NewReader(tt.in), &out, &warn); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if out.String() != tt.want {
			t.Errorf("%s: printed %q, want %q", tt.name, out.String(), tt.want)
		}
		if tt.warn == "" && warn.Len() > 0 || !strings.Contains(warn.String(), tt.warn) || strings.Count(warn.String(), "\n") > 1 {
			t.Errorf("%s: warned %q, want one line saying %q", tt.name, warn.String(), tt.warn)
		}
	}
}

// TestAnswersReachAPipe: each answer is written as soon as its line is
// read, when no more input waits, so a program talking to the command
// through pipes gets an answer before it sends the next line.
func TestAnswersReachAPipe(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"match", "--query", "huawei"}, {"sentiment"}} {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		root := newRoot(outW, io.Discard)
		root.SetIn(inR)
		root.SetArgs(args)
		done := make(chan error, 1)
		go func() { done <- root.Execute(); outW.Close() }()
		answers := bufio.NewReader(outR)
		for i, line := range []string{"huawei 很好\n", "x\n"} {
			if _, err := io.WriteString(inW, line); err != nil {
				t.Fatal(err)
			}
			got := make(chan string, 1)
			go func() { s, _ := answers.ReadString('\n'); got <- s }()
			select {
			case s := <-got:
				if s == "" {
					t.Fatalf("%v: no answer to line %d", args, i+1)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%v: no answer to line %d while the input stays open", args, i+1)
			}
		}
		inW.Close()
		if err := <-done; err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
}

// TestMatchFlags: --lang and --source give the values stored mentions
// have, or are refused, rather than making every filter fail silently.
func TestMatchFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args      []string
		want, err string
	}{
		{[]string{"--query", "x lang:other", "--lang", "other"}, "1\n", ""},
		{[]string{"--query", "x lang:zh", "--lang", "ZH"}, "1\n", ""},
		{[]string{"--query", "x lang:other", "--lang", "fr"}, "", `--lang "fr"`},
		{[]string{"--query", "x lang:zh", "--lang", "cmn"}, "", `--lang "cmn"`},
		{[]string{"--query", "x source:微博", "--source", "微博"}, "1\n", ""},
		{[]string{"--query", "x source:weibo", "--source", "新浪微博"}, "1\n", ""},
		{[]string{"--query", "x source:weibo", "--source", "Weibo"}, "1\n", ""},
		{[]string{"--query", "x", "--source", "my source!"}, "", `--source "my source!"`},
		{[]string{"--query", "x author:张三", "--author", "@张三"}, "1\n", ""},
	}
	for _, tt := range tests {
		out, err := runIn(t, "x\n", append([]string{"match"}, tt.args...)...)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%v: error %v, want one naming %s", tt.args, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("%v: %v", tt.args, err)
		case out != tt.want:
			t.Errorf("%v: printed %q, want %q", tt.args, out, tt.want)
		}
	}
}

// TestQueryProblem: the caret stands under the character the error is
// about, however the query is written: over wide characters, after line
// breaks and tabs (shown as spaces) and combining accents; a problem of the
// whole query shows no caret.
func TestQueryProblem(t *testing.T) {
	t.Parallel()
	tests := []struct{ q, want string }{
		{"华为 （荣耀 OR 小米", "query: unclosed parenthesis at 4: “（荣耀 OR 小米”\n  华为 （荣耀 OR 小米\n       ^\n"},
		{"华为\n  (荣耀", "query: unclosed parenthesis at 6: “(荣耀”\n  华为   (荣耀\n         ^\n"},
		{"a\t\t(b", "query: unclosed parenthesis at 4: “(b”\n  a  (b\n     ^\n"},
		{"e\u0301\u0301 (x", "query: unclosed parenthesis at 5: “(x”\n  e\u0301\u0301 (x\n    ^\n"},
		{"-广告", "query: query only excludes\n  add a word"},
	}
	for _, tt := range tests {
		_, err := query.Parse(tt.q)
		got := queryProblem(tt.q, err).Error()
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%q:\n%s\nwant it to start with\n%s", tt.q, got, tt.want)
		}
	}
}
