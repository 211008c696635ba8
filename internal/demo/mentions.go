package demo

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

// corpusText is one text of the corpus with its coarse polarity and how
// a brand name fits into it.
type corpusText struct {
	text string
	neg  bool
	fit  fit
}

// loadCorpus reads the shared Weibo texts the demo may show (see
// usable: the "usual" domain, without insults, epidemic news or long
// news-like posts), or returns nil when the file is not there.
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
	di, hasDomain := col["domain"]
	var out []corpusText
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(rec) <= max(ci, li) {
			continue
		}
		// The "virus" domain is the COVID-19 period's posts: news of the
		// epidemic, not a coffee brand's stream.
		if hasDomain && di < len(rec) && rec[di] == "virus" {
			continue
		}
		t := strings.TrimSpace(rec[ci])
		if !usable(t) {
			continue
		}
		c := corpusText{text: t, fit: fitOf(t)}
		switch rec[li] {
		case "angry", "sad", "fear":
			c.neg = true
		}
		out = append(out, c)
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
	// genNews are what brand news, official accounts and shop pages
	// say: the neutral part of a brand's stream, which the corpus's
	// posts a brand fits into (opinions) lack.
	genNews = []string{"冬季新品今天在天猫旗舰店上架，共三款口味", "线下快闪店本周六在静安寺开业", "会员日是每月八号，积分可以换杯子", "一盒十二颗，每颗两克，冷水热水都能冲",
		"配料表只有咖啡豆一种", "门店营业时间调整为早上八点到晚上九点", "官方号发布了联名款的海报", "双十二的预售从周三晚上八点开始",
		"挂耳每包十克，建议用九十度的水", "新包装下个月起陆续替换", "直播间今晚七点开播", "产地是云南保山和普洱",
		"冻干粉可以用冷水或牛奶冲开", "订阅装每月配送一次，可以随时暂停", "快闪店地址在南京西路地铁站二号口", "品牌发布了年度咖啡消费报告",
		"保质期十八个月，常温保存", "第三季度在华东新开了十二家门店", "与本地烘焙坊合作推出了秋季限定", "官方微博抽三位送试喝装",
		"春节期间线上订单照常发货，年后统一补发赠品", "新推出的燕麦拿铁冻干每盒八颗", "杭州的第一家门店开在湖滨银泰", "和航空公司合作，部分航班的餐食会配冷萃",
		"客服热线的服务时间改为九点到二十一点", "小程序上线了积分商城", "今年的圣诞礼盒包括两只杯子和一盒挂耳", "冷萃原液一瓶五百毫升，可以兑八杯",
		"超市渠道下周开始铺货", "官方解释了这次包装更换的原因", "成都春熙路店的装修已经完成", "新一期的产地纪录片在视频号播出",
		"招募一百位体验官试喝新品", "门店咖啡师的培训课程对外开放报名", "外卖平台的配送范围扩大到三公里", "咖啡渣会回收做成花肥",
		"旗舰店的发货仓从上海搬到了嘉兴", "新品的定价和老款一样", "包装盒换成了可回收纸材", "年会定制款需要提前一个月下单"}
	genNewsForms = []string{"#%[1]s# %[2]s。", "关于%[1]s：%[2]s。", "%[1]s：%[2]s"}
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
	// fitNeg and fitOther are the negative and other texts a brand name
	// fits into, by fit.
	fitNeg, fitOther [fitKinds][]corpusText
	loc              *time.Location
}

func newMentionGen(loc *time.Location) *mentionGen {
	g := &mentionGen{loc: loc}
	g.setCorpus(loadCorpus())
	return g
}

// setCorpus sorts the corpus's texts into the generator's pools.
func (g *mentionGen) setCorpus(corpus []corpusText) {
	g.corpus = corpus
	for _, c := range corpus {
		if c.neg {
			g.neg = append(g.neg, c)
			g.fitNeg[c.fit] = append(g.fitNeg[c.fit], c)
		} else {
			g.other = append(g.other, c)
			g.fitOther[c.fit] = append(g.fitOther[c.fit], c)
		}
	}
}

