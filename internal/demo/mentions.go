package demo

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/notify"
)

// Listening demo: the demo workspace hears 60 days of posts about 闲岚 and
// its competitors, with a spike of negative mentions three days ago and
// the alerts it fired. Posts go through listen.Service.Ingest, the real
// pipeline (normalize, dedup, match, language, sentiment, roll-ups).
const (
	mentionDays = 60
	// spikeDaysAgo is how many days before today the negative spike is.
	spikeDaysAgo = 3
	// crisisTopic is the name of the demo's crisis-word topic.
	crisisTopic = "危机词：闲岚"
	// Names of the demo's alert rules.
	crisisRule = "危机词提醒"
	volumeRule = "闲岚声量激增"
)

// WeiboCorpus is the shared Weibo corpus (SMP2020-EWECT) the demo takes
// its texts from when it exists. Its terms forbid redistribution: it is
// read at demo time, never copied into the repository. Relative paths are
// tried from the working directory and its parents, then from the
// binary's folder and its parents, so that the demo finds it from
// wherever it is run.
var WeiboCorpus = filepath.Join("..", "shared", "data", "smp2020_ewect", "smp2020_ewect_all.csv")

// corpusText is one text of the corpus with its coarse polarity.
type corpusText struct {
	text string
	neg  bool
}

// loadCorpus reads the shared Weibo texts, or returns nil when the file
// is not there.
func loadCorpus() []corpusText {
	f, err := os.Open(WeiboCorpus)
	if err != nil && !filepath.IsAbs(WeiboCorpus) {
		starts := []string{"."}
		if exe, err := os.Executable(); err == nil {
			starts = append(starts, filepath.Dir(exe))
		}
		for _, dir := range starts {
			for i := 0; err != nil && i < 5; i++ {
				f, err = os.Open(filepath.Join(dir, WeiboCorpus))
				dir = filepath.Join(dir, "..")
			}
		}
	}
	if err != nil {
		return nil
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	ci, ok1 := col["content"]
	li, ok2 := col["label"]
	if !ok1 || !ok2 {
		return nil
	}
	var out []corpusText
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(rec) <= max(ci, li) {
			continue
		}
		t := strings.TrimSpace(rec[ci])
		if n := len([]rune(t)); n < 8 || n > 200 {
			continue
		}
		switch rec[li] {
		case "angry", "sad", "fear":
			out = append(out, corpusText{text: t, neg: true})
		default:
			out = append(out, corpusText{text: t})
		}
	}
	return out
}

// Built-in sentences for when the corpus is absent: what a fresh machine
// shows, so varied enough that the stream and hot terms do not repeat a
// handful of phrases. Brand talk is worked into genForms.
var (
	genSubjects = []string{"今天", "早上", "加班到十点", "周末在家", "出差路上", "下午开会前", "刚到公司", "宿舍里", "和同事", "陪女朋友",
		"早八之前", "高铁上", "午休的时候", "赶方案的夜里", "带娃出门前", "健身完", "图书馆里", "值夜班", "露营的早上", "期末周"}
	genPositive = []string{"真的好喝，香气很足", "味道很顺，回购了", "性价比挺高的，推荐", "包装很好看，送人也合适", "冷萃口感很干净，不酸不苦",
		"速溶能做到这个水平很惊喜", "物流很快，第二天就到了", "客服态度很好，耐心解答", "冷水一摇就化开，太方便了", "加燕麦奶特别香",
		"比楼下咖啡店便宜一半，味道不输", "坚果味很明显，喜欢", "小罐装随手放包里，出差必备", "喝完不心慌，胃也舒服", "冰美式党狂喜",
		"回购第三次了，已经离不开", "试喝装每个口味都不踩雷", "同事喝了也去下单了", "产地故事写得很用心", "直播间价格很划算"}
	genNeutral = []string{"买了一盒试试看", "有人喝过吗，想问问口感", "和别家比起来差不多", "等双十一再囤", "看到直播间在推",
		"朋友推荐的，还没开封", "一天一杯的习惯坚持了一个月", "不知道哪个口味适合我", "新品今天上架了", "冷萃和冻干有什么区别",
		"快递显示明天到", "官方号发了冬季新品的海报", "线下快闪店开在静安寺", "一盒十二颗，每颗两克", "会员日是每月八号",
		"需要冷藏保存吗", "在对比几个牌子的配料表", "开箱视频明天发", "公司下午茶订的这个", "问了客服，说下周补货"}
	genNegative = []string{"味道一般，有点失望", "太贵了，不值这个价", "收到的时候包装破了", "喝完有点心慌，不敢再喝", "客服一直不回消息，很生气",
		"和宣传的完全不一样", "酸味太重了，喝不惯", "发货太慢了，等了一周", "冷水根本冲不开，结块", "少发了两颗也没人管",
		"优惠券用不了，白抢了", "回购发现味道变淡了", "直播间说送杯子，结果没有", "退货流程太麻烦了", "甜味剂的味道很明显",
		"临期货发给我，日期只剩一个月", "喝完胃不舒服", "客服只会复制粘贴", "盒子里有股怪味", "涨价了还缩量，不会再买"}
	genPlain = []string{"今天的晚霞好美", "地铁又挤成沙丁鱼了", "终于周五了", "楼下新开了一家面馆", "这部剧的结局太意外了",
		"跑步五公里打卡", "下雨天适合睡觉", "考试周太难熬了", "猫又把杯子推下桌了", "周末去爬山，腿软了", "年终总结写到头秃",
		"菜市场的橘子好甜", "又是加班的一天", "新买的键盘手感不错", "看了一晚上的球赛"}
	// genForms work a subject, a brand or product name and an opinion into
	// a post.
	genForms = []string{"%[1]s喝了%[2]s，%[3]s。", "%[2]s%[3]s", "#%[2]s# %[3]s。", "%[1]s，%[3]s（说的是%[2]s）",
		"%[1]s入手了%[2]s：%[3]s", "关于%[2]s：%[3]s。"}
	crisisWords = []string{"喝出异物", "要求退款", "疑似变质", "喝完拉肚子", "买到假货", "投诉无门", "准备维权", "被曝光了"}
)

