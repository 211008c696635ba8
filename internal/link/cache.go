package link

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Resolved is what the redirect needs of a link, kept in the cache.
type Resolved struct {
	Found       bool
	LinkID      int64
	WorkspaceID int64
	Target      Target
	ExpiresAt   time.Time // zero when it does not expire
	Disabled    bool
	Loc         *time.Location
}

// Active reports whether the link redirects at now.
func (r Resolved) Active(now time.Time) bool {
	return r.Found && !r.Disabled && (r.ExpiresAt.IsZero() || now.Before(r.ExpiresAt))
}

// Cache holds resolved links by code: bounded (least recently used out
// first) and refreshed after a TTL. A change on this node invalidates the
// entry at once; a change on another node sharing the database makes the
// Service mark every entry stale (see Service.Sync), and a stale entry is
// served once more and reloaded in the background. Unknown codes are
// cached too, for a shorter time, so a flood of made-up codes reads the
// database once per code and TTL; they are bounded apart from the links
// (a tenth of max), so that such a flood never pushes a real link out
// and makes its clicks wait for the database.
type Cache struct {
	load    func(ctx context.Context, code string) (Resolved, error)
	max     int
	ttl     time.Duration
	missTTL time.Duration
	now     func() time.Time

	mu    sync.Mutex
	items map[string]*list.Element
	// order holds the links found, misses the unknown codes, each least
	// recently used at the back.
	order, misses *list.List
	maxMisses     int
	// gen counts MarkStale calls; an entry loaded (or begun loading) in an
	// older generation is stale.
	gen uint64
}

type cacheEntry struct {
	code     string
	r        Resolved
	loadedAt time.Time
	gen      uint64
	loading  bool
}

// NewCache returns a cache of up to size links (and a tenth as many
// unknown codes) that loads with load.
func NewCache(size int, ttl time.Duration, load func(ctx context.Context, code string) (Resolved, error)) *Cache {
	if size <= 0 {
		size = 100_000
	}
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	return &Cache{load: load, max: size, ttl: ttl, missTTL: min(ttl, 5*time.Second), now: time.Now,
		items: make(map[string]*list.Element), order: list.New(), misses: list.New(), maxMisses: max(1, size/10)}
}

// listOf is the list an entry of r belongs in, and its bound.
func (c *Cache) listOf(r Resolved) (*list.List, int) {
	if r.Found {
		return c.order, c.max
	}
	return c.misses, c.maxMisses
}

// Get returns the link with code, from memory when it is there. Only a code
// not in memory waits for a load.
func (c *Cache) Get(ctx context.Context, code string) (Resolved, error) {
	now := c.now()
	c.mu.Lock()
	if el, ok := c.items[code]; ok {
		e := el.Value.(*cacheEntry)
		l, _ := c.listOf(e.r)
		l.MoveToFront(el)
		r := e.r
		ttl := c.ttl
		if !r.Found {
			ttl = c.missTTL
		}
		stale := now.Sub(e.loadedAt) > ttl || e.gen != c.gen
		if stale && !e.loading {
			e.loading = true
			go c.refresh(code, c.gen)
		}
		c.mu.Unlock()
		return r, nil
	}
	gen := c.gen
	c.mu.Unlock()
	r, err := c.load(ctx, code)
	if err != nil {
		return Resolved{}, err
	}
	c.put(code, r, gen)
	return r, nil
}

// refresh reloads code; gen is the generation when the load began, so
// that a load that began before a MarkStale leaves the entry stale.
func (c *Cache) refresh(code string, gen uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.load(ctx, code)
	if err != nil {
		c.mu.Lock()
		if el, ok := c.items[code]; ok {
			el.Value.(*cacheEntry).loading = false
		}
		c.mu.Unlock()
		return
	}
	c.put(code, r, gen)
}

func (c *Cache) put(code string, r Resolved, gen uint64) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[code]; ok {
		old, _ := c.listOf(el.Value.(*cacheEntry).r)
		old.Remove(el)
	}
	l, limit := c.listOf(r)
	c.items[code] = l.PushFront(&cacheEntry{code: code, r: r, loadedAt: now, gen: gen})
	for l.Len() > limit {
		last := l.Back()
		l.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).code)
	}
}

// Invalidate forgets code, so the next click loads the link anew.
func (c *Cache) Invalidate(code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[code]; ok {
		l, _ := c.listOf(el.Value.(*cacheEntry).r)
		l.Remove(el)
		delete(c.items, code)
	}
}

// MarkStale makes every entry stale, also those being loaded now: each is
// served once more and reloaded in the background, so that no redirect
// waits for the database.
func (c *Cache) MarkStale() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
}

// Len is the number of cached codes.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len() + c.misses.Len()
}
