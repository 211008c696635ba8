package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/sentiment"
)

// listenBenchOptions are the knobs of chorus bench listen.
type listenBenchOptions struct {
	posts, rules, batch, senders, runs int
	corpus, cpuprofile, order          string
}

// benchSpan is how far back the bench's posts were published.
const benchSpan = 60 * 24 * time.Hour

// benchJitter is how late a post of a live stream may arrive after the
// posts published after it: sources are polled every few minutes and
// search results come back out of order.
const benchJitter = 2 * time.Hour

// benchListenCorpus is the shared Weibo corpus, from the repository's folder.
const benchListenCorpus = "../shared/data/smp2020_ewect/smp2020_ewect_all.csv"

func benchListenCmd() *cobra.Command {
	o := listenBenchOptions{}
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Push posts through the whole listening pipeline into SQLite and measure posts/s, sentiment texts/s and memory",
		Long: "Builds posts from the shared Weibo corpus (repeated with variations: digits, punctuation, brand names,\n" +
			"repost prefixes), creates --rules topic rules, and ingests every post through normalize, dedup, topic\n" +
			"matching, language, sentiment and storage with roll-ups into a new SQLite database in a temporary folder.\n" +
			"Prints posts/s end to end, the sentiment classifier's texts/s on one core, and peak memory.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return benchListen(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.posts, "posts", 500000, "posts to push through the pipeline")
	f.IntVar(&o.rules, "rules", 1000, "topic rules (queries) of the workspace")
	f.IntVar(&o.batch, "batch", 5000, "posts per Ingest call (one transaction each)")
	f.IntVar(&o.senders, "senders", 2, "concurrent Ingest callers, so that analysis overlaps storage")
	f.IntVar(&o.runs, "runs", 1, "runs, each on a new database; the median is reported")
	f.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the runs to this file")
	f.StringVar(&o.order, "order", "stream", "stream: posts arrive in the order they were published over 60 days, up to 2 h late, as from\n"+
		"live sources; random: a 60-day backfill in random order (every batch touches every day's index pages and roll-ups)")
	f.StringVar(&o.corpus, "corpus", benchListenCorpus, "the SMP2020-EWECT CSV (columns domain,split,id,label,content)")
	return cmd
}

