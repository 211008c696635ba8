package link

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// memClicks is an in-memory ClickStore with the database's semantics for
// unique claims and salts, for the writer's logic; the store package tests
// the real databases.
type memClicks struct {
	mu     sync.Mutex
	clicks []Click
	claims map[uniqueKey]bool
	salts  map[string]string
	// forgot lists the days of ForgetBefore's calls.
	forgot  []string
	failFor int
	// failLink fails every batch with a click on that link.
	failLink int64
	// goneLink is a deleted link: its clicks are left out.
	goneLink int64
}

func newMemClicks() *memClicks {
	return &memClicks{claims: map[uniqueKey]bool{}, salts: map[string]string{}}
}

func (m *memClicks) WriteClicks(ctx context.Context, cs []Click) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failFor > 0 {
		m.failFor--
		return 0, context.DeadlineExceeded
	}
	for _, c := range cs {
		if m.failLink != 0 && c.LinkID == m.failLink {
			return 0, context.DeadlineExceeded
		}
	}
	stored := 0
	for _, c := range cs {
		if m.goneLink != 0 && c.LinkID == m.goneLink {
			continue
		}
		stored++
		if c.UniqueDay != "" {
			k := uniqueKey{c.LinkID, c.Visitor, c.UniqueDay}
			c.Unique = !m.claims[k]
			m.claims[k] = true
		}
		m.clicks = append(m.clicks, c)
	}
	return stored, nil
}

func (m *memClicks) VisitorSalt(ctx context.Context, day, candidate string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.salts[day]; ok {
		return s, nil
	}
	m.salts[day] = candidate
	return candidate, nil
}

func (m *memClicks) ForgetBefore(ctx context.Context, day string, markBefore time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forgot = append(m.forgot, day)
	return nil
}

func (m *memClicks) all() []Click {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Click(nil), m.clicks...)
}

const chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

func hit(link int64, at time.Time, ip, ua string) Hit {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	return Hit{ClickID: NewClickID(), LinkID: link, WorkspaceID: 1, Loc: shanghai, At: at, Method: "GET", UserAgent: ua, IP: ip,
		Referrer: "https://s.weibo.com/weibo?q=%E8%8C%B6"}
}

func drain(t *testing.T, w *Writer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
}

func TestWriterUniqueClicks(t *testing.T) {
	t.Parallel()
	// 2024-05-01 15:30 UTC is 23:30 in Shanghai; 16:30 UTC is the next
	// day there, though the same UTC day.
	day1 := time.Date(2024, 5, 1, 15, 30, 0, 0, time.UTC)
	day2 := day1.Add(time.Hour)
	st := newMemClicks()
	w := NewWriter(st, WriterOptions{Now: func() time.Time { return day1 }})
	w.Start()
	hits := []Hit{
		hit(1, day1, "203.0.113.5", chromeUA),                  // unique
		hit(1, day1.Add(time.Minute), "203.0.113.5", chromeUA), // same visitor, same day
		hit(2, day1, "203.0.113.5", chromeUA),                  // other link: unique
		hit(1, day1, "203.0.113.6", chromeUA),                  // other visitor: unique
		hit(1, day1, "203.0.113.7", "Twitterbot/1.0"),          // preview: never unique
		hit(1, day2, "203.0.113.5", chromeUA),                  // next Shanghai day: unique again
		hit(1, day2.Add(time.Minute), "203.0.113.5", chromeUA), // and not twice
		hit(1, day2, "203.0.113.5", ""),                        // bot
	}
	for _, h := range hits {
		if !w.Record(h) {
			t.Fatal("Record refused a click with room in the queue")
		}
	}
	drain(t, w)
	got := st.all()
	if len(got) != len(hits) {
		t.Fatalf("stored %d clicks, want %d", len(got), len(hits))
	}
	wantUnique := []bool{true, false, true, true, false, true, false, false}
	wantClass := []Class{Human, Human, Human, Human, Preview, Human, Human, Bot}
	for i, c := range got {
		if c.Unique != wantUnique[i] || c.Class != wantClass[i] {
			t.Errorf("click %d: unique %v class %s, want %v %s", i, c.Unique, c.Class, wantUnique[i], wantClass[i])
		}
		if c.Referrer != "s.weibo.com" {
			t.Errorf("click %d: referrer %q, want the host only", i, c.Referrer)
		}
		if c.Visitor == "" || c.Visitor == "203.0.113.5" {
			t.Errorf("click %d: visitor %q", i, c.Visitor)
		}
	}
	if got[0].Visitor != got[1].Visitor {
		t.Error("the same visitor hashes differently on the same day")
	}
	if got[0].Visitor == got[5].Visitor {
		t.Error("the visitor hash did not rotate with the day's salt")
	}
	if s := w.Stats(); s.Written != uint64(len(hits)) || s.Queued != uint64(len(hits)) || s.Dropped != 0 {
		t.Errorf("stats %+v", s)
	}

	// A new writer (a restart, or another node) remembers nothing but
	// does not count the same visitor again: the claim decides.
	w2 := NewWriter(st, WriterOptions{Now: func() time.Time { return day1 }})
	w2.Start()
	w2.Record(hit(1, day1.Add(2*time.Minute), "203.0.113.5", chromeUA))
	drain(t, w2)
	if last := st.all()[len(hits)]; last.Unique {
		t.Error("a restarted writer counted a visitor twice on the same day")
	}
}

