package link

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chorus-hq/chorus/internal/metric"
)

// Hit is one answered redirect as the handler saw it, queued for the batch
// writer. It holds the client's address only in memory: the writer turns it
// into a visitor hash and forgets it.
type Hit struct {
	ClickID     string
	LinkID      int64
	WorkspaceID int64
	// Loc is the workspace's time zone, whose days (from the first whole
	// UTC hour in each, metric.OnHour) make unique clicks.
	Loc       *time.Location
	At        time.Time
	Method    string
	UserAgent string // cut to MaxUserAgent
	IP        string
	Referrer  string // cut to maxRawReferrer
	Purpose   string
}

// Limits of the raw strings a Hit carries and of stored fields.
const (
	maxRawReferrer = 1024
	maxStored      = 255
)

// Click is a classified click as it is stored.
type Click struct {
	ClickID     string
	WorkspaceID int64
	LinkID      int64
	At          time.Time
	Class       Class
	Visitor     string
	// Day is the workspace's calendar day whose salt hashed Visitor
	// (2006-01-02): a visitor hash means one visitor on that day only.
	Day string
	// UniqueDay is set on a human click whose (link, visitor, day) this
	// writer has not claimed yet: the store claims the key in the same
	// transaction and sets Unique when the claim is new.
	UniqueDay string
	Unique    bool
	// Landed and Engaged are set by the store from marks that arrived
	// before the click was written.
	Landed, Engaged                                bool
	Device, OS, Browser, Referrer, Country, Region string
}

// ClickStore stores clicks and visitor salts.
type ClickStore interface {
	// WriteClicks stores clicks in one transaction: it claims the unique
	// keys of candidates (setting Unique), applies early landing marks,
	// inserts the clicks and adds them to the hourly roll-ups. It leaves
	// out the clicks of links deleted meanwhile and returns how many it
	// stored.
	WriteClicks(ctx context.Context, clicks []Click) (int, error)
	// VisitorSalt returns the salt of day, storing candidate when the day
	// has none yet.
	VisitorSalt(ctx context.Context, day, candidate string) (string, error)
	// ForgetBefore deletes salts and unique keys of days before day, and
	// early marks older than markBefore. The writer leaves that to the
	// periodic cleanup job, off the clicks' path; the demo, whose writer
	// hashes days long past, calls it after.
	ForgetBefore(ctx context.Context, day string, markBefore time.Time) error
}

// Locator finds the country and region of an address; GeoIP implements it.
type Locator interface {
	Locate(ip string) (country, region string)
}

// WriterOptions tune a Writer; the zero value works.
type WriterOptions struct {
	// QueueSize bounds the queue; clicks beyond it are dropped and counted
	// (default 65,536).
	QueueSize int
	// BatchSize is the size that makes the writer flush at once
	// (default 5,000); otherwise it flushes every Interval (default 1 s).
	// Under load a small size costs twice: the clicks that arrive during a
	// flush reach it again at once, so flushes stay near the size, and
	// SQLite stores 500-click transactions at about half the rate per
	// click of 5,000-click ones (BenchmarkWriteClicks).
	BatchSize int
	Interval  time.Duration
	// MaxBatch bounds one flush (default 10,000).
	MaxBatch int
	// Writers is how many transactions store a flush at once, its clicks
	// split by link (default 1). PostgreSQL stores two batches at once
	// faster than one; SQLite has one writer.
	Writers int
	// RetryFor bounds how long a batch the database refuses is tried
	// again before its clicks count as failed (default 15 minutes): a
	// restart, a fail-over or a full disk freed in that time loses no
	// answered click. Meanwhile the queue fills, and clicks beyond it are
	// dropped and counted as when the writer falls behind.
	RetryFor time.Duration
	// UniqueMemory bounds the unique keys remembered to spare database
	// claims (default 1,000,000).
	UniqueMemory int
	Geo          Locator
	Logger       *slog.Logger
	Now          func() time.Time
}

