package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/notify"
)

// Evaluation constants.
const (
	// BaselineDays is how many earlier days give the baseline: the same
	// hour of each for a volume spike, every hour for the negative share.
	BaselineDays = 14
	// MinStddev is the floor of the baseline's standard deviation, so that
	// a flat baseline (0, 0, 0 …) does not turn one mention into an
	// infinite z-score; sqrt(mean) raises it for busy topics (Poisson).
	MinStddev = 1.0
	// MaxAlertMentions bounds the mentions a spike alert carries and the
	// mentions a page of an alert's mentions shows (Service.AlertPage). A
	// crisis alert carries every hit it counts, at most MaxCarriedMentions
	// (the newest), since they are what keeps the next evaluation from
	// counting them again; one that counts more records the range of ids
	// of the older ones it does not carry (uncarriedFrom, uncarriedTo in
	// its detail), which the next evaluations do not count either.
	MaxAlertMentions   = 50
	MaxCarriedMentions = 500
	// MaxCountedMentions is the most crisis hits an evaluation reads and
	// counts, newest first: the highest threshold a crisis rule may have
	// (Validate).
	MaxCountedMentions = 1000
	// DefaultMinVolume is the fewest mentions in the hour for a spike
	// (rule.Extra["min_volume"] overrides it).
	DefaultMinVolumeSpike    = 5
	DefaultMinVolumeNegative = 10
	// CrisisWindow is how far back, by when they reached Chorus, the
	// crisis hits that no alert carries yet count towards a crisis rule's
	// threshold, after each ingest and in the hourly run: the hits of
	// several batches add up, those a quiet period held back fire when it
	// ends (the window is the rule's quiet period when that is longer),
	// and a post pushed hours after it was published counts too.
	CrisisWindow = 2 * time.Hour
	// CrisisMaxAge is the oldest a crisis hit may have been published
	// when it reaches Chorus: an import of last month's posts is history,
	// not a crisis. It also bounds the matches the window reads.
	CrisisMaxAge = DupWindow
)

// Sender delivers a message to one target; *notify.Notifier is one.
type Sender interface {
	Send(ctx context.Context, t notify.Target, m notify.Message) error
}

// Audience is how a workspace reads the alerts sent out of Chorus.
type Audience struct {
	// Text renders a message key of the catalog ("alert.volume_spike.title")
	// with its arguments, in the workspace's language; a nil Text shows
	// the keys.
	Text func(key string, args map[string]any) string
	// Link is the address of an alert's page in Chorus; no link when nil.
	Link func(alertID int64) string
	// Location is the workspace's time zone, for when an alert fired; UTC
	// when nil.
	Location *time.Location
}

// Options configure an Evaluator.
type Options struct {
	// Sender delivers to channels; alerts stay in-app only when nil.
	Sender Sender
	// Audience describes the workspace a message goes out for. When nil
	// or failing, messages show catalog keys, no link and UTC times: an
	// alert is still worth sending.
	Audience func(ctx context.Context, ws int64) (Audience, error)
	Logger   *slog.Logger
	Now      func() time.Time
	// DeliveryTimeout bounds the delivery of one alert to all its channels.
	DeliveryTimeout time.Duration
	// Fired and Delivered, when set, hear of every alert fired (by its
	// kind) and every delivery to a channel (by the channel's kind, nil
	// err when it went out): the server counts them for /metrics.
	Fired     func(kind string)
	Delivered func(channel string, err error)
}

// Evaluator evaluates rules and fires alerts.
type Evaluator struct {
	store Store
	opt   Options
	wg    sync.WaitGroup
}

// NewEvaluator returns an evaluator over store.
func NewEvaluator(store Store, opt Options) *Evaluator {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.DeliveryTimeout <= 0 {
		opt.DeliveryTimeout = 2 * time.Minute
	}
	return &Evaluator{store: store, opt: opt}
}