func TestVisitorHash(t *testing.T) {
	t.Parallel()
	a := VisitorHash("salt1", 1, "198.51.100.1", chromeUA)
	tests := []struct {
		name string
		got  string
	}{
		{"other salt", VisitorHash("salt2", 1, "198.51.100.1", chromeUA)},
		{"other workspace", VisitorHash("salt1", 2, "198.51.100.1", chromeUA)},
		{"other ip", VisitorHash("salt1", 1, "198.51.100.2", chromeUA)},
		{"other agent", VisitorHash("salt1", 1, "198.51.100.1", chromeUA+"x")},
	}
	for _, tt := range tests {
		if tt.got == a {
			t.Errorf("%s: same hash", tt.name)
		}
	}
	if VisitorHash("salt1", 1, "198.51.100.1", chromeUA) != a {
		t.Error("hash is not stable")
	}
	if len(a) != 22 {
		t.Errorf("hash %q: want 22 characters", a)
	}
	// Hashes must not change with the code that makes them: a visitor
	// would count as unique twice on the day of an upgrade. The values
	// come from the first implementation, a sha256.New fed part by part.
	for _, tt := range []struct {
		salt   string
		ws     int64
		ip, ua string
		want   string
	}{
		{"salt1", 1, "198.51.100.1", chromeUA, "-gcna93idXKpZXOK8uKVkw"},
		{"salt1", 1234567, "2001:db8::1", strings.Repeat("é", 600), "KtYE7DdTFHmJbytXP6gHTQ"},
	} {
		if got := VisitorHash(tt.salt, tt.ws, tt.ip, tt.ua); got != tt.want {
			t.Errorf("VisitorHash(%q, %d, %q, %d bytes) = %q, want %q", tt.salt, tt.ws, tt.ip, len(tt.ua), got, tt.want)
		}
	}
}

func TestSaltCutoffs(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 3, 12, 0, 0, 0, time.UTC)
	if got, want := SaltCutoff(now), "2024-05-02"; got != want {
		t.Errorf("SaltCutoff = %s, want %s", got, want)
	}
	if got, want := SaltCreatedCutoff(now), time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("SaltCreatedCutoff = %s, want %s", got, want)
	}
}

// TestWriterForgetsRememberedSalts: the writer does not keep in memory the
// salts that the cleanup job deletes from the store, and leaves deleting
// them, the unique keys and the marks to that job: on the first click of a
// day after a busy one, it would hold up the clicks behind it.
func TestWriterForgetsRememberedSalts(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st := newMemClicks()
	// Not started: Process hashes as the writer goroutine would.
	w := NewWriter(st, WriterOptions{Now: clock})
	w.Process(t.Context(), []Hit{hit(1, now, "203.0.113.9", chromeUA)})
	now = now.Add(56 * time.Hour)
	w.Process(t.Context(), []Hit{hit(1, now, "203.0.113.9", chromeUA)})
	if _, ok := w.salts["2024-05-01"]; ok {
		t.Errorf("the writer still remembers the salt of 2024-05-01 at %s: %v", now, w.salts)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.forgot) > 0 {
		t.Errorf("the writer deleted from the store the days before %v", st.forgot)
	}
}

