package listen

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/listen/query"
	"github.com/chorus-hq/chorus/internal/listen/sentiment"
	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// Store is what the listening pipeline needs from the database. Every
// method is scoped by workspace: a row of another workspace does not exist.
type Store interface {
	// CreateTopic stores a new topic and returns it with its id and times.
	CreateTopic(ctx context.Context, ws int64, t Topic) (Topic, error)
	// Topic returns one topic. Returns apperr.NotFound.
	Topic(ctx context.Context, ws, id int64) (Topic, error)
	// Topics returns the workspace's topics, oldest first.
	Topics(ctx context.Context, ws int64) ([]Topic, error)
	// ListenVersion counts the changes ever made to the workspace's
	// topics and sentiment model, by any node. Returns apperr.NotFound.
	ListenVersion(ctx context.Context, ws int64) (int64, error)
	// SentimentModel returns the workspace's own sentiment model. Returns
	// apperr.NotFound when it has none.
	SentimentModel(ctx context.Context, ws int64) (SentimentModel, error)
	// SaveSentimentModel stores the workspace's own sentiment model in
	// place of the one before.
	SaveSentimentModel(ctx context.Context, ws int64, m SentimentModel) error
	// UpdateTopic saves a topic's name, kind, query, competitor and
	// enabled flag. Returns apperr.NotFound.
	UpdateTopic(ctx context.Context, ws int64, t Topic) (Topic, error)
	// DeleteTopic removes a topic with its matches and roll-ups. Returns
	// apperr.NotFound.
	DeleteTopic(ctx context.Context, ws, id int64) error
	// WorkspaceName returns the workspace's display name. Returns
	// apperr.NotFound.
	WorkspaceName(ctx context.Context, ws int64) (string, error)

	// DedupRoots returns the cluster roots (mentions that are not
	// near-duplicates of another) stored after mention near.After and
	// published since near.Since, oldest first, and the highest id of the
	// workspace's mentions it saw: the After of the next call.
	DedupRoots(ctx context.Context, ws int64, near NearSync) ([]DedupEntry, int64, error)
	// KnownMentions reports which of the keys (source kind, external id)
	// and content hashes are stored already.
	KnownMentions(ctx context.Context, ws int64, keys []ExactKey, hashes []string) (map[ExactKey]bool, map[string]bool, error)
	// SaveMentions stores a batch in one transaction: the mention rows,
	// their topic matches, the cluster-size increments of their roots and
	// the hourly roll-ups. It returns the new ids in batch order. Returns
	// apperr.Conflict when a mention's (source kind, external id) was
	// stored meanwhile, and then stores nothing.
	//
	// The batches of a workspace are stored one at a time, also by several
	// nodes, each with ids above every mention stored before it. So that
	// a node's near-duplicate index misses nothing another node stored,
	// SaveMentions also returns, as DedupRoots does, the roots stored
	// after near.After and before this batch; the batch's last id is then
	// the After of the next call.
	SaveMentions(ctx context.Context, ws int64, batch []NewMention, near NearSync) ([]int64, []DedupEntry, error)
	// RecordPushed records a processed batch on the pushed sources
	// (webhook, import) among the ones it names: fetched[id] new mentions
	// added to items fetched, the batch their last success even when it
	// brought nothing new. Polled sources keep the health their polls give.
	RecordPushed(ctx context.Context, ws int64, fetched map[int64]int) error
	// Mention returns one mention. Returns apperr.NotFound.
	Mention(ctx context.Context, ws, id int64) (Mention, error)
	// Mentions returns mentions, newest first, by the filter.
	Mentions(ctx context.Context, ws int64, f MentionFilter) ([]Mention, error)
	// SetMentionSentiment sets a mention's label by a person's correction
	// and moves its count in the roll-ups of its topics from the old label
	// to the new one, in one transaction. Returns apperr.NotFound.
	SetMentionSentiment(ctx context.Context, ws, id int64, label string) (Mention, error)
	// Corrections calls fn with the text and label of every corrected
	// mention, oldest first.
	Corrections(ctx context.Context, ws int64, fn func(text, label string) error) error
	// MentionSourceKinds returns the source kinds of the workspace's
	// mentions, in order.
	MentionSourceKinds(ctx context.Context, ws int64) ([]string, error)
}

