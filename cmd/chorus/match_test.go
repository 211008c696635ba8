package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestMatchCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		args    []string
		stdin   string
		wantOut string
		wantErr []string
	}{
		{"lines", []string{"match", "--query", "华为 OR huawei -招聘"},
			"华为手机降价\n小米手机\nHUAWEI Mate\n華為招聘工程師\n\n", "1\n0\n1\n0\n0\n", nil},
		{"last line without newline", []string{"match", "-q", "AI"}, "the AI chip\r\nhe SAID", "1\n0\n", nil},
		{"near and width", []string{"match", "-q", "小米 NEAR/4 发热"}, "小米手机有点发热\nｘｉａｏｍｉ\n", "1\n0\n", nil},
		{"filters from flags", []string{"match", "-q", "华为 lang:zh", "--lang", "zh-CN"}, "华为\n", "1\n", nil},
		{"language detected", []string{"match", "-q", "(华为 lang:zh) OR (huawei lang:en)"},
			"华为手机降价了\nhuawei phones are cheaper now\nhuawei prix en baisse\n", "1\n1\n0\n", nil},
		{"language given", []string{"match", "-q", "华为 lang:en", "--lang", "en"}, "华为手机降价了\n", "1\n", nil},
		{"empty input", []string{"match", "-q", "华为"}, "", "", nil},
		{"bad query", []string{"match", "--query", "abc def ghi j (k"}, "x\n", "",
			[]string{"unclosed parenthesis at 15: “(k”", "abc def ghi j (k\n                ^", "add a )"}},
		{"bad query wide caret", []string{"match", "-q", "华为 OR"}, "", "",
			[]string{"OR without a right side at 4: “OR”", "华为 OR\n       ^"}},
		{"bad near counts from 1", []string{"match", "-q", "闲岚 NEAR/x 冷萃"}, "", "",
			[]string{"NEAR needs a number at 4: “NEAR/x”", "闲岚 NEAR/x 冷萃\n       ^"}},
		{"whole query", []string{"match", "-q", "-广告"}, "", "",
			[]string{"query: query only excludes\n  -广告\n  ^"}},
		{"missing query", []string{"match"}, "", "", []string{`"query" not set`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			root := newRoot(&out, &errOut)
			root.SetIn(strings.NewReader(c.stdin))
			root.SetArgs(c.args)
			err := root.ExecuteContext(context.Background())
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("no error; output %q", out.String())
				}
				for _, w := range c.wantErr {
					if !strings.Contains(describe(err), w) {
						t.Errorf("error %q lacks %q", describe(err), w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("error: %s", describe(err))
			}
			if out.String() != c.wantOut {
				t.Errorf("output %q, want %q", out.String(), c.wantOut)
			}
		})
	}
}
