package listen

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen/query"
	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// Bounds of one post: the pipeline reads at most MaxPostBytes of a text
// and stores at most MaxStoredRunes characters of it.
const (
	MaxPostBytes   = 1 << 20
	MaxStoredRunes = 10000
	maxURLs        = 20
	maxURLBytes    = 2048
	maxAuthorRunes = 200
	maxExternalID  = 256
)

// IngestResult counts what Ingest did with a batch: Stored mentions (of
// which Clustered are near-duplicates and copies by other authors kept in
// a repost cluster, and Matched match at least one topic), Duplicates not
// stored (same source id, or same author, normalized text and day of
// publication, as a stored mention) and Skipped posts with no text.
// IDs are the stored mentions' ids, in the order of the posts.
type IngestResult struct {
	Stored     int     `json:"stored"`
	Duplicates int     `json:"duplicates"`
	Clustered  int     `json:"clustered"`
	Matched    int     `json:"matched"`
	Skipped    int     `json:"skipped"`
	IDs        []int64 `json:"-"`
	// sources are the stored mentions' source ids (0 for none), in the
	// order of IDs: what each source brought.
	sources []int64
}

// IngestStats are what this process's Ingest calls did since it started,
// over every workspace: posts received, and of them stored (clustered ones
// included), exact duplicates and skipped; batches that failed stored
// nothing.
type IngestStats struct {
	Batches, FailedBatches                        uint64
	Posts, Stored, Duplicates, Clustered, Skipped uint64
}

type ingestCounters struct {
	batches, failed                               atomic.Uint64
	posts, stored, duplicates, clustered, skipped atomic.Uint64
}

func (c *ingestCounters) add(posts int, res IngestResult, err error) {
	c.batches.Add(1)
	c.posts.Add(uint64(posts))
	if err != nil {
		c.failed.Add(1)
		return
	}
	c.stored.Add(uint64(res.Stored))
	c.duplicates.Add(uint64(res.Duplicates))
	c.clustered.Add(uint64(res.Clustered))
	c.skipped.Add(uint64(res.Skipped))
}

// Stats returns the counts of this process's Ingest calls, for /metrics.
func (s *Service) Stats() IngestStats {
	c := &s.stats
	return IngestStats{Batches: c.batches.Load(), FailedBatches: c.failed.Load(), Posts: c.posts.Load(), Stored: c.stored.Load(),
		Duplicates: c.duplicates.Load(), Clustered: c.clustered.Load(), Skipped: c.skipped.Load()}
}

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// analysed is one post after the parallel stage of the pipeline.
type analysed struct {
	m    Mention
	skip bool
}

// Ingest runs posts through the pipeline and stores them: normalize
// (links set aside), bound the text, match the workspace's topics, detect
// the language, classify sentiment (of the normalized text; a post of
// links only is neutral with scores 0/1/0) — in parallel over the
// service's workers — then, one batch of a workspace at a time, drop exact
// duplicates (same source kind and external id, the id of a pushed or
// imported post scoped by its source or file; or same author, normalized
// text and day), attach near-duplicates and copies (SimHash within
// NearBits, published within NearWindow) to their cluster's first
// mention, and store the batch with its topic matches and hourly roll-ups
// in one transaction; then the pushed sources it names record it as
// their success (Store.RecordPushed). Nothing of the batch is stored when
// it fails, except when only that record failed. Posts
// are untrusted: any bytes are accepted, texts are cut to MaxPostBytes,
// invalid UTF-8 is replaced and control characters dropped; a post without
// text is skipped.
//
// Callers may call Ingest concurrently; the analysis of one batch overlaps
// with the storing of another.
func (s *Service) Ingest(ctx context.Context, ws int64, posts []Post) (IngestResult, error) {
	if len(posts) == 0 {
		return IngestResult{}, nil
	}
	res, err := s.ingest(ctx, ws, posts)
	s.stats.add(len(posts), res, err)
	return res, err
}