// NearSync says how far a node's near-duplicate index has read a
// workspace's mentions: every mention up to id After, and the roots
// published since Since, the oldest it keeps.
type NearSync struct {
	After int64
	Since time.Time
}

// ExactKey is a mention's identity at its source.
type ExactKey struct {
	SourceKind string
	ExternalID string
}

// NewMention is one mention of a batch to store. A near-duplicate points
// at its cluster root either by id (ClusterID, stored before) or by
// ClusterIndex, the index in the same batch of a root stored with it (-1
// when none). Roots carry ClusterSize, their own count including
// near-duplicates of the same batch.
type NewMention struct {
	Mention
	ClusterIndex int
}

// MentionFilter selects mentions. Zero values do not filter. Query is a
// plain substring of the text (case-insensitive for Latin letters).
type MentionFilter struct {
	TopicID    int64
	Sentiment  string
	SourceKind string
	Lang       string
	From, To   *time.Time
	Query      string
	Limit      int
	BeforeID   int64
}

// Validate checks the filter's values.
func (f *MentionFilter) Validate() error {
	var fs apperr.Fields
	if f.Sentiment != "" {
		fs.OneOf("sentiment", f.Sentiment, []string{Positive, Neutral, Negative})
	}
	if f.Lang != "" {
		fs.OneOf("lang", f.Lang, []string{LangZH, LangEN, LangOther})
	}
	if f.Limit < 0 || f.Limit > MaxMentionPage {
		fs.Add("limit", "error.range", "Min", 1, "Max", MaxMentionPage)
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		fs.Add("from", "error.listen.period")
	}
	fs.Text("q", f.Query, 200, false)
	return fs.Err()
}

// MaxMentionPage bounds one page of mentions.
const MaxMentionPage = 500

// Rollup is one topic's mentions in one hour (UTC): volume, sentiment
// counts and reach (the sum of the authors' followers).
type Rollup struct {
	TopicID  int64     `json:"topic_id"`
	Hour     time.Time `json:"hour"`
	Volume   int64     `json:"volume"`
	Positive int64     `json:"positive"`
	Neutral  int64     `json:"neutral"`
	Negative int64     `json:"negative"`
	Reach    int64     `json:"reach"`
}

// Brands tells SeedTopics who the brand and its competitors are. Each
// function may be nil.
type Brands struct {
	Competitors func(ctx context.Context, ws int64) ([]brand.Competitor, error)
	Products    func(ctx context.Context, ws int64) ([]brand.Product, error)
}

// Options tune the service; zero values take the defaults.
type Options struct {
	// NearWindow is how far back near-duplicates are looked for (7 days).
	NearWindow time.Duration
	// Workers is the number of goroutines a batch is analysed on
	// (GOMAXPROCS).
	Workers int
	// Model classifies sentiment (sentiment.Default(), loaded on first
	// use).
	Model *sentiment.Model
}

// Service is listening's pipeline and topics: it turns posts from any
// source into stored mentions, and keeps each workspace's topics compiled
// into one matcher.
type Service struct {
	store  Store
	brands Brands
	opt    Options
	now    func() time.Time

	// AfterIngest, when set, is called after each batch is committed with
	// the ids of the mentions it stored (near-duplicates included, exact
	// duplicates not), outside any lock. The alerts evaluate their rules
	// here; it runs on the caller's goroutine, so it should be quick or
	// hand the work to a job. Set it before the first Ingest.
	AfterIngest func(ctx context.Context, ws int64, mentionIDs []int64)

	model func() *sentiment.Model

	storing atomic.Int32 // batches between dedup and commit, of any workspace
	stats   ingestCounters

	mu  sync.Mutex
	wss map[int64]*wsState
}

// wsState is what the service keeps in memory per workspace.
type wsState struct {
	ingest sync.Mutex // one batch at a time through dedup and store

	mu        sync.Mutex // guards applied, version and stale
	applied   applied
	version   int64 // the store's listen version applied was built at
	stale     bool
	near      *nearIndex // nil until loaded; guarded by ingest
	nearAfter int64      // the mentions the index has read, by id; guarded by ingest
	prunedAt  time.Time
	pending   atomic.Int32  // Ingest calls between their lookup of duplicates and their commit
	stored    atomic.Uint64 // batches stored; written under ingest
	recent    []exactSet    // what the last stored batches added, newest last; guarded by ingest
}