// voice is who a post is about: the brand or a competitor, by weight.
type voice struct {
	names  []string
	weight float64
}

var voices = []voice{
	{[]string{"闲岚", "闲岚咖啡", "闲岚冷萃", "闲岚冻干"}, 0.45},
	{[]string{"橡果", "橡果冷萃", "橡果咖啡"}, 0.25},
	{[]string{"鲸豆", "鲸豆咖啡", "鲸豆冻干"}, 0.18},
	{[]string{"谷拾", "谷拾咖啡", "谷拾挂耳"}, 0.12},
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func pickVoice(r *rand.Rand) string {
	x := r.Float64()
	for _, v := range voices {
		if x < v.weight {
			return pick(r, v.names)
		}
		x -= v.weight
	}
	return pick(r, voices[0].names)
}

// mentionGen builds the demo's posts, deterministic per calendar day so
// that loading again on the same day yields the same external ids and
// texts (Ingest drops them as duplicates) and loading on a later day adds
// only the new days.
type mentionGen struct {
	// sources are the ids of the sources that bring each kind of post.
	sources map[string]int64
	corpus  []corpusText
	neg     []corpusText
	other   []corpusText
	loc     *time.Location
}

func newMentionGen(loc *time.Location) *mentionGen {
	g := &mentionGen{corpus: loadCorpus(), loc: loc}
	for _, c := range g.corpus {
		if c.neg {
			g.neg = append(g.neg, c)
		} else {
			g.other = append(g.other, c)
		}
	}
	return g
}

// text is one post's text: a corpus text with a brand or competitor name
// worked into a share of them, or a built-in sentence.
func (g *mentionGen) text(r *rand.Rand, about bool, negative bool) string {
	name := pickVoice(r)
	if len(g.corpus) > 0 {
		src := g.corpus
		switch {
		case negative && len(g.neg) > 0:
			src = g.neg
		case r.Float64() < 0.7 && len(g.other) > 0:
			// The corpus leans negative; a brand's everyday talk less so.
			src = g.other
		}
		t := pick(r, src).text
		if !about {
			return t
		}
		switch r.IntN(4) {
		case 0:
			return name + "，" + t
		case 1:
			return t + " #" + name + "#"
		case 2:
			return "刚喝了" + name + "。" + t
		default:
			return t + "（说的就是" + name + "）"
		}
	}
	if !about {
		return pick(r, genSubjects) + "，" + pick(r, genPlain) + "。"
	}
	var opinion string
	switch x := r.Float64(); {
	case negative || x < 0.25:
		opinion = pick(r, genNegative)
	case x < 0.6:
		opinion = pick(r, genPositive)
	default:
		opinion = pick(r, genNeutral)
	}
	return fmt.Sprintf(pick(r, genForms), pick(r, genSubjects), name, opinion)
}

func (g *mentionGen) post(r *rand.Rand, id string, at time.Time, text string) listen.Post {
	uid := 1_000_000_000 + r.Int64N(8_999_999_999)
	followers := int64(math.Exp(r.NormFloat64()*1.8 + 5.5))
	p := listen.Post{SourceKind: "weibo_search", ExternalID: id, Author: fmt.Sprintf("微博用户%d", uid%1_000_000),
		AuthorFollowers: followers, Text: text, PublishedAt: at,
		Likes: r.Int64N(50), Reposts: r.Int64N(10), Comments: r.Int64N(20)}
	if r.IntN(5) == 0 {
		p.SourceKind = "import"
	} else {
		p.URL = fmt.Sprintf("https://weibo.com/%d/%s", uid, id)
	}
	p.SourceID = g.sources[p.SourceKind]
	return p
}

// textRand is the random source of the text of a day's post i, apart
// from the day's: the corpus may be found on one load and not on the
// next, and the posts' ids, times, sources and authors must not change
// with it, or a load would add the day's posts again under new keys.
func textRand(daySeed uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(daySeed, 0x74657874<<32|uint64(i)))
}