// text is one post's text: a corpus text, with a brand or competitor
// name worked into it when it is about one and the corpus has a text the
// name fits into, or a built-in sentence.
func (g *mentionGen) text(r *rand.Rand, about bool, negative bool) string {
	name := pickVoice(r)
	if len(g.corpus) > 0 {
		if !about {
			src := g.corpus
			switch {
			case negative && len(g.neg) > 0:
				src = g.neg
			case r.Float64() < 0.7 && len(g.other) > 0:
				// The corpus leans negative; everyday talk less so.
				src = g.other
			}
			return pick(r, src).text
		}
		// The corpus's posts a brand fits into are opinions, happy or
		// angry; the news and announcements that make up much of a
		// brand's stream come from the built-in ones.
		if negative || r.Float64() >= newsShare {
			if t, ok := g.brandText(r, name, negative); ok {
				return t
			}
		}
		return fmt.Sprintf(pick(r, genNewsForms), name, pick(r, genNews))
	}
	if !about {
		return pick(r, genSubjects) + "，" + pick(r, genPlain) + "。"
	}
	opinions := genNeutral
	switch x := r.Float64(); {
	case negative || x < 0.25:
		opinions = genNegative
	case x < 0.6:
		opinions = genPositive
	}
	return builtIn(r, name, opinions)
}

// newsShare is the share of brand posts that are brand news (genNews)
// when the corpus is there.
const newsShare = 0.3

// builtIn is a built-in brand post: a subject, the name and one of the
// opinions.
func builtIn(r *rand.Rand, name string, opinions []string) string {
	return fmt.Sprintf(pick(r, genForms), pick(r, genSubjects), name, pick(r, opinions))
}

// brandText works name into a corpus text it fits: a post about taste,
// price or service, a drink, or the day's mood (see fitOf), as often as
// fitWeights says. It reports false when the corpus has no such text.
func (g *mentionGen) brandText(r *rand.Rand, name string, negative bool) (string, bool) {
	x := r.Float64()
	f := fitDaily
	for k := fitProduct; k < fitKinds; k++ {
		if x < fitWeights[k] {
			f = k
			break
		}
		x -= fitWeights[k]
	}
	// A fit the corpus has no text of gives way to the next one.
	for range fitKinds - 1 {
		if len(g.fitNeg[f])+len(g.fitOther[f]) > 0 {
			break
		}
		f = f%(fitKinds-1) + 1
	}
	neg, other := g.fitNeg[f], g.fitOther[f]
	var t string
	switch {
	case len(neg)+len(other) == 0:
		return "", false
	case negative && len(neg) > 0 || len(other) == 0:
		t = pick(r, neg).text
	case negative || len(neg) == 0 || r.Float64() < 0.7:
		// The corpus leans negative; a brand's everyday talk less so.
		t = pick(r, other).text
	default:
		if i := r.IntN(len(neg) + len(other)); i < len(neg) {
			t = neg[i].text
		} else {
			t = other[i-len(neg)].text
		}
	}
	if f == fitDrink {
		if s := inCoffeeTalk(t, name); s != "" {
			return s, true
		}
	}
	return fmt.Sprintf(pick(r, brandForms[f]), name, t), true
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
			// Written complaints about the product, not the corpus's:
			// its angry posts are about other companies' goods.
			tr := textRand(seed, n+i)
			t := fmt.Sprintf("%s，闲岚冷萃%s！%s。", pick(tr, genSubjects), pick(tr, crisisWords), pick(tr, genNegative))
			if copied != "" && i%5 == 0 {
				t = copied
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
// nil leaves them without one), labels the team's labelled posts and
// retrains the workspace's sentiment model on the corrections (trainModel),
// and records the alerts the spike fires.
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
	var spikeIDs, stored []int64
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
		stored = append(stored, res.IDs...)
	}
	if err := correctSentiments(ctx, ls, wsID, stored); err != nil {
		return err
	}
	d.step("the team's sentiment labels and the workspace's retrained sentiment model")
	res, err := ls.Ingest(ctx, wsID, labelledPostsOf(g, today, now))
	if err != nil {
		return fmt.Errorf("demo: ingest the labelled posts: %w", err)
	}
	if err := labelPosts(ctx, ls, wsID, res.IDs); err != nil {
		return err
	}
	if _, _, err := trainModel(ctx, ls, wsID); err != nil {
		return err
	}
	if d.Alerts == nil || len(spikeIDs) == 0 {
		return nil
	}
	// Evaluate the rules as they would have run right after the spike
	// (the server sets its evaluator on the pipeline only after the demo
	// is loaded). Quiet periods and "the same mentions never fire twice"
	// keep a second load from recording the alerts again.
	// Its log is dropped: the refusal it records (unsent) is the demo's
	// story, not a fault of the load to warn of.
	ev := alert.NewEvaluator(d.Alerts, alert.Options{Sender: unsent{}, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return spikeDay.Add(22*time.Hour + 5*time.Minute) }})
	if _, err := ev.Evaluate(ctx, wsID, spikeIDs); err != nil {
		return fmt.Errorf("demo: evaluate alerts: %w", err)
	}
	ev.Wait()
	return nil
}

