package main

import (
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/query"
)

// TestMatchTraditional: chorus match finds 联通 in a traditional post whose
// phrases tw2sp reads across the words (中国联信道歉), as listening does.
func TestMatchTraditional(t *testing.T) {
	m, err := query.Compile([]query.Rule{{ID: 1, Query: "联通"}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := runMatch(m, query.Post{}, strings.NewReader("中國聯通道歉\n中國移動道歉\n"), &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "1\n0\n" {
		t.Errorf("chorus match printed %q, want 1 then 0", out.String())
	}
}