// day returns the posts of one calendar day (in the demo's time zone),
// published before now.
func (g *mentionGen) day(d time.Time, spike bool, now time.Time) []listen.Post {
	key := d.Format("20060102")
	seed := uint64(d.Year()*10000 + int(d.Month())*100 + d.Day())
	r := rand.New(rand.NewPCG(seed, 0x6c697374656e))
	n := 18 + r.IntN(14)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		n += 6
	}
	var out []listen.Post
	for i := range n {
		hour := 8 + r.IntN(16)
		at := d.Add(time.Duration(hour)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		about := r.Float64() < 0.6
		p := g.post(r, fmt.Sprintf("demo-%s-%03d", key, i), at, g.text(textRand(seed, i), about, false))
		if at.Before(now) {
			out = append(out, p)
		}
	}
	if spike {
		// A bad batch: negative posts with crisis words about 闲岚 in
		// the evening, within two hours. One complaint is copied word for
		// word by a dozen accounts, as complaints spread on Weibo: a
		// repost cluster with its count on the stream.
		start := d.Add(20 * time.Hour)
		var copied string
		for i := range 60 {
			at := start.Add(time.Duration(r.IntN(7200)) * time.Second)
			var t string
			tr := textRand(seed, n+i)
			switch {
			case copied != "" && i%5 == 0:
				t = copied
			case len(g.neg) > 0:
				t = fmt.Sprintf("闲岚冷萃%s！%s", pick(tr, crisisWords), pick(tr, g.neg).text)
			default:
				t = fmt.Sprintf("%s闲岚冷萃%s，%s！", pick(tr, genSubjects), pick(tr, crisisWords), pick(tr, genNegative))
			}
			if copied == "" {
				copied = t
			}
			p := g.post(r, fmt.Sprintf("demo-spike-%s-%03d", key, i), at, t)
			if at.Before(now) {
				out = append(out, p)
			}
		}
	}
	return out
}