// NewService returns the listening service over store.
func NewService(store Store, brands Brands, opt Options) *Service {
	if opt.NearWindow <= 0 {
		opt.NearWindow = 7 * 24 * time.Hour
	}
	if opt.Workers <= 0 {
		opt.Workers = defaultWorkers()
	}
	s := &Service{store: store, brands: brands, opt: opt, now: time.Now, wss: map[int64]*wsState{}}
	s.model = sync.OnceValue(func() *sentiment.Model {
		if opt.Model != nil {
			return opt.Model
		}
		return sentiment.Default()
	})
	return s
}

// SetClock replaces the clock (for tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) state(ws int64) *wsState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.wss[ws]
	if !ok {
		st = &wsState{stale: true}
		s.wss[ws] = st
	}
	return st
}

// invalidate makes the next Ingest rebuild the workspace's matcher.
func (s *Service) invalidate(ws int64) {
	st := s.state(ws)
	st.mu.Lock()
	st.stale = true
	st.mu.Unlock()
}

// applied is what the pipeline applies to a workspace's posts: its
// enabled topics compiled into one matcher, and its sentiment model.
type applied struct {
	matcher *query.Matcher
	topics  []Topic
	model   *sentiment.Model
	// own describes the workspace's own model (without its data); a zero
	// CreatedAt means the built-in one.
	own SentimentModel
}

// Matcher returns the workspace's compiled matcher over its enabled
// topics. Topics whose stored query no longer compiles are left out.
func (s *Service) Matcher(ctx context.Context, ws int64) (*query.Matcher, []Topic, error) {
	a, err := s.applied(ctx, ws)
	return a.matcher, a.topics, err
}

// applied returns what the pipeline applies to the workspace's posts,
// rebuilt when its topics or model changed, here or on another node: the
// store's listen version tells, one number read per call.
func (s *Service) applied(ctx context.Context, ws int64) (applied, error) {
	st := s.state(ws)
	st.mu.Lock()
	defer st.mu.Unlock()
	// Read before the topics and the model: a change made after this read
	// is seen by the next call.
	version, err := s.store.ListenVersion(ctx, ws)
	if err != nil {
		return applied{}, err
	}
	if !st.stale && st.applied.matcher != nil && version == st.version {
		return st.applied, nil
	}
	topics, err := s.store.Topics(ctx, ws)
	if err != nil {
		return applied{}, err
	}
	var rules []query.Rule
	var used []Topic
	for _, t := range topics {
		if !t.Enabled {
			continue
		}
		if _, err := query.Parse(t.Query); err != nil {
			continue
		}
		rules = append(rules, query.Rule{ID: t.ID, Query: t.Query})
		used = append(used, t)
	}
	m, err := query.Compile(rules)
	if err != nil {
		return applied{}, apperr.Wrap(err, "compile topics")
	}
	a := applied{matcher: m, topics: used, model: st.applied.model, own: st.applied.own}
	if err := s.loadModel(ctx, ws, &a); err != nil {
		return applied{}, err
	}
	st.applied, st.version, st.stale = a, version, false
	return a, nil
}

// loadModel sets a's model to the workspace's own, decoding it only when
// it is not the one a holds, or to the built-in model when it has none.
func (s *Service) loadModel(ctx context.Context, ws int64, a *applied) error {
	own, err := s.store.SentimentModel(ctx, ws)
	switch {
	case apperr.Is(err, apperr.NotFound):
		a.model, a.own = s.model(), SentimentModel{}
		return nil
	case err != nil:
		return err
	case a.model != nil && own.CreatedAt.Equal(a.own.CreatedAt):
		return nil
	}
	m, err := sentiment.Load(bytes.NewReader(own.Data))
	if err != nil {
		return apperr.Wrap(err, "load the workspace's sentiment model")
	}
	own.Data = nil
	a.model, a.own = m, own
	return nil
}