// maxCorrections is how many of a load's new mentions the team corrects.
const maxCorrections = 3

// correctSentiments does what the team did on the mentions page (the
// audit log's sentiment change): of the newly stored mentions ids, it
// corrects those that only state facts or ask — brand news, a neutral
// built-in sentence — but that the model read as positive or negative, to
// neutral, through the service's correction, which moves the roll-ups'
// counts and feeds the corrections export. Mentions an earlier load
// stored are not in ids, so a second load corrects nothing more.
func correctSentiments(ctx context.Context, ls *listen.Service, wsID int64, ids []int64) error {
	n := 0
	for _, id := range ids {
		if n == maxCorrections {
			break
		}
		m, err := ls.Mention(ctx, wsID, id)
		if err != nil {
			return fmt.Errorf("demo: read mention %d: %w", id, err)
		}
		if m.Sentiment == listen.Neutral || m.SentimentCorrected || !saysNothing(m.Text) {
			continue
		}
		if _, err := ls.CorrectSentiment(ctx, wsID, id, listen.Neutral); err != nil {
			return fmt.Errorf("demo: correct mention %d: %w", id, err)
		}
		n++
	}
	return nil
}

// saysNothing tells a text made from the demo's neutral sentences: brand
// news, or a question or plain fact about a brand.
func saysNothing(text string) bool {
	for _, pool := range [][]string{genNews, genNeutral} {
		for _, s := range pool {
			if strings.Contains(text, s) {
				return true
			}
		}
	}
	return false
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

// unsent is the Sender of the demo's load: nothing is sent. The alerts
// its spike fired show as delivered to their rules' channels, but for the
// marketing group's DingTalk robot, whose access_token the team copied
// wrong: it refused the alert as DingTalk refuses an unknown token, for
// good, so no delivery job tries it again and the alert page shows the
// refusal and offers to send it again (once the rule's address is fixed).
type unsent struct{}

func (unsent) Send(_ context.Context, t notify.Target, _ notify.Message) error {
	if t.Kind == notify.DingTalk {
		return wrongToken
	}
	return nil
}

// wrongToken is the error notify.Send returns when a DingTalk robot
// answers {"errcode": 300001, "errmsg": "token is not exist"}: a
// permanent refusal with the platform's code, message and hint.
var wrongToken = &notify.Error{Kind: notify.DingTalk, Status: 200, Code: 300001, Msg: "token is not exist",
	Hint: "the access_token in the webhook URL is wrong", Reason: "platform_code", Args: map[string]any{"Code": "300001", "Msg": "token is not exist"}, HintCode: "dingtalk.300001"}

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