// AfterIngest evaluates the workspace's rules after a batch of mentions
// was stored: crisis words when the batch brought a crisis hit, spikes
// against the current and the previous hour. The same mentions never fire a rule
// twice. Errors are logged; delivery runs in the background (Wait).
// Its signature is listen.Service.AfterIngest's.
func (e *Evaluator) AfterIngest(ctx context.Context, ws int64, mentionIDs []int64) {
	if _, err := e.Evaluate(ctx, ws, mentionIDs); err != nil {
		e.opt.Logger.ErrorContext(ctx, "evaluate alert rules", slog.Int64("workspace", ws), slog.Any("err", err))
	}
}

// Wait waits for background deliveries to finish.
func (e *Evaluator) Wait() { e.wg.Wait() }

// EvaluateAll evaluates every workspace with rules (the hourly job).
func (e *Evaluator) EvaluateAll(ctx context.Context) (int, error) {
	wss, err := e.store.AlertWorkspaces(ctx)
	if err != nil {
		return 0, err
	}
	// A workspace that fails leaves the others their evaluation: one
	// workspace's error stopped the hourly check of every one after it.
	fired := 0
	var errs []error
	for _, ws := range wss {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		as, err := e.Evaluate(ctx, ws, nil)
		fired += len(as)
		if err != nil {
			errs = append(errs, fmt.Errorf("workspace %d: %w", ws, err))
		}
	}
	return fired, errors.Join(errs...)
}

// Evaluate runs the workspace's enabled rules now and returns the alerts
// fired. Crisis rules count the hits that reached Chorus in the last
// CrisisWindow and no alert carries yet: after an ingest (newMentions
// set) when the batch brought one, in the hourly run (none) always.
func (e *Evaluator) Evaluate(ctx context.Context, ws int64, newMentions []int64) ([]listen.Alert, error) {
	rules, err := e.store.AlertRules(ctx, ws)
	if err != nil {
		return nil, err
	}
	now := e.opt.Now().UTC()
	var topics []insight.TopicRef
	var fired []listen.Alert
	// A rule that fails leaves the workspace's other rules their turn.
	var errs []error
	for _, r := range rules {
		if ctx.Err() != nil {
			return fired, ctx.Err()
		}
		if !r.Enabled || Quiet(r, now) {
			continue
		}
		if topics == nil {
			if topics, err = e.store.InsightTopics(ctx, ws); err != nil {
				return fired, err
			}
		}
		var cand *listen.Alert
		switch r.Kind {
		case "volume_spike", "negative_spike":
			cand, err = e.spike(ctx, ws, r, topics, now)
		case "crisis_word":
			cand, err = e.crisis(ctx, ws, r, topics, now, newMentions)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %d: %w", r.ID, err))
			continue
		}
		if cand == nil {
			continue
		}
		if e.opt.Sender != nil && len(r.Channels) > 0 {
			// Due after the first try's time: a node that stops before it
			// records an outcome leaves the alert to the delivery job.
			due := now.Add(e.deliveryLease())
			cand.DeliveryDueAt = &due
		}
		quietSince := now.Add(-time.Duration(r.QuietMinutes) * time.Minute)
		a, ok, err := e.store.FireAlert(ctx, ws, *cand, quietSince, alerted(*cand))
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %d: %w", r.ID, err))
			continue
		}
		if ok {
			fired = append(fired, a)
			if e.opt.Fired != nil {
				e.opt.Fired(a.Kind)
			}
			e.deliver(ctx, ws, r, a, topics)
		}
	}
	return fired, errors.Join(errs...)
}

// Quiet reports whether the rule fired less than its quiet period ago.
func Quiet(r listen.AlertRule, now time.Time) bool {
	return r.LastFiredAt != nil && r.QuietMinutes > 0 && now.Sub(*r.LastFiredAt) < time.Duration(r.QuietMinutes)*time.Minute
}

// ruleTopics is the topics a spike rule watches: its topic, or every
// topic but crisis ones.
func ruleTopics(r listen.AlertRule, topics []insight.TopicRef) []int64 {
	if r.TopicID != 0 {
		return []int64{r.TopicID}
	}
	var out []int64
	for _, t := range topics {
		if t.Kind != "crisis" {
			out = append(out, t.ID)
		}
	}
	return out
}