// validateTopic checks a topic; the query's parse error carries its
// position and hint.
func validateTopic(t *Topic) error {
	var fs apperr.Fields
	t.Name = strings.TrimSpace(t.Name)
	fs.Text("name", t.Name, 100, true)
	if t.Kind == "" {
		t.Kind = "other"
	}
	fs.OneOf("kind", t.Kind, TopicKinds)
	if strings.TrimSpace(t.Query) == "" {
		fs.Add("query", "error.required")
	} else if _, err := query.Parse(t.Query); err != nil {
		var qe *query.Error
		if errors.As(err, &qe) {
			fs = append(fs, apperr.FieldError{Field: "query", Key: qe.Key, Args: qe.Args()})
		} else {
			fs.Add("query", "error.invalid")
		}
	}
	return fs.Err()
}

// checkCompetitor adds to err (validateTopic's) that t names a competitor
// the workspace does not have, unless it is was, the competitor_id the
// stored topic has (0 for a new one): a topic whose competitor was
// deleted since can still be edited. An id of another workspace's
// competitor would otherwise group the topic with nothing in share of
// voice, and be linked again to whatever later takes that id.
func (s *Service) checkCompetitor(ctx context.Context, ws int64, t Topic, was int64, err error) error {
	if t.CompetitorID == 0 || t.CompetitorID == was {
		return err
	}
	if t.CompetitorID > 0 && s.brands.Competitors != nil {
		cs, cerr := s.brands.Competitors(ctx, ws)
		if cerr != nil {
			return cerr
		}
		for _, c := range cs {
			if c.ID == t.CompetitorID {
				return err
			}
		}
	}
	var fs apperr.Fields
	fs.Nest("", err)
	fs.Add("competitor_id", "error.listen.unknown_competitor", "Value", t.CompetitorID)
	return fs.Err()
}

// CreateTopic validates and stores a topic. Returns apperr.Invalid with a
// field "query" carrying Pos, Near and Hint when the query does not parse,
// and with "competitor_id" when the workspace has no such competitor.
func (s *Service) CreateTopic(ctx context.Context, ws int64, t Topic) (Topic, error) {
	if err := s.checkCompetitor(ctx, ws, t, 0, validateTopic(&t)); err != nil {
		return Topic{}, err
	}
	out, err := s.store.CreateTopic(ctx, ws, t)
	if err == nil {
		s.invalidate(ws)
	}
	return out, err
}

// Topic returns one topic. Returns apperr.NotFound.
func (s *Service) Topic(ctx context.Context, ws, id int64) (Topic, error) {
	return s.store.Topic(ctx, ws, id)
}

// Topics returns the workspace's topics.
func (s *Service) Topics(ctx context.Context, ws int64) ([]Topic, error) {
	return s.store.Topics(ctx, ws)
}

// UpdateTopic validates and saves a topic. Returns apperr.NotFound or
// apperr.Invalid; a competitor_id is checked as CreateTopic does unless
// the stored topic has it already.
func (s *Service) UpdateTopic(ctx context.Context, ws int64, t Topic) (Topic, error) {
	old, err := s.store.Topic(ctx, ws, t.ID)
	if err != nil {
		return Topic{}, err
	}
	if err := s.checkCompetitor(ctx, ws, t, old.CompetitorID, validateTopic(&t)); err != nil {
		return Topic{}, err
	}
	out, err := s.store.UpdateTopic(ctx, ws, t)
	if err == nil {
		s.invalidate(ws)
	}
	return out, err
}

// DeleteTopic removes a topic. Returns apperr.NotFound.
func (s *Service) DeleteTopic(ctx context.Context, ws, id int64) error {
	err := s.store.DeleteTopic(ctx, ws, id)
	if err == nil {
		s.invalidate(ws)
	}
	return err
}

// SeedResult is what SeedTopics did.
type SeedResult struct {
	Created []Topic `json:"created"`
	Topics  []Topic `json:"topics"`
}

