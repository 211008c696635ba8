package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBenchListen runs the listening bench on a small made-up corpus in
// both orders and checks that every post is accounted for: stored or a
// duplicate, and every stored one in the mentions table.
func TestBenchListen(t *testing.T) {
	t.Parallel()
	var csv strings.Builder
	csv.WriteString("domain,split,id,label,content\n")
	words := []string{"咖啡", "拿铁", "门店", "排队", "外卖", "包装", "新品", "价格", "服务", "味道"}
	for i := range 60 {
		fmt.Fprintf(&csv, "usual,train,%d,neutral,今天%s和%s都不错，第%d次来\n", i, words[i%len(words)], words[(i*3+1)%len(words)], i)
	}
	corpus := filepath.Join(t.TempDir(), "corpus.csv")
	if err := os.WriteFile(corpus, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	counts := regexp.MustCompile(`(\d+) stored, (\d+) duplicates, \d+ clustered, \d+ matched, (\d+) skipped; (\d+) mention rows`)
	for _, order := range []string{"stream", "random"} {
		t.Run(order, func(t *testing.T) {
			out, err := runIn(t, "", "bench", "listen", "--corpus", corpus, "--posts", "900", "--rules", "12",
				"--batch", "200", "--order", order)
			if err != nil {
				t.Fatal(describe(err))
			}
			if !strings.Contains(out, "900 posts in "+order+" order") {
				t.Errorf("output does not name the order:\n%s", out)
			}
			m := counts.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no counts in the output:\n%s", out)
			}
			n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
			if stored, dups, skipped, rows := n(1), n(2), n(3), n(4); stored+dups+skipped != 900 || rows != stored || stored == 0 {
				t.Errorf("stored %d + duplicates %d + skipped %d, %d rows; want 900 posts, all stored ones in the table", stored, dups, skipped, rows)
			}
		})
	}
	if _, err := runIn(t, "", "bench", "listen", "--corpus", corpus, "--order", "sideways"); err == nil || !strings.Contains(err.Error(), "--order") {
		t.Errorf("unknown order: err %v, want one naming --order", err)
	}
}