func minVolume(r listen.AlertRule, def int64) int64 {
	if v, err := strconv.ParseInt(r.Extra["min_volume"], 10, 64); err == nil && v >= 0 {
		return v
	}
	return def
}

// VolumeZ is the z-score of current against baseline (the same hour of
// the earlier days): (current − mean) / max(stddev, MinStddev, √mean).
func VolumeZ(current int64, baseline []int64) (z, mean, sd float64) {
	if len(baseline) > 0 {
		for _, v := range baseline {
			mean += float64(v)
		}
		mean /= float64(len(baseline))
		for _, v := range baseline {
			sd += (float64(v) - mean) * (float64(v) - mean)
		}
		sd = math.Sqrt(sd / float64(len(baseline)))
	}
	floor := max(MinStddev, math.Sqrt(mean))
	return (float64(current) - mean) / max(sd, floor), mean, sd
}

// NegativeShift is the rise of the negative share: current share minus
// the baseline's (0 when the baseline has no mentions).
func NegativeShift(neg, vol, baseNeg, baseVol int64) (share, baseShare, delta float64) {
	if vol > 0 {
		share = float64(neg) / float64(vol)
	}
	if baseVol > 0 {
		baseShare = float64(baseNeg) / float64(baseVol)
	}
	return share, baseShare, share - baseShare
}

// Figures are the arguments of an alert's texts (the catalog's
// alert.<kind>.title and .detail), as stored: Count, the mentions it
// counted; a volume spike's Z, its z-score, and Mean, the hour's usual
// mentions; a negative spike's NegativeShare and BaselineShare, the
// negative shares of its hour and of the last 14 days as fractions. The
// catalog writes each as the UI writes its figures (a share in percent,
// 45.2%, not 0.452), so that the alert's page, its chat messages and its
// e-mail read the same.
func Figures(a listen.Alert) map[string]any {
	args := map[string]any{"Count": a.Caused()}
	switch a.Kind {
	case "volume_spike":
		args["Z"], args["Mean"] = a.Value, a.Baseline
	case "negative_spike":
		args["NegativeShare"], args["BaselineShare"] = a.Value, a.Baseline
	}
	return args
}