// SeedTopics creates the topics a workspace starts listening with: one for
// the brand (its name from the workspace name, without a parenthesised
// remark such as "（演示）", plus the brand word its product names share)
// and one per competitor from its name, aliases and keywords. Topics that
// exist already (the brand topic, a competitor's topic) are kept as they
// are, so calling it again creates only what is missing.
func (s *Service) SeedTopics(ctx context.Context, ws int64) (SeedResult, error) {
	existing, err := s.store.Topics(ctx, ws)
	if err != nil {
		return SeedResult{}, err
	}
	hasBrand := false
	hasCompetitor := map[int64]bool{}
	for _, t := range existing {
		if t.Kind == "brand" {
			hasBrand = true
		}
		if t.CompetitorID != 0 {
			hasCompetitor[t.CompetitorID] = true
		}
	}
	var want []Topic
	if !hasBrand {
		name, err := s.store.WorkspaceName(ctx, ws)
		if err != nil {
			return SeedResult{}, err
		}
		terms := nameTerms(name, false)
		if s.brands.Products != nil {
			ps, err := s.brands.Products(ctx, ws)
			if err != nil {
				return SeedResult{}, err
			}
			names := make([]string, len(ps))
			for i, p := range ps {
				names[i] = p.Name
			}
			if w := commonBrandWord(names); w != "" {
				terms = append(terms, w)
			}
		}
		if q := termsQuery(terms, nil); q != "" {
			want = append(want, Topic{Name: displayName(name), Kind: "brand", Query: q, Enabled: true})
		}
	}
	if s.brands.Competitors != nil {
		cs, err := s.brands.Competitors(ctx, ws)
		if err != nil {
			return SeedResult{}, err
		}
		for _, c := range cs {
			if hasCompetitor[c.ID] {
				continue
			}
			terms := nameTerms(c.Name, true)
			for _, a := range c.Aliases {
				terms = append(terms, nameTerms(a, true)...)
			}
			if q := termsQuery(terms, c.Keywords); q != "" {
				want = append(want, Topic{Name: displayName(c.Name), Kind: "competitor", Query: q, CompetitorID: c.ID, Enabled: true})
			}
		}
	}
	var res SeedResult
	for _, t := range want {
		created, err := s.CreateTopic(ctx, ws, t)
		if err != nil {
			return SeedResult{}, err
		}
		res.Created = append(res.Created, created)
	}
	if res.Topics, err = s.store.Topics(ctx, ws); err != nil {
		return SeedResult{}, err
	}
	if res.Created == nil {
		res.Created = []Topic{}
	}
	return res, nil
}

var parenRE = regexp.MustCompile(`[（(]([^（）()]*)[）)]`)

// nameTerms splits a name such as "橡果冷萃（Acornbrew）" into its terms:
// the name without the parentheses and, when keepParens or the
// parenthesised part is Latin (a brand's other spelling), that part too.
func nameTerms(name string, keepParens bool) []string {
	var terms []string
	for _, m := range parenRE.FindAllStringSubmatch(name, -1) {
		inner := strings.TrimSpace(m[1])
		if inner != "" && (keepParens || isLatin(inner)) {
			terms = append(terms, inner)
		}
	}
	if base := strings.TrimSpace(parenRE.ReplaceAllString(name, " ")); base != "" {
		terms = append([]string{base}, terms...)
	}
	return terms
}

func displayName(name string) string {
	if d := strings.TrimSpace(parenRE.ReplaceAllStringFunc(name, func(p string) string {
		if isLatin(strings.Trim(p, "（）() ")) {
			return p
		}
		return ""
	})); d != "" {
		return d
	}
	return name
}

func isLatin(s string) bool {
	for _, r := range s {
		if r > unicode.MaxLatin1 {
			return false
		}
	}
	return true
}

// commonBrandWord returns the Chinese prefix of at least two characters
// that at least two product names start with ("闲岚" of "闲岚冻干咖啡" and
// "闲岚冷萃咖啡液"), or "".
func commonBrandWord(names []string) string {
	best := ""
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			a, b := []rune(names[i]), []rune(names[j])
			n := 0
			for n < len(a) && n < len(b) && a[n] == b[n] && unicode.Is(unicode.Han, a[n]) {
				n++
			}
			if n >= 2 && n > len([]rune(best)) {
				best = string(a[:n])
			}
		}
	}
	return best
}