func (s *Service) ingest(ctx context.Context, ws int64, posts []Post) (IngestResult, error) {
	a, err := s.applied(ctx, ws)
	if err != nil {
		return IngestResult{}, err
	}
	now := s.now().UTC()
	out := make([]analysed, len(posts))
	s.analyseAll(posts, out, a, now)
	if err := ctx.Err(); err != nil {
		return IngestResult{}, err
	}

	// The stored duplicates are looked up before the batch takes its
	// turn, while another batch is being stored; what that batch stores
	// meanwhile is checked in memory (see dedupAndStore).
	st := s.state(ws)
	st.pending.Add(1)
	defer st.pending.Add(-1)
	k := known{since: st.stored.Load()}
	keys, hashes := exactKeys(out)
	k.keys, k.hashes, err = s.store.KnownMentions(ctx, ws, keys, hashes)
	if err != nil {
		return IngestResult{}, err
	}
	st.ingest.Lock()
	s.storing.Add(1)
	res, err := s.dedupAndStore(ctx, ws, st, out, now, &k)
	if apperr.Is(err, apperr.Conflict) {
		// A mention of the batch was stored meanwhile (another node):
		// look the duplicates up again, once.
		res, err = s.dedupAndStore(ctx, ws, st, out, now, nil)
	}
	s.storing.Add(-1)
	st.ingest.Unlock()
	if err != nil {
		return IngestResult{}, err
	}
	// A pushed source's health is its batches, as a polled source's is
	// its polls: each processed batch is a success of every source it
	// names, and counts the new mentions that source brought.
	fetched := map[int64]int{}
	for i := range posts {
		if id := posts[i].SourceID; id != 0 {
			fetched[id] = 0
		}
	}
	for _, id := range res.sources {
		if id != 0 {
			fetched[id]++
		}
	}
	// The batch is committed, so its alerts are evaluated even when the
	// record below fails: sent again, its posts are known and evaluate
	// nothing.
	if s.AfterIngest != nil && len(res.IDs) > 0 {
		s.AfterIngest(ctx, ws, res.IDs)
	}
	if err := s.store.RecordPushed(ctx, ws, fetched); err != nil {
		// The batch is stored: sent again, it finds its posts known and
		// records the success then.
		return IngestResult{}, err
	}
	return res, nil
}

// analyseAll runs analyse over posts on the service's workers, but one
// while another batch is being stored: storing is serial and the slower
// part, so it keeps a core of its own.
func (s *Service) analyseAll(posts []Post, out []analysed, a applied, now time.Time) {
	workers := s.opt.Workers
	if workers > 1 && s.storing.Load() > 0 {
		workers--
	}
	workers = min(workers, (len(posts)+31)/32)
	if workers <= 1 {
		for i := range posts {
			out[i] = s.analyse(posts[i], a, now)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	const block = 32
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(block)) - block
				if start >= len(posts) {
					return
				}
				for i := start; i < min(start+block, len(posts)); i++ {
					out[i] = s.analyse(posts[i], a, now)
				}
			}
		}()
	}
	wg.Wait()
}

// analyse is the per-post, stateless part of the pipeline.
func (s *Service) analyse(p Post, a applied, now time.Time) analysed {
	text := cleanText(p.Text)
	stored := strings.TrimSpace(cutRunes(text, MaxStoredRunes))
	if stored == "" {
		return analysed{skip: true}
	}
	tn := textnorm.Normalize(text)
	mt := Mention{
		SourceID:        p.SourceID,
		SourceKind:      cleanWord(p.SourceKind, "other"),
		ExternalID:      strings.TrimSpace(cleanText(p.ExternalID)),
		Author:          strings.TrimSpace(cutRunes(cleanText(p.Author), maxAuthorRunes)),
		AuthorFollowers: count(p.AuthorFollowers),
		Text:            stored,
		Likes:           count(p.Likes),
		Reposts:         count(p.Reposts),
		Comments:        count(p.Comments),
		PublishedAt:     p.PublishedAt.UTC().Truncate(time.Microsecond),
		FetchedAt:       now.Truncate(time.Microsecond),
		ClusterSize:     1,
	}
	if u := strings.TrimSpace(p.URL); len(u) <= maxURLBytes && webURL(u) && utf8.ValidString(u) && !hasControl(u) {
		mt.URL = u
	}
	for _, u := range tn.URLs {
		if len(mt.URLs) < maxURLs && len(u) <= maxURLBytes {
			mt.URLs = append(mt.URLs, u)
		}
	}
	if mt.PublishedAt.IsZero() || mt.PublishedAt.After(now.Add(24*time.Hour)) || mt.PublishedAt.Year() < 1990 {
		mt.PublishedAt = mt.FetchedAt
	}
	hashInput := hashInput(tn)
	mt.ContentHash = ContentHash(mt.Author, hashInput, mt.PublishedAt)
	switch {
	case mt.ExternalID == "" || len(mt.ExternalID) > maxExternalID:
		// Keyed as ContentHash is, by the day too: the same text posted
		// again on another day is another post.
		mt.ExternalID = "h:" + ContentHash(mt.Author, mt.ExternalID+"\x00"+hashInput, mt.PublishedAt)
	case mt.SourceID != 0 && localIDs(mt.SourceKind):
		mt.ExternalID = ScopedID(mt.SourceID, mt.ExternalID)
	}
	mt.SimHash = SimHash(tn.Norm)
	mt.Lang = normLang(p.Lang)
	if mt.Lang == "" {
		mt.Lang = DetectLang(tn.Norm)
	}
	if a.matcher != nil {
		mt.TopicIDs = a.matcher.MatchNormalized(query.Post{Text: tn.Norm, Chars: tn.Chars, Lang: mt.Lang, Source: mt.SourceKind, Author: mt.Author})
	}
	// The model reads what the matchers read, links left out: a link's
	// letters are noise to it, and a post of links only is neutral, 0/1/0.
	r := a.model.Classify(tn.Norm)
	mt.Sentiment = r.Label.String()
	mt.PPositive, mt.PNeutral, mt.PNegative = r.Scores.Positive, r.Scores.Neutral, r.Scores.Negative
	return analysed{m: mt}
}