// SpikeCheck decides whether a spike rule fires for hour, given the
// watched topics' mentions per hour (hours missing are zero).
// It returns the value, the baseline and whether the rule fires.
func SpikeCheck(r listen.AlertRule, perHour map[time.Time]listen.Rollup, hour time.Time) (value, baseline float64, fire bool, detail map[string]any) {
	cur := perHour[hour]
	switch r.Kind {
	case "volume_spike":
		base := make([]int64, BaselineDays)
		for d := 1; d <= BaselineDays; d++ {
			base[d-1] = perHour[hour.Add(-time.Duration(d)*24*time.Hour)].Volume
		}
		z, mean, sd := VolumeZ(cur.Volume, base)
		detail = map[string]any{"volume": cur.Volume, "mean": round(mean), "stddev": round(sd), "z": round(z)}
		return round(z), round(mean), cur.Volume >= minVolume(r, DefaultMinVolumeSpike) && z >= r.Threshold, detail
	case "negative_spike":
		var bn, bv int64
		start := hour.Add(-BaselineDays * 24 * time.Hour)
		for h, row := range perHour {
			if !h.Before(start) && h.Before(hour) {
				bn += row.Negative
				bv += row.Volume
			}
		}
		share, baseShare, delta := NegativeShift(cur.Negative, cur.Volume, bn, bv)
		detail = map[string]any{"volume": cur.Volume, "negative": cur.Negative, "share": round(share), "baseline_share": round(baseShare), "delta": round(delta)}
		return round(share), round(baseShare), cur.Volume >= minVolume(r, DefaultMinVolumeNegative) && delta >= r.Threshold, detail
	}
	return 0, 0, false, nil
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// spike evaluates a spike rule on the current and the previous hour (the
// previous is complete when the hourly job runs); an hour fires once.
func (e *Evaluator) spike(ctx context.Context, ws int64, r listen.AlertRule, topics []insight.TopicRef, now time.Time) (*listen.Alert, error) {
	sel := ruleTopics(r, topics)
	if len(sel) == 0 {
		return nil, nil
	}
	cur := now.Truncate(time.Hour)
	// All topics count a mention of several of them once.
	rollups := e.store.MentionRollups
	if r.TopicID != 0 {
		rollups = e.store.TopicRollups
	}
	rows, err := rollups(ctx, ws, sel, cur.Add(-time.Hour-BaselineDays*24*time.Hour), cur.Add(time.Hour))
	if err != nil {
		return nil, err
	}
	perHour := map[time.Time]listen.Rollup{}
	for _, row := range rows {
		h := perHour[row.Hour]
		h.Hour = row.Hour
		h.Volume += row.Volume
		h.Positive += row.Positive
		h.Neutral += row.Neutral
		h.Negative += row.Negative
		h.Reach += row.Reach
		perHour[row.Hour] = h
	}
	recent, err := e.store.RecentAlerts(ctx, ws, r.ID, cur.Add(-2*time.Hour))
	if err != nil {
		return nil, err
	}
	for _, hour := range []time.Time{cur, cur.Add(-time.Hour)} {
		value, baseline, fire, detail := SpikeCheck(r, perHour, hour)
		if !fire || alertedHour(recent, hour.Format(time.RFC3339)) {
			continue
		}
		sentiment := ""
		if r.Kind == "negative_spike" {
			sentiment = listen.Negative
		}
		ids, err := e.store.TopicMentionIDs(ctx, ws, sel, hour, hour.Add(time.Hour), sentiment, MaxAlertMentions)
		if err != nil {
			return nil, err
		}
		detail["hour"] = hour.Format(time.RFC3339)
		return &listen.Alert{RuleID: r.ID, TopicID: r.TopicID, Kind: r.Kind, Value: value, Baseline: baseline, Detail: detail, MentionIDs: ids, FiredAt: now}, nil
	}
	return nil, nil
}

func alertedHour(recent []listen.Alert, hour string) bool {
	return slices.ContainsFunc(recent, func(a listen.Alert) bool { return a.Detail["hour"] == hour })
}

// alerted reports whether recent alerts of a's rule already say what a
// says: its spike hour, or every one of its crisis mentions. FireAlert
// asks it again under the rule's lock, since two evaluations at once (two
// nodes, an ingest and the hourly job) both find a new.
func alerted(a listen.Alert) func(recent []listen.Alert) bool {
	if a.Kind != "crisis_word" {
		hour, _ := a.Detail["hour"].(string)
		return func(recent []listen.Alert) bool { return alertedHour(recent, hour) }
	}
	return func(recent []listen.Alert) bool {
		seen := alertedMentions(recent)
		return !slices.ContainsFunc(a.MentionIDs, func(id int64) bool { return !seen.has(id) })
	}
}

// Detail keys of a crisis alert that counted more hits than it carries:
// the lowest and the highest id of those it does not carry. A hit whose
// id falls in that range but that was stored only after the alert (an
// ingest that committed late) is taken as counted: it came with a wave
// the team was alerted of.
const (
	uncarriedFrom = "uncarried_from"
	uncarriedTo   = "uncarried_to"
)

// alertedSet is the set of mentions recent alerts counted: those they carry,
// and those in the range of ids a crisis alert counted without carrying.
type alertedSet struct {
	ids    map[int64]bool
	ranges [][2]int64
}

func (s alertedSet) has(id int64) bool {
	return s.ids[id] || slices.ContainsFunc(s.ranges, func(r [2]int64) bool { return r[0] <= id && id <= r[1] })
}

// alertedMentions are the mentions recent alerts counted.
func alertedMentions(recent []listen.Alert) alertedSet {
	seen := alertedSet{ids: map[int64]bool{}}
	for _, r := range recent {
		for _, id := range r.MentionIDs {
			seen.ids[id] = true
		}
		from, ok1 := detailID(r.Detail[uncarriedFrom])
		to, ok2 := detailID(r.Detail[uncarriedTo])
		if ok1 && ok2 && from <= to {
			seen.ranges = append(seen.ranges, [2]int64{from, to})
		}
	}
	return seen
}

// detailID reads a mention id from an alert's detail: a JSON number as
// stored, or the int64 of an alert not stored yet.
func detailID(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), n == math.Trunc(n)
	case int64:
		return n, true
	}
	return 0, false
}

