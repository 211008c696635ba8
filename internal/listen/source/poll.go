package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/connector/bluesky"
	"github.com/chorus-hq/chorus/internal/connector/mastodon"
	"github.com/chorus-hq/chorus/internal/connector/weibo"
	"github.com/chorus-hq/chorus/internal/fetch"
	"github.com/chorus-hq/chorus/internal/listen"
)

// Defaults of Options.
const (
	DefaultMaxItems = 200
	maxPages        = 5
)

// overlapWindow is how far before its cursor a poll looks again. Posts
// reach a platform's index late (a remote status federated minutes after
// it was written keeps its author's time and id; a Bluesky or Weibo post
// is searchable a while after its time): without going back, the cursor
// has already passed them. What comes twice is dropped by the pipeline's
// dedup by external id.
const overlapWindow = 10 * time.Minute

// Options configure a Poller.
type Options struct {
	// Fetch makes every request; required.
	Fetch *fetch.Client
	// WeiboBaseURL is the Weibo API's address; weibo.DefaultBaseURL if
	// empty (tests point it at a fake).
	WeiboBaseURL string
	// BlueskyBaseURL is the default Bluesky service when a source names
	// none; bluesky.DefaultBaseURL if empty.
	BlueskyBaseURL string
	// MaxItems bounds the posts of one poll; DefaultMaxItems if 0.
	MaxItems int
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// Poller polls sources. It keeps Bluesky sessions between polls, so one
// Poller should live as long as the process.
type Poller struct {
	opts Options

	mu   sync.Mutex
	bsky map[string]*bluesky.Client
}

// NewPoller returns a poller.
func NewPoller(opts Options) *Poller {
	if opts.Fetch == nil {
		opts.Fetch = fetch.New(fetch.Options{})
	}
	if opts.WeiboBaseURL == "" {
		opts.WeiboBaseURL = weibo.DefaultBaseURL
	}
	if opts.BlueskyBaseURL == "" {
		opts.BlueskyBaseURL = bluesky.DefaultBaseURL
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = DefaultMaxItems
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Poller{opts: opts, bsky: map[string]*bluesky.Client{}}
}

// Fetch returns the poller's HTTP client, whose rules also check
// addresses when a source is saved.
func (p *Poller) Fetch() *fetch.Client { return p.opts.Fetch }

// errCleartext refuses to send a token or app password over plain http,
// where anyone on the way reads it.
var errCleartext = fail(apperr.Invalid, "error.source_https", nil,
	"this address receives the source's token or app password: it must be an https:// address")

// checkSecretURL refuses an http:// address that would receive a secret,
// unless the operator allows private fetching (--allow-private-fetch),
// which is for local servers and tests.
func (p *Poller) checkSecretURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || p.opts.Fetch.Options().AllowPrivate || !strings.EqualFold(u.Scheme, "http") {
		return nil
	}
	return errCleartext
}

// Poll runs one poll of src from its cursor and validators. Errors carry
// an apperr code and key, and a plain message (Describe); a rate-limited
// platform's error has RetryAfter.
func (p *Poller) Poll(ctx context.Context, src listen.Source) (PollResult, error) {
	var (
		res PollResult
		err error
	)
	switch src.Kind {
	case KindRSS:
		res, err = p.pollRSS(ctx, src)
	case KindMastodonTag, KindMastodonSearch:
		res, err = p.pollMastodon(ctx, src)
	case KindBlueskySearch:
		res, err = p.pollBluesky(ctx, src)
	case KindWeiboSearch:
		res, err = p.pollWeibo(ctx, src)
	case KindOwnChannel:
		return PollResult{}, ErrOwnChannel
	case KindWebhook, KindImport:
		return PollResult{}, fail(apperr.Invalid, "error.source_not_polled", nil, "%s sources receive posts; they are not polled", src.Kind)
	default:
		return PollResult{}, fail(apperr.Invalid, "error.source_kind", map[string]any{"Kind": src.Kind}, "unknown source kind %q", src.Kind)
	}
	if err != nil {
		return PollResult{}, fetch.Wrap(err)
	}
	// Each kind keeps to MaxItems itself: a poll cut short here would
	// drop posts its cursor has already moved past.
	for i := range res.Posts {
		res.Posts[i].SourceID = src.ID
		res.Posts[i].SourceKind = src.Kind
	}
	return res, nil
}

// --- RSS and Atom ---

func (p *Poller) pollRSS(ctx context.Context, src listen.Source) (PollResult, error) {
	h := http.Header{}
	h.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
	if src.ETag != "" {
		h.Set("If-None-Match", src.ETag)
	}
	if src.LastModified != "" {
		h.Set("If-Modified-Since", src.LastModified)
	}
	resp, err := p.opts.Fetch.Get(ctx, src.Config[KeyURL], h)
	if err != nil {
		return PollResult{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return PollResult{NotModified: true, ETag: src.ETag, LastModified: src.LastModified, Cursor: src.Cursor}, nil
	}
	if resp.StatusCode >= 300 {
		e := &feedError{Status: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			e.Wait = fetch.RetryAfter(resp.Header.Get("Retry-After"), p.opts.Now())
		}
		return PollResult{}, &apperr.Error{Code: apperr.Unavailable, Key: "error.source_http", Args: map[string]any{"Status": resp.StatusCode}, Err: e}
	}
	body, err := fetch.ReadAll(resp)
	if err != nil {
		return PollResult{}, err
	}
	feed, err := parseFeed(body, resp.Header.Get("Content-Type"))
	if err != nil {
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if ct == "" {
			ct = http.DetectContentType(body)
			ct, _, _ = mime.ParseMediaType(ct)
		}
		if ct == "text/html" || ct == "application/xhtml+xml" || looksHTML(body) || errors.Is(err, errNotJSONFeed) {
			return PollResult{}, fail(apperr.Invalid, "error.source_not_feed", map[string]any{"Got": ct}, "not a feed: got %s", ct)
		}
		return PollResult{}, fail(apperr.Invalid, "error.source_bad_feed", nil, "malformed feed: %v", err)
	}
	res := PollResult{ETag: validator(resp.Header.Get("ETag")), LastModified: validator(resp.Header.Get("Last-Modified")), Cursor: src.Cursor}
	now := p.opts.Now().UTC()
	base := feedBase(feed, resp.Request)
	items := slices.DeleteFunc(slices.Clone(feed.Items), func(it *gofeed.Item) bool { return it == nil })
	for _, it := range items {
		it.Link = resolveLink(base, it.Link)
	}
	shared := sharedIDs(items)
	// A feed over the cap gives its newest items, wherever they stand in
	// it: many feeds list oldest first, and taking the first items would
	// take the same old ones at every poll and never a new one. Undated
	// items count as new (feedPost dates them now); a feed with no
	// dates keeps its own order. Only the items kept become posts.
	if len(items) > p.opts.MaxItems {
		slices.SortStableFunc(items, func(a, b *gofeed.Item) int { return itemTime(b, now).Compare(itemTime(a, now)) })
		items = items[:p.opts.MaxItems]
	}
	for _, it := range items {
		res.Posts = append(res.Posts, feedPost(src.ID, feed, it, now, shared))
	}
	return res, nil
}

// itemTime is when an item was published, as feedPost dates it.
func itemTime(it *gofeed.Item, now time.Time) time.Time {
	switch {
	case it.PublishedParsed != nil:
		return *it.PublishedParsed
	case it.UpdatedParsed != nil:
		return *it.UpdatedParsed
	}
	return now
}

// maxValidator bounds an ETag or Last-Modified kept for the next poll's
// conditional GET: real ones are tens of bytes, and servers refuse a
// request whose headers pass about 8 KB, which would fail every poll
// after, since only a successful poll replaces them.
const maxValidator = 1024

// validator is v when it is short enough to send back, else "".
func validator(v string) string {
	if len(v) > maxValidator {
		return ""
	}
	return v
}

// feedError is a feed's error answer. Wait is how long a 429 or 503 asked
// to be left alone (Retry-After), which the next poll time honours.
type feedError struct {
	Status int
	Wait   time.Duration
}

func (e *feedError) Error() string {
	return fmt.Sprintf("the feed answered HTTP %d %s", e.Status, http.StatusText(e.Status))
}

// RetryAfter is Wait, for source.RetryAfter.
func (e *feedError) RetryAfter() time.Duration { return e.Wait }

// parseFeed parses RSS, Atom or JSON Feed. A feed whose XML declaration
// names no encoding is read in the charset of its Content-Type (GBK feeds
// often say so there only); one that names an encoding is decoded by the
// parser, unless it is valid UTF-8 already: then the declaration is
// wrong (a site moved to UTF-8 and kept encoding="GBK" in its template),
// as a header's label can be, and decoding it again garbled every
// character. Invalid UTF-8 left in a feed that declares no other
// encoding becomes U+FFFD rather than failing the feed.
func parseFeed(body []byte, contentType string) (*gofeed.Feed, error) {
	head := body[:min(len(body), 200)]
	i := bytes.Index(head, []byte("encoding="))
	switch {
	case i < 0:
		body = bytes.ToValidUTF8(fromHeaderCharset(body, contentType), []byte("\uFFFD"))
	case bytes.Contains(bytes.ToLower(head[i:]), []byte("utf-8")):
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	case utf8.Valid(body):
		body = declareUTF8(body, i+len("encoding="))
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err == nil && feed.FeedType == "json" && !strings.Contains(feed.FeedVersion, "jsonfeed.org/version/") {
		return nil, errNotJSONFeed
	}
	return feed, err
}

// declareUTF8 returns body with the quoted encoding name that starts at
// at replaced by utf-8.
func declareUTF8(body []byte, at int) []byte {
	if at >= len(body) || (body[at] != '"' && body[at] != '\'') {
		return body
	}
	end := bytes.IndexByte(body[at+1:], body[at])
	if end < 0 {
		return body
	}
	return slices.Concat(body[:at+1], []byte("utf-8"), body[at+1+end:])
}

// errNotJSONFeed is JSON that is no JSON Feed: gofeed reads any object
// as one, so an API's {"error": …} answered with 200 would be an empty
// feed and the source would look healthy.
var errNotJSONFeed = errors.New("JSON without a JSON Feed version")

// fromHeaderCharset converts body to UTF-8 from the charset contentType
// names. A body that is valid UTF-8 already is left alone, as its label
// is then wrong; so is one whose charset is unknown.
func fromHeaderCharset(body []byte, contentType string) []byte {
	if utf8.Valid(body) {
		return body
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["charset"] == "" {
		return body
	}
	r, err := charset.NewReaderLabel(params["charset"], bytes.NewReader(body))
	if err != nil {
		return body
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return body
	}
	return out
}

// globalID reports whether a feed item's guid names the item wherever it
// is read: an absolute URL, or a tag: or urn: URI (Atom ids). Other guids
// (0, 1, 2, a CMS's post number) are the feed's own and repeat in other
// feeds, where they name other items, so the poll scopes them by source
// (s12:0): mentions are unique by kind and external id in a workspace.
// Items stored with such a bare guid before are still duplicates of the
// same item fetched again, by their content hash.
func globalID(guid string) bool {
	u, err := url.Parse(guid)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "tag", "urn":
		return u.Opaque != ""
	}
	return false
}

func looksHTML(b []byte) bool {
	head := bytes.ToLower(bytes.TrimSpace(b[:min(len(b), 512)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// feedBase is what an item's relative link is relative to: the site the
// feed names when that is a full address, else the feed's own address
// (after redirects).
func feedBase(feed *gofeed.Feed, req *http.Request) *url.URL {
	if u, err := url.Parse(strings.TrimSpace(feed.Link)); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return u
	}
	if req != nil {
		return req.URL
	}
	return nil
}

// resolveLink makes an item's relative link (/post/1) a full address:
// as it was, the mention had no link (only http(s) ones are kept), and
// an item without a guid took it as its id, which other feeds' items
// share.
func resolveLink(base *url.URL, link string) string {
	link = strings.TrimSpace(link)
	u, err := url.Parse(link)
	if link == "" || err != nil || u.IsAbs() || base == nil {
		return link
	}
	return base.ResolveReference(u).String()
}

// sharedIDs are the guids and links that more than one item of a feed
// gives (its home page for every item, a CMS's "0"): they name no one
// item, and taking them as ids dropped all items but the first as its
// duplicates.
func sharedIDs(items []*gofeed.Item) map[string]bool {
	seen := map[string]int{}
	for _, it := range items {
		if it == nil {
			continue
		}
		// One namespace for both: an item's link may be another's guid.
		link := strings.TrimSpace(it.Link)
		seen[it.GUID]++
		if link != it.GUID {
			seen[link]++
		}
	}
	shared := map[string]bool{}
	for id, n := range seen {
		if n > 1 && id != "" {
			shared[id] = true
		}
	}
	return shared
}

// feedPost turns a feed's item into a post. Its id is its guid, else its
// link, unless shared (sharedIDs) names them, else a hash of its title,
// date and text.
func feedPost(sourceID int64, feed *gofeed.Feed, it *gofeed.Item, now time.Time, shared map[string]bool) listen.Post {
	title := StripHTML(it.Title)
	desc := it.Description
	if desc == "" {
		desc = it.Content
	}
	text := title
	if d := StripHTML(desc); d != "" && d != title {
		if text != "" {
			text += "\n"
		}
		text += d
	}
	post := listen.Post{URL: strings.TrimSpace(it.Link), Text: text}
	switch {
	case it.GUID != "" && !shared[it.GUID] && !globalID(it.GUID):
		post.ExternalID = listen.ScopedID(sourceID, it.GUID)
	case it.GUID != "" && !shared[it.GUID]:
		post.ExternalID = it.GUID
	case post.URL != "" && !shared[post.URL]:
		post.ExternalID = post.URL
	default:
		sum := sha256.Sum256([]byte(it.Title + "\x00" + it.Published + "\x00" + desc))
		post.ExternalID = "sha256:" + hex.EncodeToString(sum[:12])
	}
	for _, a := range append(it.Authors, it.Author) {
		if a != nil && (a.Name != "" || a.Email != "") {
			post.Author = strings.TrimSpace(a.Name)
			if post.Author == "" {
				post.Author = a.Email
			}
			break
		}
	}
	if post.Author == "" && it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
		post.Author = it.DublinCoreExt.Creator[0]
	}
	if post.Author == "" && feed.Title != "" {
		post.Author = StripHTML(feed.Title)
	}
	post.PublishedAt = itemTime(it, now).UTC()
	if feed.Language != "" {
		post.Lang = strings.ToLower(feed.Language)
	}
	return post
}

// --- Mastodon ---

// A Mastodon source's cursor is the newest status id polled; or, while
// what was new did not fit in one poll, "since|newest|page": the next
// poll goes on down from that page (a max_id on a tag timeline, an offset
// in search), and moves to the newest id once it reaches the end. Both
// are read newest first, down to the cursor less overlapWindow: search
// answers newest first whatever its parameters, and takes min_id as a
// time filter, not a cursor.
func (p *Poller) pollMastodon(ctx context.Context, src listen.Source) (PollResult, error) {
	c := &mastodon.Client{BaseURL: src.Config[KeyInstance], Token: src.Config[KeyToken], HTTP: p.opts.Fetch.HTTP()}
	if c.Token != "" {
		if err := p.checkSecretURL(c.BaseURL); err != nil {
			return PollResult{}, err
		}
	}
	since, newest, page := splitResume(src.Cursor)
	if page == "" && since != "" {
		newest, since = since, idBefore(since, overlapWindow)
	}
	var res PollResult
	guard := newPageGuard(page)
	for range maxPages {
		limit := min(mastodon.MaxLimit, p.opts.MaxItems-len(res.Posts))
		if limit <= 0 {
			break
		}
		var (
			pg  mastodon.Page
			err error
		)
		if src.Kind == KindMastodonTag {
			pg, err = c.TagTimeline(ctx, src.Config[KeyTag], mastodon.Params{SinceID: since, MaxID: page, Limit: limit})
		} else {
			off, _ := strconv.Atoi(page)
			pg, err = c.SearchStatuses(ctx, src.Config[KeyQuery], mastodon.Params{MinID: since, Offset: off, Limit: limit})
		}
		if err != nil {
			return PollResult{}, err
		}
		ids := make([]string, len(pg.Statuses))
		for i, st := range pg.Statuses {
			res.Posts = append(res.Posts, mastodonPost(st))
			ids[i] = st.ID
			if idGreater(st.ID, newest) {
				newest = st.ID
			}
		}
		// Unreadable statuses count towards a full page: more may follow.
		sent := len(pg.Statuses) + pg.Skipped
		switch {
		case src.Kind == KindMastodonTag && sent == limit && len(pg.Statuses) > 0:
			page = pg.Statuses[len(pg.Statuses)-1].ID
		case src.Kind == KindMastodonSearch && sent > 0:
			// A search page can be short with more after it (statuses
			// deleted since they were indexed): only an empty one ends.
			off, _ := strconv.Atoi(page)
			page = strconv.Itoa(off + limit)
		default:
			page = ""
		}
		if page != "" && !guard.next(page, ids) {
			page = ""
		}
		// The first poll takes the newest page only.
		if page == "" || since == "" {
			break
		}
	}
	res.Cursor = nextCursor(since, newest, page)
	return res, nil
}

// snowflakeStart is 2017-01-01 in Unix milliseconds: Mastodon ids have
// been snowflakes since 2017.
const snowflakeStart = 1483228800000

// idBefore returns the id d before id. Mastodon ids are snowflakes, the
// creation time's Unix milliseconds shifted left 16 bits; an id of
// another form (an old sequential one, Pleroma's or GoToSocial's) is
// returned as it is.
func idBefore(id string, d time.Duration) string {
	n, err := strconv.ParseUint(id, 10, 64)
	back := uint64(d.Milliseconds()) << 16
	if err != nil || n>>16 < snowflakeStart {
		return id
	}
	return strconv.FormatUint(n-back, 10)
}

// idGreater compares Mastodon's numeric string ids.
func idGreater(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// handle is an account name as the platforms write it, @name; a post
// that names no account has no author rather than "@".
func handle(name string) string {
	if name = strings.TrimSpace(name); name == "" {
		return ""
	}
	return "@" + name
}

func mastodonPost(st mastodon.Status) listen.Post {
	s := st
	if st.Reblog != nil {
		s = *st.Reblog
	}
	text := StripHTML(s.Content)
	if s.SpoilerText != "" {
		text = StripHTML(s.SpoilerText) + "\n" + text
	}
	u := s.URL
	if u == "" {
		u = s.URI
	}
	return listen.Post{ExternalID: s.URI, URL: u, Author: handle(s.Account.Acct), AuthorFollowers: s.Account.FollowersCount,
		Text: text, Lang: s.Language, Likes: s.FavouritesCount, Reposts: s.ReblogsCount, Comments: s.RepliesCount,
		PublishedAt: s.CreatedAt.UTC()}
}

// --- Bluesky ---

// blueskyClient returns the cached client of a source's account, so that
// its session lives between polls; new credentials make a new client.
func (p *Poller) blueskyClient(src listen.Source) *bluesky.Client {
	base := src.Config[KeyService]
	if base == "" {
		base = p.opts.BlueskyBaseURL
	}
	sum := sha256.Sum256([]byte(base + "\x00" + src.Config[KeyIdentifier] + "\x00" + src.Config[KeyAppPassword]))
	key := strconv.FormatInt(src.ID, 10) + ":" + hex.EncodeToString(sum[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.bsky[key]; ok {
		return c
	}
	prefix := strconv.FormatInt(src.ID, 10) + ":"
	for k := range p.bsky {
		if strings.HasPrefix(k, prefix) {
			delete(p.bsky, k)
		}
	}
	c := &bluesky.Client{BaseURL: base, Identifier: src.Config[KeyIdentifier], Password: src.Config[KeyAppPassword], HTTP: p.opts.Fetch.HTTP()}
	if src.ID != 0 { // a test run of an unsaved source keeps nothing
		p.bsky[key] = c
	}
	return c
}

// A Bluesky source's cursor is the newest sort time (PostView.SortAt)
// polled; the next search's since is overlapWindow before it. Or, while
// what was new did not fit in one poll, "since|newest|page": the next
// poll goes on from that page of the same search, newest first, so that a
// busy query leaves no gap, and moves to the newest time once it reaches
// the end.
func (p *Poller) pollBluesky(ctx context.Context, src listen.Source) (PollResult, error) {
	c := p.blueskyClient(src)
	if err := p.checkSecretURL(c.BaseURL); err != nil {
		return PollResult{}, err
	}
	since, newestText, page := splitResume(src.Cursor)
	if page == "" && since != "" {
		newestText = since
		if t, err := time.Parse(time.RFC3339Nano, since); err == nil {
			since = t.Add(-overlapWindow).UTC().Format(time.RFC3339Nano)
		}
	}
	newest, _ := time.Parse(time.RFC3339Nano, newestText)
	var res PollResult
	guard := newPageGuard(page)
	for range maxPages {
		// Pages are short when posts are hidden from the account, so
		// the poll asks for no more than its cap leaves.
		limit := min(bluesky.MaxLimit, p.opts.MaxItems-len(res.Posts))
		if limit <= 0 {
			break
		}
		sr, err := c.SearchPosts(ctx, bluesky.SearchParams{Q: src.Config[KeyQuery], Sort: "latest", Since: since, Cursor: page, Limit: limit})
		if err != nil {
			return PollResult{}, err
		}
		ids := make([]string, len(sr.Posts))
		for i, pv := range sr.Posts {
			res.Posts = append(res.Posts, blueskyPost(pv))
			ids[i] = pv.URI
			if at := pv.SortAt(); at.After(newest) {
				newest = at
			}
		}
		if page = sr.Cursor; page != "" && !guard.next(page, ids) {
			page = ""
		}
		// The first poll takes the newest page only.
		if page == "" || since == "" {
			break
		}
	}
	res.Cursor = since
	if !newest.IsZero() {
		res.Cursor = nextCursor(since, newest.UTC().Format(time.RFC3339Nano), page)
	}
	return res, nil
}

// nextCursor is the cursor after a poll that read newest first down to
// since: "since|newest|page" while pages are left, the newest position
// seen once it has reached the end, since when it saw nothing.
func nextCursor(since, newest, page string) string {
	switch {
	case newest == "":
		return since
	case page != "" && since != "":
		return since + "|" + newest + "|" + page
	}
	return newest
}

// splitResume reads a cursor that is either a position alone or
// "position|newest|page", a search still under way.
func splitResume(cursor string) (position, newest, page string) {
	parts := strings.SplitN(cursor, "|", 3)
	if len(parts) != 3 {
		return cursor, "", ""
	}
	return parts[0], parts[1], parts[2]
}

// pageGuard ends a walk through a platform's pages when the platform
// leads it round in a circle: a next-page cursor it has already been
// given, or a page of nothing but posts already read in this poll (a
// server that ignores max_id, offset or page answers the same page
// again). Without it such a source would resume from that page at every
// poll and never read a new post again.
type pageGuard struct {
	pages, ids map[string]bool
}

// newPageGuard starts a walk at page ("" for the newest).
func newPageGuard(page string) *pageGuard {
	return &pageGuard{pages: map[string]bool{page: true}, ids: map[string]bool{}}
}

// next records a page's post ids and says whether to go on to the page
// next names. A page emptied by hidden or deleted posts may go on.
func (g *pageGuard) next(next string, ids []string) bool {
	fresh := len(ids) == 0
	for _, id := range ids {
		if !g.ids[id] {
			fresh = true
			g.ids[id] = true
		}
	}
	if !fresh || g.pages[next] {
		return false
	}
	g.pages[next] = true
	return true
}

func blueskyPost(pv bluesky.PostView) listen.Post {
	post := listen.Post{ExternalID: pv.URI, URL: pv.WebURL(), Author: handle(pv.Author.Handle), Text: strings.ToValidUTF8(pv.Record.Text, "\uFFFD"),
		Likes: pv.LikeCount, Reposts: pv.RepostCount + pv.QuoteCount, Comments: pv.ReplyCount, PublishedAt: pv.IndexedAt.UTC()}
	if at, ok := pv.Record.Created(); ok && !at.IsZero() {
		post.PublishedAt = at.UTC()
	}
	if len(pv.Record.Langs) > 0 {
		post.Lang = pv.Record.Langs[0]
	}
	return post
}

// --- Weibo ---

// weiboFirstWindow is how far back the first poll of a Weibo source looks.
const weiboFirstWindow = 24 * time.Hour

// A Weibo source's cursor is the end of the last time window searched,
// in Unix seconds; the next window starts overlapWindow before it. Or,
// while a window's posts did not fit in one poll, "start|end|page": the
// next poll goes on from that page of the same window.
func (p *Poller) pollWeibo(ctx context.Context, src listen.Source) (PollResult, error) {
	if src.Config[KeyPaidAPI] != "true" {
		return PollResult{}, errWeiboDisabled
	}
	c := &weibo.Client{BaseURL: p.opts.WeiboBaseURL, AccessToken: src.Config[KeyAccessToken], HTTP: p.opts.Fetch.HTTP()}
	end := p.opts.Now().UTC().Truncate(time.Second)
	start := end.Add(-weiboFirstWindow)
	page := 1
	from, to, pageText := splitResume(src.Cursor)
	startUnix, _ := strconv.ParseInt(from, 10, 64)
	endUnix, _ := strconv.ParseInt(to, 10, 64)
	switch {
	case startUnix > 0 && endUnix > 0:
		start, end = time.Unix(startUnix, 0), time.Unix(endUnix, 0)
		page, _ = strconv.Atoi(pageText)
		page = max(page, 1)
	case startUnix > 0:
		start = time.Unix(startUnix, 0).Add(-overlapWindow)
	}
	var res PollResult
	more := false
	count := min(weibo.MaxCount, p.opts.MaxItems)
	guard := newPageGuard(strconv.Itoa(page))
	for range maxPages {
		sr, err := c.SearchLimited(ctx, weibo.SearchParams{Q: src.Config[KeyQuery], StartTime: start, EndTime: end, Count: count, Page: page})
		if err != nil {
			return PollResult{}, err
		}
		ids := make([]string, len(sr.Statuses))
		for i, st := range sr.Statuses {
			post := weiboPost(st)
			res.Posts = append(res.Posts, post)
			ids[i] = post.ExternalID
		}
		// Unreadable statuses count towards a full page: more may follow.
		if more = len(sr.Statuses)+sr.Skipped == count && guard.next(strconv.Itoa(page+1), ids); !more {
			break
		}
		page++
		if len(res.Posts)+count > p.opts.MaxItems {
			break
		}
	}
	res.Cursor = strconv.FormatInt(end.Unix(), 10)
	if more {
		res.Cursor = fmt.Sprintf("%d|%d|%d", start.Unix(), end.Unix(), page)
	}
	return res, nil
}

var errWeiboDisabled = fail(apperr.Invalid, "error.source_weibo_disabled", nil,
	"Weibo search is the paid API: turn on paid_api in the source once the app has been granted search/statuses/limited")

func weiboPost(st weibo.Status) listen.Post {
	// A status without an id has none, not "0", which every other such
	// status would share and be dropped as a duplicate of: the pipeline
	// keys it by its content.
	id := st.IDStr
	if id == "" && st.ID != 0 {
		id = strconv.FormatInt(st.ID, 10)
	}
	post := listen.Post{ExternalID: id, Text: strings.ToValidUTF8(st.Text, "\uFFFD"), Likes: st.AttitudesCount, Reposts: st.RepostsCount, Comments: st.CommentsCount, Lang: "zh"}
	if at, err := st.Created(); err == nil {
		post.PublishedAt = at.UTC()
	}
	if st.User != nil {
		post.Author = st.User.ScreenName
		post.AuthorFollowers = st.User.FollowersCount
		mid := st.MID
		if mid == "" {
			mid = id
		}
		if mid != "" {
			post.URL = "https://weibo.com/" + strconv.FormatInt(st.User.ID, 10) + "/" + mid
		}
	}
	return post
}

// IsNotModified reports whether a poll result is a 304 with nothing new.
func IsNotModified(r PollResult) bool { return r.NotModified }
