package query

import (
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/textnorm"
	"github.com/chorus-hq/chorus/internal/platform"
)

// TestPlatformKindsInCatalog: the kinds platform names become are the
// catalog's keys, and the names are written as SourceKind looks them up.
func TestPlatformKindsInCatalog(t *testing.T) {
	c, err := platform.Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range platformKinds {
		if !c.Has(key) {
			t.Errorf("%s: %q is not a key of the platform catalog", name, key)
		}
		if n := textnorm.Normalize(name).Norm; n != name {
			t.Errorf("%q is looked up as %q", name, n)
		}
	}
}

func TestSourceKind(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, kind string
		ok       bool
	}{
		{"weibo", "weibo", true},
		{" Weibo ", "weibo", true},
		{"新浪微博", "weibo", true},
		{"B站", "bilibili", true},
		{"own_channel", "own_channel", true},
		{"某论坛", "某论坛", false},
		{"", "", false},
		{"a b", "a b", false},
	} {
		if kind, ok := SourceKind(tt.in); kind != tt.kind || ok != tt.ok {
			t.Errorf("SourceKind(%q) = %q, %v; want %q, %v", tt.in, kind, ok, tt.kind, tt.ok)
		}
	}
}