// crisis fires when the rule's crisis hits of the last CrisisWindow that
// no alert of the rule counted yet (alertedMentions) reach its threshold. After an ingest
// (newMentions set) it looks only when the batch brought a hit.
func (e *Evaluator) crisis(ctx context.Context, ws int64, r listen.AlertRule, topics []insight.TopicRef, now time.Time, newMentions []int64) (*listen.Alert, error) {
	var sel []int64
	for _, t := range topics {
		if t.Kind == "crisis" && (r.TopicID == 0 || r.TopicID == t.ID) {
			sel = append(sel, t.ID)
		}
	}
	if len(sel) == 0 {
		return nil, nil
	}
	if newMentions != nil {
		pairs, err := e.store.MentionTopicPairs(ctx, ws, newMentions)
		if err != nil {
			return nil, err
		}
		hit := slices.ContainsFunc(newMentions, func(id int64) bool {
			return slices.ContainsFunc(pairs[id], func(t int64) bool { return slices.Contains(sel, t) })
		})
		if !hit {
			return nil, nil
		}
	}
	// Hits held back by a quiet period longer than the window are still
	// carried by the first alert after it.
	window := max(CrisisWindow, time.Duration(r.QuietMinutes)*time.Minute)
	hits, err := e.store.FetchedMentionIDs(ctx, ws, sel, now.Add(-window), now.Add(-CrisisMaxAge), MaxCountedMentions)
	if err != nil {
		return nil, err
	}
	if len(hits) == 0 {
		return nil, nil
	}
	recent, err := e.store.RecentAlerts(ctx, ws, r.ID, now.Add(-7*24*time.Hour))
	if err != nil {
		return nil, err
	}
	seen := alertedMentions(recent)
	var fresh []int64
	for _, id := range hits {
		if !seen.has(id) {
			seen.ids[id] = true
			fresh = append(fresh, id)
		}
	}
	need := max(1, int(math.Ceil(r.Threshold)))
	if len(fresh) < need {
		return nil, nil
	}
	detail := map[string]any{"mentions": len(fresh)}
	if len(fresh) > MaxCarriedMentions {
		// The alert carries the newest; the next evaluations know the
		// older ones it counted by their range.
		rest := fresh[MaxCarriedMentions:]
		detail[uncarriedFrom], detail[uncarriedTo] = slices.Min(rest), slices.Max(rest)
	}
	return &listen.Alert{RuleID: r.ID, TopicID: r.TopicID, Kind: r.Kind, Value: float64(len(fresh)), Detail: detail, MentionIDs: fresh, FiredAt: now}, nil
}

// deliver sends a to the rule's channels in the background and records
// each outcome on the alert.
func (e *Evaluator) deliver(ctx context.Context, ws int64, r listen.AlertRule, a listen.Alert, topics []insight.TopicRef) {
	if e.opt.Sender == nil || len(r.Channels) == 0 {
		return
	}
	e.wg.Go(func() { e.deliverOnce(ctx, ws, r, a, topics) })
}

// Deliveries that fail are tried again after 1, 2, 4 … minutes, by the
// delivery job of whichever node comes first: MaxDeliveryAttempts tries in
// all, over about an hour. A channel that has taken the alert is not
// sent it again, nor one that refused it for good (notify.Permanent: a
// wrong key or secret, an address Chorus does not send to).
const (
	MaxDeliveryAttempts = 7
	firstRetry          = time.Minute
)

// deliveryLease is how long a try may take before the alert is due again:
// a try that ends without recording its outcome (the node stopped) is
// made again then.
func (e *Evaluator) deliveryLease() time.Duration { return e.opt.DeliveryTimeout + time.Minute }