// refreshMentions seeds the topics, the alert rules and 60 days of
// mentions, brought by the sources of their kind (sources, by post kind;
// nil leaves them without one), and records the alerts the spike fires.
func refreshMentions(ctx context.Context, d Deps, wsID int64, sources map[string]int64, now time.Time) error {
	ls := d.Listen
	if err := relinkCompetitorTopics(ctx, d, wsID); err != nil {
		return err
	}
	if _, err := ls.SeedTopics(ctx, wsID); err != nil {
		return fmt.Errorf("demo: seed topics: %w", err)
	}
	topics, err := ls.Topics(ctx, wsID)
	if err != nil {
		return err
	}
	var brandID, crisisID int64
	for _, t := range topics {
		switch {
		case t.Kind == "brand" && brandID == 0:
			brandID = t.ID
		case t.Name == crisisTopic:
			crisisID = t.ID
		}
	}
	if crisisID == 0 {
		t, err := ls.CreateTopic(ctx, wsID, listen.Topic{Name: crisisTopic, Kind: "crisis", Enabled: true,
			Query: "闲岚 (" + strings.Join(quoteAll(crisisWords), " OR ") + ")"})
		if err != nil {
			return fmt.Errorf("demo: crisis topic: %w", err)
		}
		crisisID = t.ID
	}

	var rules *alert.Service
	if d.Alerts != nil {
		rules = alert.NewService(d.Alerts)
		have, err := rules.Rules(ctx, wsID)
		if err != nil {
			return err
		}
		byName := map[string]listen.AlertRule{}
		for _, r := range have {
			byName[r.Name] = r
		}
		want := []listen.AlertRule{
			{Name: crisisRule, Kind: "crisis_word", TopicID: crisisID, Threshold: 1, QuietMinutes: 60, Enabled: true, Channels: demoChannels[crisisRule]},
			{Name: volumeRule, Kind: "volume_spike", TopicID: brandID, Threshold: 3, QuietMinutes: 180, Enabled: true, Channels: demoChannels[volumeRule]},
		}
		for _, r := range want {
			old, ok := byName[r.Name]
			switch {
			case !ok:
				_, err = rules.CreateRule(ctx, wsID, r)
			case len(old.Channels) == 0:
				// A rule of an earlier demo, made without channels.
				old.Channels = r.Channels
				_, err = rules.UpdateRule(ctx, wsID, old.ID, old)
			}
			if err != nil {
				return fmt.Errorf("demo: alert rule %q: %w", r.Name, err)
			}
		}
	}

	loc := time.UTC
	if l, err := time.LoadLocation(timeZone); err == nil {
		loc = l
	}
	g := newMentionGen(loc)
	g.sources = sources
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	spikeDay := today.AddDate(0, 0, -spikeDaysAgo)
	var spikeIDs []int64
	for i := mentionDays - 1; i >= 0; i-- {
		day := today.AddDate(0, 0, -i)
		posts := g.day(day, day.Equal(spikeDay), now)
		res, err := ls.Ingest(ctx, wsID, posts)
		if err != nil {
			return fmt.Errorf("demo: ingest %s: %w", day.Format(time.DateOnly), err)
		}
		if day.Equal(spikeDay) {
			spikeIDs = res.IDs
		}
	}
	if d.Alerts == nil || len(spikeIDs) == 0 {
		return nil
	}
	// Evaluate the rules as they would have run right after the spike
	// (the server sets its evaluator on the pipeline only after the demo
	// is loaded). Quiet periods and "the same mentions never fire twice"
	// keep a second load from recording the alerts again.
	ev := alert.NewEvaluator(d.Alerts, alert.Options{Sender: unsent{}, Now: func() time.Time { return spikeDay.Add(22*time.Hour + 5*time.Minute) }})
	if _, err := ev.Evaluate(ctx, wsID, spikeIDs); err != nil {
		return fmt.Errorf("demo: evaluate alerts: %w", err)
	}
	ev.Wait()
	return nil
}

// demoChannels are where the demo's alert rules deliver besides the
// in-app list: the PR team's WeCom group robot and mailbox, and the
// marketing group's DingTalk robot with its signing secret. Their hosts
// are .example ones (RFC 2606), which resolve nowhere: an alert a running
// server fires in the demo workspace reaches no one.
var demoChannels = map[string][]listen.Channel{
	crisisRule: {
		{Kind: notify.WeCom, URL: "https://qyapi.weixin.example/cgi-bin/webhook/send?key=5e7c1a09-demo-4c3b-9f21-xianlan00pr"},
		{Kind: notify.Email, Email: "pr-duty@xianlan-coffee.example"},
	},
	volumeRule: {
		{Kind: notify.DingTalk, URL: "https://oapi.dingtalk.example/robot/send?access_token=demo0b6f2c94d1e8a7xianlan", Secret: "SECdemo9c1f0e7b2a64d3xianlan"},
	},
}

// unsent is the Sender of the demo's load: the alerts its spike fired
// show as delivered to their rules' channels, and nothing is sent.
type unsent struct{}

func (unsent) Send(context.Context, notify.Target, notify.Message) error { return nil }

// relinkCompetitorTopics points the competitor topics of an earlier load
// at the competitors refresh has just recreated (same names, new ids), so
// that SeedTopics does not seed them again and their mentions stay.
func relinkCompetitorTopics(ctx context.Context, d Deps, wsID int64) error {
	topics, err := d.Listen.Topics(ctx, wsID)
	if err != nil {
		return err
	}
	cs, err := d.Brand.Competitors.List(ctx, wsID)
	if err != nil {
		return err
	}
	current := map[int64]bool{}
	for _, c := range cs {
		current[c.ID] = true
	}
	for _, t := range topics {
		if t.CompetitorID == 0 || current[t.CompetitorID] {
			continue
		}
		for _, c := range cs {
			if c.Name == t.Name || strings.HasPrefix(c.Name, t.Name) {
				t.CompetitorID = c.ID
				if _, err := d.Listen.UpdateTopic(ctx, wsID, t); err != nil {
					return fmt.Errorf("demo: relink topic %q: %w", t.Name, err)
				}
				break
			}
		}
	}
	return nil
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = `"` + x + `"`
	}
	return out
}