// WriterStats are the writer's counters since start.
type WriterStats struct {
	Queued  uint64 // accepted into the queue
	Dropped uint64 // refused because the queue was full or closed
	Written uint64 // stored
	Failed  uint64 // lost to database errors after RetryFor
	Orphans uint64 // not stored because their link was deleted first
	Pending int    // in the queue now
}

// Writer is the bounded in-process queue of clicks and the batch writer
// that drains it. Record never blocks; the writer classifies the clicks,
// hashes visitors, decides unique clicks and stores them in batches.
//
// Unique clicks: the writer remembers the (link, visitor, day) keys it has
// claimed, in two generations of bounded size, and asks the database only
// for keys it does not remember; the database claim (a primary key in
// click_uniques, in the transaction that stores the click) is what decides,
// so a restart or a second node never counts a visitor twice.
type Writer struct {
	store ClickStore
	opt   WriterOptions
	log   *slog.Logger

	ch     chan Hit
	closed atomic.Bool
	stop   chan struct{}
	done   chan struct{}
	start  sync.Once

	queued, dropped, written, failed, orphans atomic.Uint64

	// Owned by the writer goroutine.
	cls      *Classifier
	days     map[*time.Location]dayRange
	refs     map[string]string // referrer hosts by referrer
	salts    map[string]string
	seen     map[uniqueKey]struct{}
	seenOld  map[uniqueKey]struct{}
	lastDay  string
	batchKey map[uniqueKey]struct{}
}

type uniqueKey struct {
	link    int64
	visitor string
	day     string
}