// count keeps a count a polled platform reports within 0 and MaxCount,
// as ValidatePost requires of pushed posts: the insights add counts up.
func count(n int64) int64 { return min(max(n, 0), MaxCount) }

// ScopedID is a source's own numbering of its posts made unique in the
// workspace by the source's id: "s12:1".
func ScopedID(sourceID int64, id string) string {
	return "s" + strconv.FormatInt(sourceID, 10) + ":" + id
}

// localIDs reports the source kinds that say how a post arrived, not where
// it was published: their external ids are the pusher's or the file's own
// numbering (1, 2, 3 …), which another source or file uses again for other
// posts. The pipeline scopes such an id by the post's source (s12:1), and
// ImportFile.Posts by the file when there is no source. (Store migration
// 0023 scoped the ids stored bare before, so they are looked up as they
// are.)
func localIDs(kind string) bool {
	return kind == "webhook" || kind == "import" || kind == "other"
}

// exactSet is a set of keys and content hashes of mentions.
type exactSet struct {
	keys   map[ExactKey]bool
	hashes map[string]bool
}

func (e exactSet) has(key ExactKey, hash string) bool { return e.keys[key] || e.hashes[hash] }

// known is what the store held of a batch's keys and content hashes when
// the batch looked them up, after since batches of the workspace were
// stored.
type known struct {
	exactSet
	since uint64
}

// recentBatches is how many stored batches a workspace remembers for the
// batches that looked their duplicates up meanwhile; a batch that waited
// longer looks them up again.
const recentBatches = 8

// exactKeys returns the keys and content hashes of the posts to look up.
func exactKeys(in []analysed) ([]ExactKey, []string) {
	keys := make([]ExactKey, 0, len(in))
	hashes := make([]string, 0, len(in))
	for i := range in {
		if !in[i].skip {
			keys = append(keys, ExactKey{in[i].m.SourceKind, in[i].m.ExternalID})
			hashes = append(hashes, in[i].m.ContentHash)
		}
	}
	return keys, hashes
}