// recordTimeout bounds the recording of a try's outcome, after its sends:
// well within the minute the lease gives beyond DeliveryTimeout.
const recordTimeout = 30 * time.Second

// deliverOnce sends a to the channels of its rule that have not taken it
// yet, and records each channel's outcome and when the next try is due.
func (e *Evaluator) deliverOnce(ctx context.Context, ws int64, r listen.AlertRule, a listen.Alert, topics []insight.TopicRef) {
	// The outcome is recorded after the try's deadline has passed when a
	// channel took all of it: under a deadline of its own (within the
	// lease), or no outcome is kept and the try is lost.
	base := context.WithoutCancel(ctx)
	ctx, cancel := context.WithTimeout(base, e.opt.DeliveryTimeout)
	defer cancel()
	msg := e.message(ctx, ws, r, a, topics)
	prev := DeliveryOutcome(a)
	// Only the rule's present channels are recorded, so a channel taken
	// out of the rule since the last try leaves the page.
	outcome := make(map[string]string, len(r.Channels))
	failed := false
	// The channels are sent to at once, each under the try's deadline, so
	// that a robot that hangs until it does not use up the time of the
	// channels after it (an e-mail behind two silent webhooks).
	type send struct {
		c   listen.Channel
		err error
	}
	var sends []*send
	var wg sync.WaitGroup
	for i, c := range r.Channels {
		key := channelKey(c)
		if took(prev, i, c) {
			outcome[key] = StateOK
			continue
		}
		if ReadOutcome(prev[key]).State == StateRefused {
			// Sending again would be refused again; a channel given a
			// new address has another key and is tried.
			outcome[key] = prev[key]
			continue
		}
		s := &send{c: c}
		sends = append(sends, s)
		wg.Go(func() {
			s.err = e.opt.Sender.Send(ctx, notify.Target{Kind: c.Kind, URL: c.URL, Secret: c.Secret, Email: c.Email}, msg)
		})
	}
	wg.Wait()
	for _, s := range sends {
		c, err, key := s.c, s.err, channelKey(s.c)
		if e.opt.Delivered != nil {
			e.opt.Delivered(c.Kind, err)
		}
		switch {
		case err == nil:
			outcome[key] = StateOK
			continue
		case notify.Permanent(err):
			outcome[key] = RefusedOutcome(err)
		default:
			failed = true
			outcome[key] = FailedOutcome(err)
		}
		e.opt.Logger.WarnContext(ctx, "deliver alert", slog.Int64("workspace", ws), slog.Int64("alert", a.ID), slog.String("channel", c.Kind),
			slog.Int("try", a.DeliveryAttempts+1), slog.Bool("final", notify.Permanent(err)), slog.Any("err", err))
	}
	var next *time.Time
	if tries := a.DeliveryAttempts + 1; failed && tries < MaxDeliveryAttempts {
		t := e.opt.Now().Add(firstRetry << (tries - 1))
		next = &t
	}
	record, cancelRecord := context.WithTimeout(base, recordTimeout)
	defer cancelRecord()
	if err := e.store.SetAlertDelivery(record, ws, a.ID, outcome, next); err != nil {
		e.opt.Logger.ErrorContext(ctx, "record alert delivery", slog.Int64("alert", a.ID), slog.Any("err", err))
	}
}

// channelKey names a channel in an alert's delivery outcome: a hash of
// where it sends, then its kind ("3f9a0c1e:wecom"), so that a channel
// keeps its outcome when the rule's channels are reordered or one is
// added or removed between tries, and one whose address changed is
// tried again. The secret is left out of the hash: the outcome is shown
// on the alert page. Outcomes recorded before were keyed by the
// channel's place in the rule ("0:wecom"), which took still reads for
// an alert fired before an upgrade.
func channelKey(c listen.Channel) string {
	sum := sha256.Sum256([]byte(c.Kind + "\x00" + c.URL + "\x00" + c.Email))
	return hex.EncodeToString(sum[:4]) + ":" + c.Kind
}

