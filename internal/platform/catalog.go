package platform

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/chorus-hq/chorus/internal/apperr"
)

//go:embed catalog.json
var catalogJSON []byte

// Catalog is the platform catalog Chorus ships with: read-only, shared by
// all workspaces, versioned so that reports can say which figures they used.
// Its methods return copies; a caller cannot change it.
type Catalog struct {
	version   string
	platforms []Platform
	index     map[string]int
}

// catalogFile is the shape of catalog.json.
type catalogFile struct {
	Version   string     `json:"version"`
	Platforms []Platform `json:"platforms"`
}

var loadOnce = sync.OnceValues(func() (*Catalog, error) { return Parse(catalogJSON) })

// Load returns the embedded catalog, parsed and validated once per process.
// An error means the shipped file is broken, a bug caught by this package's
// tests; main should refuse to start.
func Load() (*Catalog, error) { return loadOnce() }

// Parse reads and validates a catalog file. Unknown fields are refused, so a
// typo in the file cannot silently drop a figure. Returns apperr.Invalid
// naming every wrong field, prefixed with the platform's key
// ("platforms[weibo].audience.age").
func Parse(data []byte) (*Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f catalogFile
	if err := dec.Decode(&f); err != nil {
		return nil, apperr.Wrap(fmt.Errorf("platform catalog: %w", err), "parse catalog")
	}
	var fs apperr.Fields
	if f.Version == "" {
		fs.Add("version", "error.required")
	}
	if len(f.Platforms) == 0 {
		fs.Add("platforms", "error.required")
	}
	c := &Catalog{version: f.Version, platforms: f.Platforms, index: make(map[string]int, len(f.Platforms))}
	for i := range f.Platforms {
		p := &f.Platforms[i]
		if _, dup := c.index[p.Key]; dup {
			fs.Add("platforms["+p.Key+"].key", "error.duplicate", "Value", p.Key)
		}
		c.index[p.Key] = i
		fs.Nest("platforms["+p.Key+"].", p.Validate())
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Version is the catalog's version ("2026.11").
func (c *Catalog) Version() string { return c.version }

// Keys returns the platform keys in catalog order.
func (c *Catalog) Keys() []string {
	keys := make([]string, len(c.platforms))
	for i, p := range c.platforms {
		keys[i] = p.Key
	}
	return keys
}

// Has reports whether key is a platform of the catalog; other domains use it
// to check the platform keys they store (persona shares, competitor accounts).
func (c *Catalog) Has(key string) bool {
	_, ok := c.index[key]
	return ok
}

// Name returns a platform's display names as the catalog ships them, and
// false for a key that is not in the catalog. Pages use it to show a
// stored platform key (a persona's share, a link's channel) as a name.
func (c *Catalog) Name(key string) (Text, bool) {
	i, ok := c.index[key]
	if !ok {
		return Text{}, false
	}
	return c.platforms[i].Name, true
}

// Platform returns a copy of one platform. Returns apperr.NotFound for an
// unknown key.
func (c *Catalog) Platform(key string) (Platform, error) {
	i, ok := c.index[key]
	if !ok {
		return Platform{}, apperr.NotFoundf("platform")
	}
	return c.platforms[i].clone(), nil
}

// Platforms returns copies of all platforms in catalog order.
func (c *Catalog) Platforms() []Platform {
	out := slices.Clone(c.platforms)
	for i := range out {
		out[i] = out[i].clone()
	}
	return out
}