func benchListen(ctx context.Context, out io.Writer, o listenBenchOptions) error {
	texts, err := loadBenchCorpus(o.corpus)
	if err != nil {
		return err
	}
	if o.posts < 1 || o.rules < 1 || o.batch < 1 || o.senders < 1 || o.runs < 1 {
		return errors.New("--posts, --rules, --batch, --senders and --runs must be at least 1")
	}
	if o.order != "stream" && o.order != "random" {
		return fmt.Errorf("--order is %q; want stream or random", o.order)
	}
	fmt.Fprintf(out, "corpus %s: %d texts; %d posts in %s order, %d rules, batches of %d, %d senders, GOMAXPROCS %d\n",
		o.corpus, len(texts), o.posts, o.order, o.rules, o.batch, o.senders, runtime.GOMAXPROCS(0))
	if o.cpuprofile != "" {
		pf, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var rates []float64
	for run := 1; run <= o.runs; run++ {
		rate, err := benchListenRun(ctx, out, o, texts, run)
		if err != nil {
			return err
		}
		rates = append(rates, rate)
	}
	sort.Float64s(rates)
	if o.runs > 1 {
		fmt.Fprintf(out, "median of %d runs: %.0f posts/s end to end\n", o.runs, rates[len(rates)/2])
	}
	tps := benchSentiment(texts, 3*time.Second)
	fmt.Fprintf(out, "sentiment alone, one goroutine on one core: %.0f texts/s\n", tps)
	fmt.Fprintf(out, "peak memory: max RSS (VmHWM) %s\n", vmHWM())
	return nil
}

func benchListenRun(ctx context.Context, out io.Writer, o listenBenchOptions, texts []string, run int) (float64, error) {
	tmp, err := os.MkdirTemp("", "chorus-bench-listen-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(tmp, "bench.db")
	a, err := open(ctx, cfg, quiet)
	if err != nil {
		return 0, err
	}
	defer a.close()
	if _, err := a.accounts.CreateUser(ctx, "bench@example.com", "bench", "bench password 123", false); err != nil {
		return 0, err
	}
	ws, err := a.accounts.CreateWorkspace(ctx, account.Workspace{Slug: "bench", Name: "Bench"}, "bench@example.com")
	if err != nil {
		return 0, err
	}
	svc := a.listen
	// Rule words are bigrams of middling frequency (ranks 300 to 1,500):
	// like product names and campaign words, each rule matches a small
	// share of the stream, as real topics do, not half of it.
	words := frequentBigrams(texts, 1500)
	words = words[min(300, len(words)/2):]
	for i, q := range benchRules(o.rules, words) {
		if _, err := svc.CreateTopic(ctx, ws.ID, listen.Topic{Name: fmt.Sprintf("rule %d", i), Kind: "other", Query: q, Enabled: true}); err != nil {
			return 0, fmt.Errorf("rule %d %q: %w", i, q, err)
		}
	}
	m, _, err := svc.Matcher(ctx, ws.ID)
	if err != nil {
		return 0, err
	}
	nr, nt := m.Len()

	var peakHeap, peakSys atomic.Uint64
	stopSampler := make(chan struct{})
	var samplerDone sync.WaitGroup
	samplerDone.Add(1)
	go func() {
		defer samplerDone.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
			if ms.Sys > peakSys.Load() {
				peakSys.Store(ms.Sys)
			}
			select {
			case <-stopSampler:
				return
			case <-t.C:
			}
		}
	}()

	batches := make(chan []listen.Post, o.senders)
	go func() {
		defer close(batches)
		base := time.Now().UTC().Add(-benchSpan)
		rng := rand.New(rand.NewPCG(uint64(run), 7))
		for start := 0; start < o.posts; start += o.batch {
			n := min(o.batch, o.posts-start)
			b := make([]listen.Post, n)
			for k := range b {
				b[k] = benchPost(start+k, texts, rng)
				b[k].PublishedAt = base.Add(benchPublished(start+k, o, rng))
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	var total listen.IngestResult
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	began, cpuBegan := time.Now(), processCPU()
	for range o.senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				res, err := svc.Ingest(ctx, ws.ID, b)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				total.Stored += res.Stored
				total.Duplicates += res.Duplicates
				total.Clustered += res.Clustered
				total.Matched += res.Matched
				total.Skipped += res.Skipped
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(began), processCPU()-cpuBegan
	close(stopSampler)
	samplerDone.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	var rows, matches int64
	_ = a.db.WriteDB().QueryRowContext(ctx, `SELECT COUNT(*) FROM mentions`).Scan(&rows)
	_ = a.db.WriteDB().QueryRowContext(ctx, `SELECT COUNT(*) FROM mention_topics`).Scan(&matches)
	rate := float64(o.posts) / elapsed.Seconds()
	fmt.Fprintf(out, "run %d: %d posts in %s = %.0f posts/s end to end (%d rules, %d distinct terms)\n", run, o.posts, elapsed.Round(time.Millisecond), rate, nr, nt)
	fmt.Fprintf(out, "       %s; %d mention rows, %d topic matches stored\n", total.String(), rows, matches)
	// CPU time a post is steadier than posts/s on a shared machine.
	fmt.Fprintf(out, "       CPU %s = %.0f µs a post, %.2f cores busy on average\n",
		cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(o.posts), cpu.Seconds()/elapsed.Seconds())
	fmt.Fprintf(out, "       peak HeapInuse %s, peak Sys %s\n", mib(peakHeap.Load()), mib(peakSys.Load()))
	return rate, nil
}

// loadBenchCorpus reads the content column of the shared corpus.
func loadBenchCorpus(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the Weibo corpus is not at %s (%w); point --corpus at smp2020_ewect_all.csv of the shared data", path, err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	col := -1
	for i, h := range head {
		if strings.TrimSpace(h) == "content" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("%s has no content column; pass the SMP2020-EWECT CSV with --corpus", path)
	}
	var texts []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if col < len(rec) && strings.TrimSpace(rec[col]) != "" {
			texts = append(texts, rec[col])
		}
	}
	if len(texts) == 0 {
		return nil, fmt.Errorf("%s holds no texts", path)
	}
	return texts, nil
}

// benchBrands are fictional brand names substituted into posts and used in
// rules.
var benchBrands = []string{"闲岚", "橡果", "鲸豆", "谷拾", "云栖", "青禾", "木屿", "星澜", "拾光", "初野", "山岚", "半亩",
	"Acornbrew", "Whalebean", "Grainpick", "Lumio", "Norda", "Kettla", "Brisa", "Pelago", "小熊", "喜茶", "奈雪", "瑞幸",
	"华为", "小米", "OPPO", "vivo", "荣耀", "京东", "淘宝", "拼多多", "美团", "饿了么", "顺丰", "中通", "蔚来", "理想", "小鹏", "比亚迪"}

// frequentBigrams returns the n most frequent pairs of Chinese characters
// of the texts, as rule words.
func frequentBigrams(texts []string, n int) []string {
	counts := map[string]int{}
	for _, t := range texts {
		rs := []rune(t)
		for i := 0; i+1 < len(rs); i++ {
			if unicode.Is(unicode.Han, rs[i]) && unicode.Is(unicode.Han, rs[i+1]) {
				counts[string(rs[i:i+2])]++
			}
		}
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if counts[words[i]] != counts[words[j]] {
			return counts[words[i]] > counts[words[j]]
		}
		return words[i] < words[j]
	})
	return words[:min(n, len(words))]
}

// benchRules writes n topic queries of the shapes people write: brand
// names with aliases, two words together, NEAR, OR with an exclusion and a
// language filter.
func benchRules(n int, words []string) []string {
	out := make([]string, n)
	w := func(i int) string { return words[i%len(words)] }
	for i := range out {
		b := benchBrands[i%len(benchBrands)]
		switch i % 6 {
		case 0:
			out[i] = fmt.Sprintf(`"%s" OR "%s%s"`, b, b, w(i))
		case 1:
			out[i] = fmt.Sprintf(`"%s" "%s"`, w(i), w(i*7+3))
		case 2:
			out[i] = fmt.Sprintf(`"%s" NEAR/8 "%s"`, w(i*3+1), w(i*5+2))
		case 3:
			out[i] = fmt.Sprintf(`("%s" OR "%s") -"%s" lang:zh`, w(i*11+5), w(i*13+7), w(i*17+9))
		case 4:
			out[i] = fmt.Sprintf(`"%s" (%s OR %s)`, b, w(i*19+1), w(i*23+4))
		default:
			out[i] = fmt.Sprintf(`"%s%s" OR "%s%s"`, w(i*29+6), w(i*31+8), b, w(i))
		}
	}
	return out
}

var punctSwap = strings.NewReplacer("，", ",", "。", ".", "！", "!", "？", "?", ",", "，", "!", "！")

// benchPublished is when post i was published, after the start of the
// bench's span.
func benchPublished(i int, o listenBenchOptions, rng *rand.Rand) time.Duration {
	if o.order == "random" {
		return time.Duration(rng.Int64N(int64(benchSpan)))
	}
	at := time.Duration(i) * (benchSpan / time.Duration(o.posts))
	return max(at-time.Duration(rng.Int64N(int64(benchJitter))), 0)
}

// benchPost makes post i from the corpus: its text with variations that
// grow with each pass over the corpus (digits shifted, punctuation
// swapped, a brand name put in, a hashtag, a repost prefix).
func benchPost(i int, texts []string, rng *rand.Rand) listen.Post {
	text := texts[i%len(texts)]
	round := i / len(texts)
	if round > 0 {
		shift := rune('0' + round%10)
		text = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '0' + (r-'0'+shift-'0')%10
			}
			return r
		}, text)
		if round%2 == 1 {
			text = punctSwap.Replace(text)
		}
		text += " #话题" + strconv.Itoa(round) + "#"
	}
	switch rng.IntN(10) {
	case 0, 1, 2:
		rs := []rune(text)
		at := rng.IntN(len(rs) + 1)
		text = string(rs[:at]) + benchBrands[rng.IntN(len(benchBrands))] + string(rs[at:])
	case 3:
		text = "转发微博 //@用户" + strconv.Itoa(rng.IntN(5000)) + ": " + text
	}
	return listen.Post{
		SourceKind:      "weibo",
		ExternalID:      "bench-" + strconv.Itoa(i),
		URL:             "https://weibo.com/" + strconv.Itoa(1000+i%5000) + "/" + strconv.Itoa(i),
		Author:          "用户" + strconv.Itoa(rng.IntN(20000)),
		AuthorFollowers: int64(rng.IntN(100000)),
		Text:            text,
		Likes:           int64(rng.IntN(500)),
		Reposts:         int64(rng.IntN(100)),
		Comments:        int64(rng.IntN(100)),
	}
}

// benchSentiment classifies texts on one goroutine, locked to its thread,
// for about d, and returns texts per second.
func benchSentiment(texts []string, d time.Duration) float64 {
	m := sentiment.Default()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	n := 0
	began := time.Now()
	for time.Since(began) < d {
		for _, t := range texts[:min(len(texts), 5000)] {
			m.Classify(t)
		}
		n += min(len(texts), 5000)
	}
	return float64(n) / time.Since(began).Seconds()
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is the process's peak resident set size, from /proc/self/status.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return mib(uint64(kb) * 1024)
			}
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
