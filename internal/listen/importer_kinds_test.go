package listen

import (
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/textnorm"
	"github.com/chorus-hq/chorus/internal/platform"
)

// TestPlatformKindsInCatalog: the kinds platform names become are the
// catalog's keys, and the names are written as sourceKind looks them up.
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