func TestWriterQueueFull(t *testing.T) {
	t.Parallel()
	st := newMemClicks()
	w := NewWriter(st, WriterOptions{QueueSize: 4})
	// Not started: the queue fills and further clicks are dropped, never
	// blocking the caller.
	accepted := 0
	for range 10 {
		if w.Record(hit(1, time.Now(), "203.0.113.1", chromeUA)) {
			accepted++
		}
	}
	if accepted != 4 || w.Stats().Dropped != 6 {
		t.Fatalf("accepted %d, stats %+v; want 4 accepted and 6 dropped", accepted, w.Stats())
	}
	drain(t, w)
	if len(st.all()) != 4 {
		t.Errorf("stored %d, want the 4 queued", len(st.all()))
	}
	if w.Record(hit(1, time.Now(), "203.0.113.1", chromeUA)) {
		t.Error("Record accepted a click after Drain")
	}
}

// TestWriterRetries: a database that refuses batches for a while (here
// four refusals, 1.5 s of pauses, as in a restart) loses no click; one that
// refuses them for longer than RetryFor counts them failed.
func TestWriterRetries(t *testing.T) {
	t.Parallel()
	st := newMemClicks()
	st.failFor = 4
	w := NewWriter(st, WriterOptions{})
	w.Start()
	w.Record(hit(1, time.Now(), "203.0.113.1", chromeUA))
	drain(t, w)
	if len(st.all()) != 1 || w.Stats().Failed != 0 {
		t.Errorf("stored %d, stats %+v: a passing database error lost a click", len(st.all()), w.Stats())
	}

	st = newMemClicks()
	st.failFor = 1000
	w = NewWriter(st, WriterOptions{RetryFor: 250 * time.Millisecond})
	w.Start()
	w.Record(hit(1, time.Now(), "203.0.113.1", chromeUA))
	drain(t, w)
	if s := w.Stats(); len(st.all()) != 0 || s.Failed != 1 || st.failFor > 998 {
		t.Errorf("stored %d, stats %+v, tries %d; want tries at 0 and 0.1 s, then the click failed", len(st.all()), s, 1000-st.failFor)
	}
}