// termsQuery writes terms (each a phrase) and keywords (words that must
// all appear) as one OR query; "" when nothing is left.
func termsQuery(terms, keywords []string) string {
	seen := map[string]bool{}
	var parts []string
	add := func(words []string) {
		var qs []string
		for _, w := range words {
			w = strings.Map(func(r rune) rune {
				if r == '"' || r == '＂' || r == '“' || r == '”' || unicode.IsControl(r) {
					return -1
				}
				return r
			}, strings.TrimSpace(w))
			if textnorm.Normalize(w).Norm == "" {
				continue
			}
			qs = append(qs, `"`+w+`"`)
		}
		if len(qs) == 0 {
			return
		}
		p := strings.Join(qs, " ")
		if len(qs) > 1 {
			p = "(" + p + ")"
		}
		key := textnorm.Normalize(p).Norm
		if seen[key] || len(parts) >= 100 {
			return
		}
		seen[key] = true
		parts = append(parts, p)
	}
	for _, t := range terms {
		add([]string{t})
	}
	for _, k := range keywords {
		add(strings.Fields(k))
	}
	q := strings.Join(parts, " OR ")
	for len([]rune(q)) > query.MaxLen && len(parts) > 1 {
		parts = parts[:len(parts)-1]
		q = strings.Join(parts, " OR ")
	}
	if _, err := query.Parse(q); err != nil {
		return ""
	}
	return q
}

// TryResult is which of the recent mentions a draft query matches.
type TryResult struct {
	Matched []Mention `json:"matched"`
	Scanned int       `json:"scanned"`
}

// TryWindow is how many of the latest mentions TryQuery reads.
const TryWindow = 1000

// TryQuery reports which of the workspace's last 1,000 stored mentions a
// draft query matches. Returns apperr.Invalid (field "query", with Pos,
// Near and Hint) when it does not parse.
func (s *Service) TryQuery(ctx context.Context, ws int64, q string) (TryResult, error) {
	t := Topic{Name: "try", Kind: "other", Query: q}
	if err := validateTopic(&t); err != nil {
		return TryResult{}, err
	}
	m, err := query.Compile([]query.Rule{{ID: 1, Query: q}})
	if err != nil {
		return TryResult{}, apperr.Wrap(err, "compile query")
	}
	recent, err := s.store.Mentions(ctx, ws, MentionFilter{Limit: TryWindow})
	if err != nil {
		return TryResult{}, err
	}
	res := TryResult{Matched: []Mention{}, Scanned: len(recent)}
	for _, mt := range recent {
		if len(m.Match(query.Post{Text: mt.Text, Lang: mt.Lang, Source: mt.SourceKind, Author: mt.Author})) > 0 {
			res.Matched = append(res.Matched, mt)
		}
	}
	return res, nil
}

// Mentions returns mentions by the filter, newest first (50 by default).
// Returns apperr.Invalid for a bad filter.
func (s *Service) Mentions(ctx context.Context, ws int64, f MentionFilter) ([]Mention, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	return s.store.Mentions(ctx, ws, f)
}

// MentionSourceKinds returns the source kinds the workspace's mentions
// carry, in order: the kinds of its sources, and those that pushed and
// imported posts name (weibo, xiaohongshu), which the stream filters by too.
func (s *Service) MentionSourceKinds(ctx context.Context, ws int64) ([]string, error) {
	return s.store.MentionSourceKinds(ctx, ws)
}

// Mention returns one mention. Returns apperr.NotFound.
func (s *Service) Mention(ctx context.Context, ws, id int64) (Mention, error) {
	return s.store.Mention(ctx, ws, id)
}

// CorrectSentiment records a person's sentiment label for a mention; the
// roll-ups of its topics move one count from the old label to the new.
// Returns apperr.NotFound or apperr.Invalid (field "label").
func (s *Service) CorrectSentiment(ctx context.Context, ws, mentionID int64, label string) (Mention, error) {
	var fs apperr.Fields
	fs.OneOf("label", label, []string{Positive, Neutral, Negative})
	if err := fs.Err(); err != nil {
		return Mention{}, err
	}
	return s.store.SetMentionSentiment(ctx, ws, mentionID, label)
}

// ExportCorrections writes the workspace's corrected mentions as CSV with
// the columns text,label, the input of `chorus listen train`; texts that a
// spreadsheet would run as formulas are quoted (sentiment.QuoteCSVText).
func (s *Service) ExportCorrections(ctx context.Context, ws int64, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"text", "label"}); err != nil {
		return err
	}
	err := s.store.Corrections(ctx, ws, func(text, label string) error {
		return cw.Write([]string{sentiment.QuoteCSVText(text), label})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// String of an IngestResult, for logs and the CLI.
func (r IngestResult) String() string {
	return fmt.Sprintf("%d stored, %d duplicates, %d clustered, %d matched, %d skipped", r.Stored, r.Duplicates, r.Clustered, r.Matched, r.Skipped)
}