// took reports whether c, the i-th channel of the rule, took the alert
// whose delivery outcome is prev: under its key (channelKey), or under its
// place in the rule for an outcome recorded before the keys.
func took(prev map[string]string, i int, c listen.Channel) bool {
	return prev[channelKey(c)] == StateOK || prev[fmt.Sprintf("%d:%s", i, c.Kind)] == StateOK
}

// DeliverDue makes the delivery tries that are due, of every workspace
// (the delivery job), and returns how many alerts it tried.
func (e *Evaluator) DeliverDue(ctx context.Context) (int, error) {
	if e.opt.Sender == nil {
		return 0, nil
	}
	now := e.opt.Now()
	due, err := e.store.DueDeliveries(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	tried := 0
	topicsOf := map[int64][]insight.TopicRef{} // read once a workspace
	for _, a := range due {
		ok, err := e.store.ClaimDelivery(ctx, a.WorkspaceID, a.ID, now, now.Add(e.deliveryLease()))
		if err != nil {
			return tried, err
		}
		if !ok {
			continue // another node's
		}
		r, err := e.store.AlertRule(ctx, a.WorkspaceID, a.RuleID)
		if apperr.Is(err, apperr.NotFound) || err == nil && len(r.Channels) == 0 {
			// The rule or its channels went: nothing is left to try, nor
			// waits to be sent again (Redeliver).
			outcome := DeliveryOutcome(a)
			maps.DeleteFunc(outcome, func(_, v string) bool { return v == PendingOutcome })
			err = e.store.SetAlertDelivery(ctx, a.WorkspaceID, a.ID, outcome, nil)
		}
		if err != nil {
			return tried, err
		}
		if len(r.Channels) == 0 {
			continue
		}
		topics, ok := topicsOf[a.WorkspaceID]
		if !ok {
			if topics, err = e.store.InsightTopics(ctx, a.WorkspaceID); err != nil {
				return tried, err
			}
			topicsOf[a.WorkspaceID] = topics
		}
		e.deliverOnce(ctx, a.WorkspaceID, r, a, topics)
		tried++
	}
	return tried, nil
}

// message renders an alert for the channels in the workspace's language,
// with up to five of its mentions quoted.
func (e *Evaluator) message(ctx context.Context, ws int64, r listen.AlertRule, a listen.Alert, topics []insight.TopicRef) notify.Message {
	var aud Audience
	if e.opt.Audience != nil {
		var err error
		if aud, err = e.opt.Audience(ctx, ws); err != nil {
			e.opt.Logger.WarnContext(ctx, "alert audience", slog.Int64("workspace", ws), slog.Any("err", err))
			aud = Audience{}
		}
	}
	text := aud.Text
	if text == nil {
		text = func(key string, _ map[string]any) string { return key }
	}
	loc := aud.Location
	if loc == nil {
		loc = time.UTC
	}
	topic := text("alert.all_topics", nil)
	for _, t := range topics {
		if t.ID == a.TopicID {
			topic = t.Name
		}
	}
	args := Figures(a)
	args["Rule"], args["Topic"] = r.Name, topic
	m := notify.Message{Title: text("alert."+a.Kind+".title", args), Mentions: a.Caused()}
	m.Facts = append(m.Facts,
		notify.Fact{Label: text("alert.fact.rule", nil), Value: r.Name},
		notify.Fact{Label: text("alert.fact.topic", nil), Value: topic},
		notify.Fact{Label: text("alert.fact.detail", nil), Value: text("alert."+a.Kind+".detail", args)},
		notify.Fact{Label: text("alert.fact.fired_at", nil), Value: a.FiredAt.In(loc).Format("2006-01-02 15:04 MST")},
	)
	ids := a.MentionIDs
	if len(ids) > notify.MaxQuotes {
		ids = ids[:notify.MaxQuotes]
	}
	if ms, err := e.store.AlertMentions(ctx, ws, ids); err == nil {
		for _, mn := range ms {
			m.Quotes = append(m.Quotes, notify.Quote(mn.Author, mn.Text))
		}
	}
	if aud.Link != nil {
		m.Link = aud.Link(a.ID)
	}
	return m
}