// TestWriterFlushes: a batch of BatchSize clicks is stored at once; a
// smaller one waits for the interval (here an hour: until Drain).
func TestWriterFlushes(t *testing.T) {
	t.Parallel()
	st := newMemClicks()
	w := NewWriter(st, WriterOptions{BatchSize: 3, Interval: time.Hour})
	w.Start()
	record := func(n int) {
		for range n {
			w.Record(hit(1, time.Now(), "203.0.113.1", chromeUA))
		}
	}
	record(3)
	deadline := time.Now().Add(10 * time.Second)
	for len(st.all()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(st.all()); n != 3 {
		t.Fatalf("%d clicks stored of a full batch of 3", n)
	}
	record(2)
	time.Sleep(50 * time.Millisecond)
	if n := len(st.all()); n != 3 {
		t.Errorf("%d clicks stored before the interval, want the full batch's 3", n)
	}
	drain(t, w)
	if n := len(st.all()); n != 5 {
		t.Errorf("%d clicks stored after Drain, want 5", n)
	}
}

func TestShard(t *testing.T) {
	t.Parallel()
	var clicks []Click
	for i, l := range []int64{1, 2, 3, 4, 5, 2} {
		clicks = append(clicks, Click{ClickID: strconv.Itoa(i), LinkID: l})
	}
	ids := func(cs []Click) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ClickID)
		}
		return strings.Join(out, ",")
	}
	for _, tt := range []struct {
		n    int
		want []string
	}{
		{0, []string{"0,1,2,3,4,5"}},
		{1, []string{"0,1,2,3,4,5"}},
		{2, []string{"1,3,5", "0,2,4"}},
		{3, []string{"2", "0,3", "1,4,5"}},
	} {
		var got []string
		for _, p := range Shard(clicks, tt.n) {
			got = append(got, ids(p))
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Shard(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

// TestWriterShards: with two writers, a flush is stored as two
// transactions split by link, each retried and counted on its own; the
// unique keys of the part that failed are not remembered, so its visitors
// are asked for again.
func TestWriterShards(t *testing.T) {
	t.Parallel()
	st := newMemClicks()
	st.failLink = 3
	w := NewWriter(st, WriterOptions{Writers: 2, RetryFor: 50 * time.Millisecond})
	w.Start()
	at := time.Now()
	for _, l := range []int64{1, 2, 3, 4} {
		w.Record(hit(l, at, "203.0.113.1", chromeUA))
		w.Record(hit(l, at, "203.0.113.2", chromeUA))
	}
	drain(t, w)
	for _, c := range st.all() {
		if c.LinkID%2 == 1 {
			t.Errorf("stored a click on link %d, whose part failed", c.LinkID)
		}
	}
	if s := w.Stats(); len(st.all()) != 4 || s.Written != 4 || s.Failed != 4 {
		t.Errorf("stored %d, stats %+v; want the 4 clicks on links 2 and 4 written, the 4 on 1 and 3 failed", len(st.all()), s)
	}
	again := w.Process(context.Background(), []Hit{hit(1, at, "203.0.113.1", chromeUA), hit(2, at, "203.0.113.1", chromeUA)})
	if again[0].UniqueDay == "" || again[1].UniqueDay != "" {
		t.Errorf("unique candidates after the flush: link 1 %q, link 2 %q; want link 1 asked again and link 2 remembered", again[0].UniqueDay, again[1].UniqueDay)
	}
}

// TestWriterDeletedLink: clicks on a link deleted before the flush are
// counted as orphans; the batch's other clicks are written.
func TestWriterDeletedLink(t *testing.T) {
	t.Parallel()
	st := newMemClicks()
	st.goneLink = 2
	w := NewWriter(st, WriterOptions{})
	w.Start()
	at := time.Now()
	for _, l := range []int64{1, 2, 2, 3} {
		w.Record(hit(l, at, "203.0.113.1", chromeUA))
	}
	drain(t, w)
	if s := w.Stats(); len(st.all()) != 2 || s.Written != 2 || s.Orphans != 2 || s.Failed != 0 {
		t.Errorf("stored %d, stats %+v; want 2 written and the 2 on link 2 orphans", len(st.all()), s)
	}
}

func TestCache(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	loads := map[string]int{}
	var mu sync.Mutex
	c := NewCache(2, time.Minute, func(ctx context.Context, code string) (Resolved, error) {
		mu.Lock()
		defer mu.Unlock()
		loads[code]++
		return Resolved{Found: code != "missing", LinkID: int64(len(code))}, nil
	})
	c.now = func() time.Time { return now }
	ctx := context.Background()
	for _, code := range []string{"a", "a", "b", "a", "c", "a"} {
		if _, err := c.Get(ctx, code); err != nil {
			t.Fatal(err)
		}
	}
	if c.Len() != 2 {
		t.Errorf("cache holds %d, want its bound 2", c.Len())
	}
	if loads["a"] != 1 || loads["b"] != 1 || loads["c"] != 1 {
		t.Errorf("loads %v: the recently used entry was evicted or reloaded", loads)
	}
	c.Invalidate("a")
	_, _ = c.Get(ctx, "a")
	if loads["a"] != 2 {
		t.Errorf("Invalidate did not force a reload: %v", loads)
	}
	if r, _ := c.Get(ctx, "missing"); r.Found {
		t.Error("missing code found")
	}
	_, _ = c.Get(ctx, "missing")
	if loads["missing"] != 1 {
		t.Errorf("unknown code not cached: %v", loads)
	}
	// After the TTL the stale entry answers and reloads in the background.
	now = now.Add(2 * time.Minute)
	if r, _ := c.Get(ctx, "a"); !r.Found {
		t.Error("stale entry not served")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := loads["a"]
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stale entry not refreshed: %v", loads)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCacheMissesKeepLinks: a flood of made-up codes is held apart from
// the links, so every link clicked before it is still answered from
// memory after it; the unknown codes are bounded too.
func TestCacheMissesKeepLinks(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	loads := map[string]int{}
	c := NewCache(20, time.Hour, func(ctx context.Context, code string) (Resolved, error) {
		mu.Lock()
		defer mu.Unlock()
		loads[code]++
		return Resolved{Found: strings.HasPrefix(code, "L")}, nil
	})
	ctx := context.Background()
	get := func(code string) {
		t.Helper()
		if _, err := c.Get(ctx, code); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		get(fmt.Sprint("L", i))
	}
	for i := range 1000 {
		get(fmt.Sprint("x", i))
	}
	for i := range 20 {
		get(fmt.Sprint("L", i))
	}
	for i := range 20 {
		if n := loads[fmt.Sprint("L", i)]; n != 1 {
			t.Errorf("link L%d loaded %d times; the made-up codes pushed it out", i, n)
		}
	}
	if c.Len() != 20+2 {
		t.Errorf("cache holds %d entries, want the 20 links and 2 unknown codes", c.Len())
	}
	// A code that turns out to exist after all moves to the links.
	c.Invalidate("x999")
	loads["x999"] = 0
	c.put("x999", Resolved{Found: true}, 0)
	get("x999")
	if c.Len() != 20+1 || loads["x999"] != 0 {
		t.Errorf("after x999 was found: %d entries, %d loads; want 21 (a link evicted for it), 0", c.Len(), loads["x999"])
	}
}

func TestDaily(t *testing.T) {
	t.Parallel()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, shanghai)
	to := from.AddDate(0, 0, 3)
	hourly := []Point{
		{At: time.Date(2024, 4, 30, 16, 0, 0, 0, time.UTC), Counts: Counts{Clicks: 2}}, // 00:00 May 1 in Shanghai
		{At: time.Date(2024, 5, 1, 15, 0, 0, 0, time.UTC), Counts: Counts{Clicks: 3}},  // 23:00 May 1
		{At: time.Date(2024, 5, 1, 16, 0, 0, 0, time.UTC), Counts: Counts{Clicks: 5}},  // 00:00 May 2
	}
	d := Daily(hourly, from, to, shanghai)
	if len(d) != 3 || d[0].Clicks != 5 || d[1].Clicks != 5 || d[2].Clicks != 0 {
		t.Errorf("Daily = %+v", d)
	}
}

// BenchmarkProcess measures the writer's work per click before storage:
// classification, visitor hash, referrer host, unique candidacy. A few
// user agents and referrers make most clicks, as in real traffic; every
// visitor is new.
func BenchmarkProcess(b *testing.B) {
	w := NewWriter(newMemClicks(), WriterOptions{})
	uas := []string{chromeUA,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
		"Mozilla/5.0 (Linux; Android 14; V2303A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 Weibo (vivo-V2303A__weibo__14.3.3__android__android14)",
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}
	refs := []string{"https://s.weibo.com/weibo?q=%E8%8C%B6", "https://mp.weixin.qq.com/s/abc", "", "https://www.xiaohongshu.com/explore/1"}
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	hits := make([]Hit, 1000)
	for i := range hits {
		hits[i] = hit(int64(i%50), at.Add(time.Duration(i)*time.Millisecond), "203.0.113."+strconv.Itoa(i%250), uas[i%len(uas)])
		hits[i].Referrer = refs[i%len(refs)]
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n += len(hits) {
		w.Process(ctx, hits)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/click")
	b.ReportMetric(0, "ns/op")
}

// TestWriterDay: the writer's kept days give the date that formatting
// the instant gives, across midnights, a DST change and instants out of
// order; in zones a half hour from UTC, days begin at the first whole UTC
// hour.
func TestWriterDay(t *testing.T) {
	t.Parallel()
	w := NewWriter(newMemClicks(), WriterOptions{})
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	newYork, _ := time.LoadLocation("America/New_York")
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	stJohns, _ := time.LoadLocation("America/St_Johns")
	tests := []struct {
		name string
		loc  *time.Location
		at   time.Time
		want string // the date formatting gives when empty
	}{
		// Days measured from the first whole UTC hour in them: 00:30 in
		// Kolkata (UTC+05:30) and in St. John's (UTC−02:30 in summer).
		{"kolkata 23:59", kolkata, time.Date(2024, 5, 1, 18, 29, 59, 0, time.UTC), "2024-05-01"},
		{"kolkata 00:10 is the day before's", kolkata, time.Date(2024, 5, 1, 18, 40, 0, 0, time.UTC), "2024-05-01"},
		{"kolkata 00:30", kolkata, time.Date(2024, 5, 1, 19, 0, 0, 0, time.UTC), "2024-05-02"},
		{"kolkata 00:29 on the first of the month", kolkata, time.Date(2024, 5, 31, 18, 59, 0, 0, time.UTC), "2024-05-31"},
		{"st john's 00:15", stJohns, time.Date(2024, 5, 1, 2, 45, 0, 0, time.UTC), "2024-04-30"},
		{"st john's 00:30", stJohns, time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC), "2024-05-01"},
		{"shanghai before midnight", shanghai, time.Date(2024, 5, 1, 15, 59, 59, 999, time.UTC), ""},
		{"shanghai at midnight", shanghai, time.Date(2024, 5, 1, 16, 0, 0, 0, time.UTC), ""},
		{"shanghai back a day", shanghai, time.Date(2024, 5, 1, 15, 0, 0, 0, time.UTC), ""},
		{"utc same instant", time.UTC, time.Date(2024, 5, 1, 15, 0, 0, 0, time.UTC), ""},
		{"new york before DST", newYork, time.Date(2024, 3, 10, 4, 59, 0, 0, time.UTC), ""},
		{"new york DST day", newYork, time.Date(2024, 3, 10, 5, 0, 0, 0, time.UTC), ""},
		{"new york DST day's end", newYork, time.Date(2024, 3, 11, 3, 59, 59, 0, time.UTC), ""},
		{"new york day after DST", newYork, time.Date(2024, 3, 11, 4, 0, 0, 0, time.UTC), ""},
	}
	for _, tt := range tests {
		want := tt.want
		if want == "" {
			want = tt.at.In(tt.loc).Format(time.DateOnly)
		}
		if got := w.day(tt.loc, tt.at); got != want {
			t.Errorf("%s: day = %s, want %s", tt.name, got, want)
		}
	}
}

// TestWriterReferrerHost: the writer's cache of referrer hosts answers as
// ReferrerHost does, also once it has been emptied for being full.
func TestWriterReferrerHost(t *testing.T) {
	t.Parallel()
	w := NewWriter(newMemClicks(), WriterOptions{})
	refs := []string{"https://S.Weibo.com/weibo?q=1", "", "not a url\x7f", "https://mp.weixin.qq.com/"}
	for i := range maxReferrers + 10 {
		r := refs[i%len(refs)]
		if i%2 == 1 {
			r = "https://h" + strconv.Itoa(i) + ".example.com/p"
		}
		if got, want := w.referrerHost(r), ReferrerHost(r); got != want {
			t.Fatalf("referrerHost(%q) = %q, want %q", r, got, want)
		}
	}
	if len(w.refs) > maxReferrers {
		t.Errorf("cache holds %d referrers, bound %d", len(w.refs), maxReferrers)
	}
}

// TestCacheMarkStale: after MarkStale every entry answers once more and
// reloads in the background, and a load that began before MarkStale does
// not make its entry fresh.
func TestCacheMarkStale(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	loads, version := 0, int64(1)
	release := make(chan struct{}, 1)
	block := false
	c := NewCache(10, time.Hour, func(ctx context.Context, code string) (Resolved, error) {
		mu.Lock()
		loads++
		v, wait := version, block
		mu.Unlock()
		if wait {
			<-release
		}
		return Resolved{Found: true, LinkID: v}, nil
	})
	ctx := context.Background()
	get := func() int64 {
		t.Helper()
		r, err := c.Get(ctx, "abc1234")
		if err != nil {
			t.Fatal(err)
		}
		return r.LinkID
	}
	waitLoads := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			got := loads
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d loads, want %d", got, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if first, again := get(), get(); first != 1 || again != 1 {
		t.Fatal("first load not cached")
	}
	// The link changes elsewhere; this node hears of it.
	mu.Lock()
	version, block = 2, true
	mu.Unlock()
	c.MarkStale()
	if v := get(); v != 1 {
		t.Errorf("stale entry: %d, want the old value served once more", v)
	}
	waitLoads(2) // the background reload has begun, and blocks
	// Another change is heard while that reload is under way: the value it
	// brings may predate the change, so the entry must stay stale.
	c.MarkStale()
	mu.Lock()
	version, block = 3, false
	mu.Unlock()
	release <- struct{}{}
	deadline := time.Now().Add(5 * time.Second)
	for get() != 3 {
		if time.Now().After(deadline) {
			t.Fatal("the entry loaded across a MarkStale was taken as fresh")
		}
		time.Sleep(time.Millisecond)
	}
}