// dedupAndStore is the serial part: exact and near duplicates, then one
// transaction. The caller holds st.ingest. k holds the duplicates looked
// up before; nil (or too old) looks them up now.
func (s *Service) dedupAndStore(ctx context.Context, ws int64, st *wsState, in []analysed, now time.Time, k *known) (IngestResult, error) {
	if err := s.loadNear(ctx, ws, st, now); err != nil {
		return IngestResult{}, err
	}
	stored := st.stored.Load()
	if k == nil || stored-k.since > uint64(len(st.recent)) {
		k = &known{since: stored}
		keys, hashes := exactKeys(in)
		var err error
		if k.keys, k.hashes, err = s.store.KnownMentions(ctx, ws, keys, hashes); err != nil {
			return IngestResult{}, err
		}
	}
	// The batches stored since the lookup, newest last.
	since := st.recent[len(st.recent)-int(stored-k.since):]
	isKnown := func(key ExactKey, hash string) bool {
		if k.has(key, hash) {
			return true
		}
		for _, b := range since {
			if b.has(key, hash) {
				return true
			}
		}
		return false
	}
	var res IngestResult
	batch := make([]NewMention, 0, len(in))
	seenKeys := make(map[ExactKey]bool, len(in))
	seenHashes := make(map[string]bool, len(in))
	firstNew := len(st.near.entries)
	for i := range in {
		a := &in[i]
		if a.skip {
			res.Skipped++
			continue
		}
		key := ExactKey{a.m.SourceKind, a.m.ExternalID}
		if seenKeys[key] || seenHashes[a.m.ContentHash] || isKnown(key, a.m.ContentHash) {
			res.Duplicates++
			continue
		}
		seenKeys[key], seenHashes[a.m.ContentHash] = true, true
		nm := NewMention{Mention: a.m, ClusterIndex: -1}
		nm.ClusterID, nm.ClusterSize = 0, 1
		if a.m.SimHash != 0 {
			if n := st.near.find(a.m.SimHash, a.m.PublishedAt, s.opt.NearWindow); n >= 0 {
				e := st.near.entries[n]
				if e.id > 0 {
					nm.ClusterID = e.id
				} else {
					nm.ClusterIndex = int(-e.id - 1)
					batch[nm.ClusterIndex].ClusterSize++
				}
				res.Clustered++
			} else {
				st.near.add(-int64(len(batch)+1), a.m.SimHash, a.m.PublishedAt)
			}
		}
		if len(nm.TopicIDs) > 0 {
			res.Matched++
		}
		batch = append(batch, nm)
	}
	if len(batch) == 0 {
		return res, nil
	}
	ids, others, err := s.store.SaveMentions(ctx, ws, batch, NearSync{After: st.nearAfter, Since: now.Add(-s.opt.NearWindow)})
	newEntries := st.near.entries[firstNew:]
	if err != nil {
		for i := range newEntries {
			newEntries[i].id = 0 // tombstone: never stored
		}
		return IngestResult{}, err
	}
	for i := range newEntries {
		if e := &newEntries[i]; e.id < 0 {
			e.id = ids[-e.id-1]
		}
	}
	st.addRoots(others, slices.Max(ids))
	// Remembered only while another batch may have looked up before this
	// commit: one that starts later sees it in the store, or (having read
	// st.stored before the Add) finds too few recent batches and looks up
	// again.
	if st.pending.Load() <= 1 {
		st.recent = nil
	} else {
		if len(st.recent) == recentBatches {
			st.recent = slices.Delete(st.recent, 0, 1)
		}
		st.recent = append(st.recent, exactSet{seenKeys, seenHashes})
	}
	st.stored.Add(1)
	res.Stored, res.IDs = len(batch), ids
	res.sources = make([]int64, len(batch))
	for i := range batch {
		res.sources[i] = batch[i].SourceID
	}
	return res, nil
}

// loadNear brings the workspace's near-duplicate index up to date before
// a batch: built from the store on first use, then given the roots that
// other nodes stored since, and pruned of old roots once an hour.
func (s *Service) loadNear(ctx context.Context, ws int64, st *wsState, now time.Time) error {
	if st.near == nil {
		st.near, st.nearAfter, st.prunedAt = newNearIndex(), 0, now
	}
	roots, last, err := s.store.DedupRoots(ctx, ws, NearSync{After: st.nearAfter, Since: now.Add(-s.opt.NearWindow)})
	if err != nil {
		return err
	}
	st.addRoots(roots, last)
	if now.Sub(st.prunedAt) > time.Hour {
		st.near.prune(now.Add(-s.opt.NearWindow))
		st.prunedAt = now
	}
	return nil
}

// addRoots adds the roots the index has not read yet, and notes that it
// has read the workspace's mentions up to id last.
func (st *wsState) addRoots(roots []DedupEntry, last int64) {
	for _, r := range roots {
		if r.SimHash != 0 && r.ID > st.nearAfter {
			st.near.add(r.ID, r.SimHash, r.PublishedAt)
		}
	}
	st.nearAfter = max(st.nearAfter, last)
}

// cleanText cuts s to MaxPostBytes, replaces invalid UTF-8 and drops
// control characters other than tab and newline (NUL breaks PostgreSQL
// text, the rest breaks terminals and CSV), and the bidi controls that
// force a direction (an author "\u202e服客方官 moc.nalnaix" would read
// "xianlan.com 官方客服" on every page that shows it).
func cleanText(s string) string {
	if len(s) > MaxPostBytes {
		s = s[:MaxPostBytes]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if !hasControl(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r == '\r' {
			return '\n'
		}
		if unicode.IsControl(r) || isBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			return true
		}
		if c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] < 0xa0 { // C1 controls
			return true
		}
		if c == 0xe2 && i+2 < len(s) {
			if r, _ := utf8.DecodeRuneInString(s[i:]); isBidiControl(r) {
				return true
			}
		}
	}
	return false
}

// isBidiControl reports whether r is an explicit embedding, override or
// isolate (U+202A–U+202E, U+2066–U+2069); the marks U+200E and U+200F
// force nothing beyond themselves and stay.
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// cutRunes returns at most n runes of s.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// cleanWord keeps a source kind to lower-case letters, digits and _ (at
// most 32), or def.
func cleanWord(s, def string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if !query.ValidKind(s) {
		return def
	}
	return s
}
