package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/notify"
)

// TestErrorsInCatalog: every reason and hint a notify.Error names has its
// message in every language of the catalog, so that a refusal never
// shows a catalog key on the alert page.
func TestErrorsInCatalog(t *testing.T) {
	c := mustCatalog(t)
	keys := map[string]bool{}
	for _, h := range notify.HintCodes() {
		keys["notify.hint."+h] = true
	}
	files, err := filepath.Glob(filepath.Join("..", "notify", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	// Reason: "x", HintCode: "x", e.HintCode = "x", and e.Hint, e.HintCode = "…", "x".
	named := regexp.MustCompile(`(Reason|HintCode)(?::|\s*=)\s*(?:"[^"]*",\s*)?"([a-z0-9_.]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range named.FindAllStringSubmatch(string(src), -1) {
			prefix := map[string]string{"Reason": "notify.error.", "HintCode": "notify.hint."}[m[1]]
			keys[prefix+m[2]] = true
		}
	}
	if len(keys) < 40 {
		t.Fatalf("found %d keys in notify's errors, want more: %v", len(keys), keys)
	}
	for _, loc := range Locales {
		for key := range keys {
			if c.T(loc, key, nil) == key {
				t.Errorf("%s: %s is not in the catalog", loc, key)
			}
		}
	}
}