// NewWriter returns a writer that stores into st; Start runs it.
func NewWriter(st ClickStore, o WriterOptions) *Writer {
	if o.QueueSize <= 0 {
		o.QueueSize = 65536
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 5000
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.MaxBatch < o.BatchSize {
		o.MaxBatch = max(10000, o.BatchSize)
	}
	if o.UniqueMemory <= 0 {
		o.UniqueMemory = 1_000_000
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Writer{
		store: st, opt: o, log: log,
		ch: make(chan Hit, o.QueueSize), stop: make(chan struct{}), done: make(chan struct{}),
		cls: NewClassifier(10000), days: map[*time.Location]dayRange{}, refs: map[string]string{}, salts: map[string]string{},
		seen: map[uniqueKey]struct{}{}, seenOld: map[uniqueKey]struct{}{}, batchKey: map[uniqueKey]struct{}{},
	}
}

// Record queues a click without blocking. It returns false, and counts the
// click as dropped, when the queue is full or the writer is draining.
func (w *Writer) Record(h Hit) bool {
	if w.closed.Load() {
		w.dropped.Add(1)
		return false
	}
	if len(w.ch) > cap(w.ch)/2 {
		// Falling behind: let the writer run before this handler answers.
		// It is one goroutine among the handlers' many, so under a
		// sustained flood it gets too little of the CPU and the queue
		// fills. Yielding waits for no storage. In chorus bench redirect
		// (3 runs of 30 s on one server, 2 cores) it dropped 108k of 1.30M
		// clicks instead of 246k of 1.43M, answering 42.5k req/s instead
		// of 47.3k.
		runtime.Gosched()
	}
	select {
	case w.ch <- h:
		w.queued.Add(1)
		return true
	default:
		w.dropped.Add(1)
		return false
	}
}

// Stats returns the counters.
func (w *Writer) Stats() WriterStats {
	return WriterStats{Queued: w.queued.Load(), Dropped: w.dropped.Load(), Written: w.written.Load(), Failed: w.failed.Load(),
		Orphans: w.orphans.Load(), Pending: len(w.ch)}
}

// Start runs the writer in its own goroutine until Drain.
func (w *Writer) Start() {
	w.start.Do(func() { go w.run() })
}

// Drain stops accepting clicks, writes every queued one and returns when
// they are stored, or when ctx ends (returning its error). Call it after
// the HTTP server has stopped, so no redirect is still answering.
func (w *Writer) Drain(ctx context.Context) error {
	w.Start()
	if w.closed.CompareAndSwap(false, true) {
		close(w.stop)
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Writer) run() {
	defer close(w.done)
	tick := time.NewTicker(w.opt.Interval)
	defer tick.Stop()
	batch := make([]Hit, 0, w.opt.MaxBatch)
	for {
		select {
		case h := <-w.ch:
			batch = append(batch, h)
			batch = w.take(batch)
			if len(batch) >= w.opt.BatchSize {
				w.flush(batch)
				batch = batch[:0]
			}
		case <-tick.C:
			if len(batch) > 0 {
				w.flush(batch)
				batch = batch[:0]
			}
		case <-w.stop:
			for {
				batch = w.take(batch)
				if len(batch) == 0 {
					return
				}
				w.flush(batch)
				batch = batch[:0]
			}
		}
	}
}

// take moves what waits in the queue into batch, up to MaxBatch.
func (w *Writer) take(batch []Hit) []Hit {
	for len(batch) < w.opt.MaxBatch {
		select {
		case h := <-w.ch:
			batch = append(batch, h)
		default:
			return batch
		}
	}
	return batch
}

// The pause before trying a refused batch again doubles from
// firstRetry up to maxRetry.
const (
	firstRetry = 100 * time.Millisecond
	maxRetry   = 5 * time.Second
)

// flush processes hits and stores them, in Writers transactions at once
// (Shard), each retried on its own; the unique keys of the parts stored
// are remembered.
func (w *Writer) flush(hits []Hit) {
	ctx := context.Background()
	parts := Shard(w.Process(ctx, hits), w.opt.Writers)
	stored := make([]bool, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		if len(part) > 0 {
			wg.Go(func() { stored[i] = w.write(ctx, part) })
		}
	}
	wg.Wait()
	for i, part := range parts {
		if !stored[i] {
			continue
		}
		for _, c := range part {
			if c.UniqueDay != "" {
				w.remember(uniqueKey{c.LinkID, c.Visitor, c.UniqueDay})
			}
		}
	}
}

// write stores clicks in one transaction, trying again after a failure
// for up to RetryFor, and counts them written or failed.
func (w *Writer) write(ctx context.Context, clicks []Click) bool {
	began, pause := time.Now(), firstRetry
	for {
		n, err := w.store.WriteClicks(ctx, clicks)
		if err == nil {
			w.written.Add(uint64(n))
			w.orphans.Add(uint64(len(clicks) - n))
			return true
		}
		if time.Since(began)+pause > w.opt.RetryFor {
			w.failed.Add(uint64(len(clicks)))
			w.log.Error("write clicks: giving up", "count", len(clicks), "tried_for", time.Since(began).Round(time.Millisecond), "err", err)
			return false
		}
		w.log.Warn("write clicks: trying again", "count", len(clicks), "in", pause, "err", err)
		time.Sleep(pause)
		pause = min(2*pause, maxRetry)
	}
}

func (w *Writer) remember(k uniqueKey) {
	if len(w.seen) >= w.opt.UniqueMemory/2 {
		w.seenOld = w.seen
		w.seen = make(map[uniqueKey]struct{}, len(w.seenOld))
	}
	w.seen[k] = struct{}{}
}

func (w *Writer) known(k uniqueKey) bool {
	if _, ok := w.seen[k]; ok {
		return true
	}
	_, ok := w.seenOld[k]
	return ok
}

// Process classifies hits into clicks: class, visitor hash, device, OS,
// browser, referrer host, region and unique candidacy. It is the writer's
// work before storage, exported for benchmarks and the demo generator. Not
// safe for concurrent use with a running writer.
func (w *Writer) Process(ctx context.Context, hits []Hit) []Click {
	clicks := make([]Click, len(hits))
	clear(w.batchKey)
	for i, h := range hits {
		loc := h.Loc
		if loc == nil {
			loc = time.UTC
		}
		ua := Truncate(h.UserAgent, MaxUserAgent)
		a := w.cls.Agent(ua)
		class := Classify(Request{Method: h.Method, UserAgent: ua, Purpose: h.Purpose}, a)
		day := w.day(loc, h.At)
		c := Click{
			ClickID: h.ClickID, WorkspaceID: h.WorkspaceID, LinkID: h.LinkID, At: h.At.UTC().Truncate(time.Microsecond),
			Class: class, Visitor: VisitorHash(w.salt(ctx, day), h.WorkspaceID, h.IP, ua), Day: day,
			Device: a.Device, OS: a.OS, Browser: a.Browser, Referrer: w.referrerHost(h.Referrer),
		}
		if w.opt.Geo != nil && h.IP != "" {
			country, region := w.opt.Geo.Locate(h.IP)
			c.Country, c.Region = Truncate(country, 8), Truncate(region, 64)
		}
		if class == Human {
			k := uniqueKey{c.LinkID, c.Visitor, day}
			if _, dup := w.batchKey[k]; !dup && !w.known(k) {
				c.UniqueDay = day
				w.batchKey[k] = struct{}{}
			}
		}
		clicks[i] = c
	}
	return clicks
}

// Shard splits clicks into n parts by link, each in the clicks' order.
// Parts share no link, so no unique key and no roll-up row: a database can
// store them in n transactions at once without their locks meeting.
func Shard(clicks []Click, n int) [][]Click {
	if n <= 1 {
		return [][]Click{clicks}
	}
	parts := make([][]Click, n)
	for _, c := range clicks {
		i := uint64(c.LinkID) % uint64(n)
		parts[i] = append(parts[i], c)
	}
	return parts
}

// dayRange is a day of a location: its date and its instants [start,
// end).
type dayRange struct {
	date       string
	start, end time.Time
}

// day returns the day of at in loc. Most clicks of a batch fall
// on the day of the one before them in their location, whose date is kept
// rather than formatted again.
func (w *Writer) day(loc *time.Location, at time.Time) string {
	if d, ok := w.days[loc]; ok && !at.Before(d.start) && at.Before(d.end) {
		return d.date
	}
	if len(w.days) >= 1024 {
		clear(w.days)
	}
	d := dayOf(loc, at)
	w.days[loc] = d
	return d.date
}

// Day returns the workspace's day (in loc) of a click at at: the day
// whose salt hashes its visitor and whose unique clicks it may be one of.
func Day(loc *time.Location, at time.Time) string { return dayOf(loc, at).date }

func dayOf(loc *time.Location, at time.Time) dayRange {
	y, m, dd := at.In(loc).Date()
	// Days run from the first whole UTC hour in them, as every figure by
	// day is measured (metric.OnHour): from 00:30 in Asia/Kolkata, so that
	// a visitor's clicks at 00:10 and 23:50 are two days' unique clicks,
	// not two in one measured day.
	start := metric.OnHour(time.Date(y, m, dd, 0, 0, 0, 0, loc))
	if at.Before(start) {
		dd--
		start = metric.OnHour(time.Date(y, m, dd, 0, 0, 0, 0, loc))
	}
	return dayRange{date: time.Date(y, m, dd, 0, 0, 0, 0, loc).Format(time.DateOnly), start: start,
		end: metric.OnHour(time.Date(y, m, dd+1, 0, 0, 0, 0, loc))}
}

// maxReferrers bounds the writer's cache of referrer hosts.
const maxReferrers = 4096

// referrerHost is ReferrerHost, cached: browsers send most cross-site
// referrers as a bare origin, so few referrers make most clicks.
func (w *Writer) referrerHost(ref string) string {
	if host, ok := w.refs[ref]; ok {
		return host
	}
	host := ReferrerHost(ref)
	if len(w.refs) >= maxReferrers {
		clear(w.refs)
	}
	w.refs[ref] = host
	return host
}

// salt returns the salt of a calendar day, creating it when the day is
// new. The first salt of a new UTC day also drops the remembered salts of
// days before SaltCutoff; the periodic cleanup job deletes them, and the
// unique keys and early marks, from the store whether clicks come or not.
func (w *Writer) salt(ctx context.Context, day string) string {
	if s, ok := w.salts[day]; ok {
		return s
	}
	s, err := w.store.VisitorSalt(ctx, day, NewSalt())
	if err != nil {
		// Without the stored salt visitors are still hashed, with one that
		// lives in this process for the day; unique counts may then count
		// a visitor once more on another node.
		w.log.Error("visitor salt", "day", day, "err", err)
		s = NewSalt()
	}
	if len(w.salts) > 8 {
		clear(w.salts)
	}
	w.salts[day] = s
	now := w.opt.Now()
	if today := now.UTC().Format(time.DateOnly); today != w.lastDay {
		w.lastDay = today
		cutoff := SaltCutoff(now)
		for d := range w.salts {
			if d < cutoff && d != day {
				delete(w.salts, d)
			}
		}
	}
	return s
}

// SaltLifetime is how long a visitor salt is kept after it is created: it
// is deleted once older than that (METRICS.md: the salt rotated every day
// and old salts deleted).
//
// A salt is created by the first click of its day, which begins in some
// zone, and that day lasts at most 25 hours there (a day that turns the
// clocks back), so the salt outlives its day in that zone by 23 hours or
// more. Salts are keyed by date alone, and the same date is current
// somewhere for up to 50 hours (UTC+14 to UTC−12): only when workspaces
// sit at both ends of that range can a salt go before its day has ended
// in the westernmost one, which then gets a new salt for the last hours of
// its day. Visitors stay anonymous; one may count as unique twice that day.
const SaltLifetime = 48 * time.Hour

// SaltCreatedCutoff is the creation time before which salts are deleted at
// now: SaltLifetime ago.
func SaltCreatedCutoff(now time.Time) time.Time {
	return now.Add(-SaltLifetime)
}

// SaltCutoff is the first day whose salt and unique keys are kept at now:
// the UTC day before today. Every time zone is within a day of UTC, so no
// workspace still hashes with an older salt or claims an older key. Salts
// are also deleted by age (SaltCreatedCutoff), which bounds how long they
// live whatever their day; this cutoff deletes at once the salts that a
// late or replayed click created for a day long past.
func SaltCutoff(now time.Time) string {
	return now.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
}

// MarkLifetime is how long a landing mark that came before its click is
// kept for the click: the writer stores a click within a second, or
// within RetryFor while the database refuses it, so an older mark's click
// is not coming.
const MarkLifetime = time.Hour

// NewSalt returns a random salt.
func NewSalt() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// VisitorHash identifies a visitor for one day without keeping who it is:
// hash(daily salt, workspace, ip, user agent) as METRICS.md defines.
func VisitorHash(salt string, workspaceID int64, ip, ua string) string {
	// One buffer on the stack for a salt, an address and a cut user agent,
	// instead of a hash object and a copy of each part on the heap.
	var buf [128 + MaxUserAgent]byte
	b := append(buf[:0], salt...)
	b = append(b, 0)
	b = strconv.AppendInt(b, workspaceID, 10)
	b = append(b, 0)
	b = append(b, ip...)
	b = append(b, 0)
	b = append(b, ua...)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// ReferrerHost keeps only the host of a referrer URL.
func ReferrerHost(ref string) string {
	if ref == "" {
		return ""
	}
	u, err := url.Parse(Truncate(ref, maxRawReferrer))
	if err != nil {
		return ""
	}
	return Truncate(strings.ToLower(u.Hostname()), maxStored)
}
