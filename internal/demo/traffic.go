package demo

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
)

// TrafficStore is what the traffic generator needs of storage beyond the
// services: the click store the batch writer writes through, and a way to
// clear the workspace's conversions before they are generated again.
type TrafficStore interface {
	link.ClickStore
	// DeleteConversions removes the workspace's conversion events and
	// customers.
	DeleteConversions(ctx context.Context, workspaceID int64) error
	// Analyze refreshes the query planner's statistics after the load.
	Analyze(ctx context.Context) error
	// SetLinkCreated dates a link's creation back to before its first
	// click.
	SetLinkCreated(ctx context.Context, workspaceID, id int64, at time.Time) error
}

// TrafficStats says what refreshTraffic generated.
type TrafficStats struct {
	Links       int           `json:"links"`
	Hits        int           `json:"hits"`    // clicks handed to the writer
	Written     uint64        `json:"written"` // clicks the writer stored
	Conversions int           `json:"conversions"`
	Took        time.Duration `json:"took"`
}

// trafficSeed makes the generated traffic the same on every load.
const trafficSeed = 20260301

// trafficDays is how many days of traffic the demo has, today included.
const trafficDays = 60

// demoLink is one tracked link of the demo: which campaign (by slug), on
// which channel, how busy it is relative to the others.
type demoLink struct {
	campaign string // slug; "" for a link of no campaign
	channel  string
	label    string
	dest     string
	weight   float64
	// peak is the day of the campaign (from its start) its post went out;
	// clicks come mostly in the days after.
	peak int
}

const shop = "https://shop.xianlan-coffee.example"

var demoLinks = []demoLink{
	{"winter-warm-coffee", "xiaohongshu", "阿May 冬日热拿铁笔记", shop + "/winter?sku=freeze-dried-12", 1.6, 12},
	{"winter-warm-coffee", "xiaohongshu", "官方号 · 三秒溶办公室", shop + "/winter?sku=freeze-dried-12", 0.8, 3},
	{"winter-warm-coffee", "xiaohongshu", "信息流 · 冬日配方合集", shop + "/winter/recipes", 0.7, 16},
	{"winter-warm-coffee", "douyin", "早八研究所 剧情视频", shop + "/winter?sku=cold-brew-6", 1.8, 11},
	{"winter-warm-coffee", "douyin", "DOU+ 加热 · 热拿铁教程", shop + "/winter?sku=cold-brew-6", 1.2, 13},
	{"winter-warm-coffee", "douyin", "直播间小黄车", shop + "/live", 0.9, 15},
	{"winter-warm-coffee", "weibo", "#冬日暖咖季# 话题主帖", shop + "/winter", 1.0, 10},
	{"winter-warm-coffee", "weibo", "转发抽奖", shop + "/winter/lottery", 0.6, 14},
	{"winter-warm-coffee", "wechat_oa", "公众号推文 · 冬日第一杯", shop + "/winter?from=oa", 0.8, 12},
	{"winter-warm-coffee", "wechat_oa", "社群专属券", shop + "/coupon/winter", 0.5, 18},
	{"origin-flavour-season", "bilibili", "盲测挑战视频", shop + "/origin?sku=drip-10", 1.4, 10},
	{"origin-flavour-season", "bilibili", "冲煮参数科普", shop + "/origin/guide", 0.6, 20},
	{"origin-flavour-season", "weibo", "#一周喝遍世界# 话题", shop + "/origin", 1.0, 9},
	{"origin-flavour-season", "xiaohongshu", "阿May 产地挂耳测评", shop + "/origin?sku=drip-10", 1.1, 14},
	{"origin-flavour-season", "zhihu", "产地科普问答", shop + "/origin/guide", 0.5, 12},
	{"", "wechat_oa", "公众号菜单 · 官方商城", shop + "/", 0.35, 0},
	// A marketplace store page carries no snippet: its effective clicks are
	// its unique clicks, and the reports say so.
	{"winter-warm-coffee", "weibo", "天猫旗舰店 · 冬日礼盒", tmall + "/winter-gift", 0.4, 12},
	// The official account's menu still leads to the brand's old
	// micro-shop, linked before the team set the allowlist (the audit log
	// dates it): the link is outside the list and keeps redirecting, as
	// the settings page's note of such links says.
	{"", "wechat_oa", "公众号菜单 · 有赞微店（旧店）", youzan + "/shop?from=oa-menu", 0.12, 0},
}

// youzan is the brand's old micro-shop, from before its own shop.
const youzan = "https://xianlan.youzan.example"

// tmall is the brand's store on a marketplace, where it cannot install
// the snippet.
const tmall = "https://xianlan.tmall.example"

// demoAllowlist is the demo workspace's destination-domain allowlist: the
// brand's own domain (its shop and landing pages) and its marketplace
// store, which every demo link made since leads to, and nothing else of
// the marketplace.
var demoAllowlist = []string{"xianlan-coffee.example", "xianlan.tmall.example"}

// beforeList tells a demo link made before the allowlist: one that leads
// outside it.
func (dl demoLink) beforeList() bool {
	u, err := url.Parse(dl.dest)
	return err != nil || !link.DomainAllowed(u.Hostname(), demoAllowlist)
}

// region is where a share of the demo's visitors are; the demo's locator
// answers it for the addresses the generator gives them. Codes are ISO
// 3166-2 subdivisions of China, as GeoIP databases give them.
type region struct {
	code  string
	share float64
}

var regions = []region{
	{"SH", 0.18}, {"BJ", 0.15}, {"GD", 0.17}, {"ZJ", 0.11}, {"JS", 0.09}, // Shanghai, Beijing, Guangdong, Zhejiang, Jiangsu
	{"SC", 0.07}, {"HB", 0.05}, {"FJ", 0.05}, {"SD", 0.05}, {"CQ", 0.04}, {"SN", 0.04}, // Sichuan, Hubei, Fujian, Shandong, Chongqing, Shaanxi
}

// demoGeo locates the generator's addresses (10.<region>.x.y) as a GeoIP
// database would locate real ones, so the writer fills country and region
// through its usual Locator.
type demoGeo struct{}

func (demoGeo) Locate(ip string) (string, string) {
	a := net.ParseIP(ip).To4()
	if a == nil || a[0] != 10 || int(a[1]) >= len(regions) {
		return "", ""
	}
	return "CN", regions[a[1]].code
}

// Human user agents by kind; %d takes a version number so that visitors
// differ.
var (
	uaIPhoneWeChat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_%d like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.%d(0x18002f2c) NetType/WIFI Language/zh_CN"
	uaAndroidWB    = "Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/1%02d.0 Mobile Safari/537.36 Weibo (vivo-V2203A__weibo__13.%d.1__android__android13)"
	uaIPhoneSafari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_%d like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.%d Mobile/15E148 Safari/604.1"
	uaAndroid      = "Mozilla/5.0 (Linux; Android 14; PJD110) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/1%02d.0.0.0 Mobile Safari/537.36 XWEB/%d"
	uaIPad         = "Mozilla/5.0 (iPad; CPU OS 16_%d like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.%d Mobile/15E148 Safari/604.1"
	uaDesktop      = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/1%02d.0.0.0 Safari/537.36 Edg/%d.0"
	uaMac          = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.%d Safari/605.1.%d"
)

// Machines that follow links: search and AI crawlers, scripts, and the
// link-preview fetchers of chat and social apps (with the tokens their
// real user agents carry).
var (
	botAgents = []string{
		"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
		"Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
		"Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/69.0.3497.81 YisouSpider/5.0 Safari/537.36",
		"python-requests/2.31.0",
		"curl/8.5.0",
		"",
	}
	previewWeChat = []string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 WeChatShareExtension",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 WeChatShareExtensionNew/8.0.47",
	}
	previewWeibo = []string{"Mozilla/5.0 (compatible; Sinaweibobot; +http://weibo.com)"}
	previewOther = []string{
		"QQ-URL-Manager",
		"Mozilla/5.0 (compatible; DingTalkBot-LinkService/1.0; +https://open.dingtalk.com)",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0 Safari/537.36 LarkUrl2Card",
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
	}
)

var channelReferrers = map[string][]string{
	"xiaohongshu": {"https://www.xiaohongshu.com/explore", "https://www.xiaohongshu.com/", ""},
	"douyin":      {"https://www.douyin.com/", "https://www.iesdouyin.com/share/video/", ""},
	"weibo":       {"https://m.weibo.cn/", "https://weibo.com/", "https://s.weibo.com/weibo"},
	"wechat_oa":   {"", "https://mp.weixin.qq.com/"},
	"bilibili":    {"https://www.bilibili.com/video/", "https://m.bilibili.com/"},
	"zhihu":       {"https://www.zhihu.com/question/", "https://zhuanlan.zhihu.com/"},
}

// hourShape is the share of a day's clicks in each hour (workspace time):
// a commute bump, lunch, and the evening scroll that peaks around 21–22 h.
var hourShape = [24]float64{
	1.2, 0.7, 0.4, 0.25, 0.2, 0.3, 0.8, 2.0, 3.2, 3.0, 2.6, 2.9,
	4.0, 3.8, 2.8, 2.6, 2.7, 3.0, 3.6, 4.2, 5.2, 5.8, 5.0, 2.8,
}

// person is a visitor the generator keeps, so that people come back.
type person struct {
	ip, ua   string
	referrer int
}

// genClick is one generated click with what the generator knows of it.
type genClick struct {
	hit    link.Hit
	li     int // index into the created links
	person int // index into people; -1 for machines other than a person's browser prefetching
	human  bool
	// firstOfDay: the first human click of this person on this link on
	// this day, which the writer should count unique.
	firstOfDay bool
}

// refreshTraffic deletes the demo workspace's links (with their clicks and
// roll-ups) and conversions, creates the demo's tracked links through the
// link service, those made before the destination-domain allowlist first,
// then sets the list and creates the rest (which the service checks
// against it), and generates 60 days of clicks through a batch writer —
// classification, visitor hashes, unique clicks, regions and roll-ups are
// the writer's and the store's — then conversions through the conversion
// service, with the real click ids of unique human clicks.
func refreshTraffic(ctx context.Context, d Deps, wsID int64, now time.Time) (TrafficStats, error) {
	began := time.Now()
	var st TrafficStats
	if err := clearTraffic(ctx, d, wsID); err != nil {
		return st, err
	}
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	camps, err := d.Campaigns.List(ctx, wsID)
	if err != nil {
		return st, fmt.Errorf("demo: list campaigns: %w", err)
	}
	bySlug := map[string]campaign.Campaign{}
	for _, c := range camps {
		bySlug[c.Slug] = c
	}
	// As the team did: the links made before the list first, with no
	// list; then the list, which every later link is checked against.
	links := make([]link.Link, len(demoLinks))
	for _, before := range []bool{true, false} {
		list := demoAllowlist
		if before {
			list = nil
		}
		if _, err := d.Links.SetAllowedDomains(ctx, wsID, list); err != nil {
			return st, fmt.Errorf("demo: set allowed domains: %w", err)
		}
		for i, dl := range demoLinks {
			if dl.beforeList() != before {
				continue
			}
			in := link.Input{Destination: dl.dest, Label: dl.label, Channel: dl.channel}
			if c, ok := bySlug[dl.campaign]; ok {
				id := c.ID
				in.CampaignID = &id
			}
			if links[i], err = d.Links.Create(ctx, wsID, in); err != nil {
				return st, fmt.Errorf("demo: create link %q: %w", dl.label, err)
			}
		}
	}
	st.Links = len(links)

	rng := rand.New(rand.NewPCG(trafficSeed, 1))
	clicks, people := generateClicks(rng, links, bySlug, wsID, now, loc)
	st.Hits = len(clicks)
	// A link was made shortly before its first click, not at load time.
	made := map[int]bool{}
	for _, c := range clicks {
		if made[c.li] {
			continue
		}
		made[c.li] = true
		created := c.hit.At.Add(-2 * time.Hour)
		if err := d.Clicks.SetLinkCreated(ctx, wsID, links[c.li].ID, created); err != nil {
			return st, fmt.Errorf("demo: date link %q: %w", links[c.li].Label, err)
		}
		links[c.li].CreatedAt = created
	}

	w := link.NewWriter(d.Clicks, link.WriterOptions{
		QueueSize: len(clicks) + 1, BatchSize: 5000, MaxBatch: 10000, Geo: demoGeo{},
	})
	for _, c := range clicks {
		w.Record(c.hit)
	}
	if err := w.Drain(ctx); err != nil {
		return st, fmt.Errorf("demo: store clicks: %w", err)
	}
	ws := w.Stats()
	st.Written = ws.Written
	if ws.Failed > 0 || ws.Dropped > 0 {
		return st, fmt.Errorf("demo: the click writer lost %d and dropped %d of %d clicks", ws.Failed, ws.Dropped, len(clicks))
	}
	// The writer stored a salt for every past day it hashed; forget them
	// now, as the server's hourly cleanup does for its own days.
	if err := d.Clicks.ForgetBefore(ctx, link.SaltCutoff(now), now.Add(-time.Hour)); err != nil {
		return st, fmt.Errorf("demo: forget old salts: %w", err)
	}

	events := generateConversions(rng, clicks, people, links, now)
	if st.Conversions, err = collect(ctx, d.Conversions, wsID, events); err != nil {
		return st, err
	}
	if err := d.Clicks.Analyze(ctx); err != nil {
		return st, fmt.Errorf("demo: %w", err)
	}
	st.Took = time.Since(began)
	return st, nil
}

// clearTraffic deletes the workspace's conversions and links; deleting a
// link deletes its clicks and roll-ups (its unique keys go with their
// day).
func clearTraffic(ctx context.Context, d Deps, wsID int64) error {
	if err := d.Clicks.DeleteConversions(ctx, wsID); err != nil {
		return fmt.Errorf("demo: delete conversions: %w", err)
	}
	for {
		old, err := d.Links.List(ctx, wsID, link.Filter{})
		if err != nil {
			return fmt.Errorf("demo: list links: %w", err)
		}
		if len(old) == 0 {
			return nil
		}
		for _, l := range old {
			if err := d.Links.Delete(ctx, wsID, l.ID); err != nil {
				return fmt.Errorf("demo: delete link %d: %w", l.ID, err)
			}
		}
	}
}

// activity is how busy a campaign's links are on a day, 0 … ~2: low in a
// teaser phase, high in the 引爆 (burst) phase, decaying after the end.
func activity(c campaign.Campaign, day campaign.Date) float64 {
	if c.ID == 0 {
		return 1 // links of no campaign: steady
	}
	n := daysBetween(c.Start, day)
	if n < -3 {
		return 0
	}
	if n < 0 {
		return 0.05
	}
	level := 0.5
	for _, ph := range c.Phases {
		if daysBetween(ph.Start, day) >= 0 && daysBetween(day, ph.End) >= 0 {
			switch ph.Name {
			case "预热":
				level = 0.35 + 0.04*float64(daysBetween(ph.Start, day))
			case "引爆":
				level = 1.6
			case "持续":
				level = 0.9
			case "长尾", "收尾":
				level = 0.5 - 0.02*float64(daysBetween(ph.Start, day))
			}
		}
	}
	if after := daysBetween(c.End, day); after > 0 {
		level = 0.35 * math.Exp(-float64(after)/7)
	}
	return math.Max(level, 0.02)
}

func daysBetween(a, b campaign.Date) int {
	ta, err1 := time.Parse(time.DateOnly, string(a))
	tb, err2 := time.Parse(time.DateOnly, string(b))
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}

// clicksPerWeight is the clicks a link of weight 1 gets on a day of
// activity 1; it sets the total to a few tens of thousands over 60 days.
const clicksPerWeight = 95

func generateClicks(rng *rand.Rand, links []link.Link, bySlug map[string]campaign.Campaign, wsID int64, now time.Time, loc *time.Location) ([]genClick, []person) {
	people := makePeople(rng, 16000)
	today := campaign.DateOf(now.In(loc))
	var out []genClick
	// recent holds, per link, people who clicked it lately: they come back.
	recent := make([][]int, len(links))
	for back := trafficDays - 1; back >= 0; back-- {
		day := today.AddDays(-back)
		t0, _ := time.ParseInLocation(time.DateOnly, string(day), loc)
		weekday := map[time.Weekday]float64{time.Monday: 0.9, time.Tuesday: 0.95, time.Wednesday: 1, time.Thursday: 1, time.Friday: 1.05, time.Saturday: 1.2, time.Sunday: 1.15}[t0.Weekday()]
		var dayClicks []genClick
		todays := make([][]int, len(links))
		for li, dl := range demoLinks {
			c := bySlug[dl.campaign]
			a := activity(c, day)
			if c.ID != 0 && dl.peak > 0 {
				// The post's own burst: the days after it went out.
				if n := daysBetween(c.Start.AddDays(dl.peak), day); n >= 0 {
					a += 1.4 * math.Exp(-float64(n)/3)
				} else if n > -30 {
					a *= 0.6
				}
			}
			mean := clicksPerWeight * dl.weight * a * weekday * (0.85 + 0.3*rng.Float64())
			n := int(math.Round(mean))
			for range n {
				hour := pickHour(rng)
				at := t0.Add(time.Duration(hour)*time.Hour + time.Duration(rng.IntN(3600))*time.Second + time.Duration(rng.IntN(1000))*time.Millisecond)
				gc := genClick{li: li, person: -1, hit: link.Hit{
					ClickID: clickID(rng, at), LinkID: links[li].ID, WorkspaceID: wsID, Loc: loc, At: at, Method: "GET",
				}}
				switch r := rng.Float64(); {
				case r < shareHuman: // a person, sometimes one who came before
					var p int
					if ts := todays[li]; len(ts) > 0 && rng.Float64() < 0.12 {
						p = ts[rng.IntN(len(ts))] // back again the same day: not unique
					} else if rs := recent[li]; len(rs) > 0 && rng.Float64() < 0.22 {
						p = rs[rng.IntN(len(rs))]
					} else {
						p = rng.IntN(len(people))
						if len(recent[li]) < 400 {
							recent[li] = append(recent[li], p)
						} else {
							recent[li][rng.IntN(400)] = p
						}
					}
					todays[li] = append(todays[li], p)
					pp := people[p]
					gc.person, gc.human = p, true
					gc.hit.IP, gc.hit.UserAgent = pp.ip, pp.ua
					refs := channelReferrers[dl.channel]
					gc.hit.Referrer = refs[pp.referrer%len(refs)]
				default:
					gc.person = machineHit(rng, r, dl.channel, people, &gc.hit)
				}
				dayClicks = append(dayClicks, gc)
			}
		}
		// In time order within the day, as a server would see them; the
		// first click of a person on a link that day is the unique one.
		sortClicks(dayClicks)
		firsts := map[[2]int]bool{}
		for i := range dayClicks {
			if c := &dayClicks[i]; c.human {
				key := [2]int{c.li, c.person}
				c.firstOfDay = !firsts[key]
				firsts[key] = true
			}
		}
		out = append(out, dayClicks...)
	}
	// Today's clicks that are still to come are left out. They are the
	// end of the list, so the clicks before now, and everything drawn for
	// them, are the same whenever the demo loads.
	end := len(out)
	for end > 0 && !out[end-1].hit.At.Before(now) {
		end--
	}
	return out[:end], people
}

func sortClicks(cs []genClick) {
	slices.SortStableFunc(cs, func(a, b genClick) int { return a.hit.At.Compare(b.hit.At) })
}

func pickHour(rng *rand.Rand) int {
	total := 0.0
	for _, v := range hourShape {
		total += v
	}
	r := rng.Float64() * total
	for h, v := range hourShape {
		if r < v {
			return h
		}
		r -= v
	}
	return 23
}

func makePeople(rng *rand.Rand, n int) []person {
	cum := make([]float64, len(regions))
	sum := 0.0
	for i, r := range regions {
		sum += r.share
		cum[i] = sum
	}
	out := make([]person, n)
	for i := range out {
		x := rng.Float64() * sum
		ri := 0
		for ri < len(cum)-1 && x > cum[ri] {
			ri++
		}
		ip := fmt.Sprintf("10.%d.%d.%d", ri, rng.IntN(256), 1+rng.IntN(254))
		var ua string
		switch r := rng.Float64(); {
		case r < 0.34:
			ua = fmt.Sprintf(uaIPhoneWeChat, 1+rng.IntN(5), 40+rng.IntN(10))
		case r < 0.52:
			ua = fmt.Sprintf(uaAndroid, 18+rng.IntN(8), 8000+rng.IntN(400))
		case r < 0.64:
			ua = fmt.Sprintf(uaAndroidWB, 18+rng.IntN(8), 5+rng.IntN(6))
		case r < 0.80:
			ua = fmt.Sprintf(uaIPhoneSafari, 1+rng.IntN(5), 1+rng.IntN(5))
		case r < 0.85:
			ua = fmt.Sprintf(uaIPad, 1+rng.IntN(6), 1+rng.IntN(6))
		case r < 0.95:
			ua = fmt.Sprintf(uaDesktop, 20+rng.IntN(6), 120+rng.IntN(6))
		default:
			ua = fmt.Sprintf(uaMac, 1+rng.IntN(5), 10+rng.IntN(9))
		}
		out[i] = person{ip: ip, ua: ua, referrer: rng.IntN(3)}
	}
	return out
}

// The mix of who follows a link, as cumulative shares of clicks: people,
// then link previews (the card drawn when someone shares the link), then
// crawlers and scripts; the rest are browsers prefetching the link.
const (
	shareHuman   = 0.71
	upToPreview  = 0.83
	upToCrawlers = 0.96
)

// machineHit fills h as a click that no person made: r (at least
// shareHuman) picks which kind, channel the preview fetchers likely. It
// returns the person whose browser prefetched the link, or -1.
func machineHit(rng *rand.Rand, r float64, channel string, people []person, h *link.Hit) int {
	switch {
	case r < upToPreview:
		var pool []string
		switch {
		case channel == "weibo" && rng.Float64() < 0.7:
			pool = previewWeibo
		case rng.Float64() < 0.75:
			pool = previewWeChat
		default:
			pool = previewOther
		}
		h.UserAgent = pool[rng.IntN(len(pool))]
		h.IP = machineIP(rng)
	case r < upToCrawlers:
		h.UserAgent = botAgents[rng.IntN(len(botAgents))]
		h.IP = machineIP(rng)
		if rng.Float64() < 0.1 {
			h.Method = "HEAD"
		}
	default:
		p := rng.IntN(len(people))
		h.IP, h.UserAgent, h.Purpose = people[p].ip, people[p].ua, "prefetch"
		return p
	}
	return -1
}

// SampleHits returns n requests in the demo traffic's mix, as they reach a
// short link: people (of a population of the given size, each with a
// user agent and an address), link previews, crawlers and prefetches.
// Only the user agent, method, Sec-Purpose and address are set; bench
// redirect sends them, so that its clicks are classified and stored as
// real ones are.
func SampleHits(seed uint64, n, population int) []link.Hit {
	rng := rand.New(rand.NewPCG(seed, 11))
	people := makePeople(rng, population)
	out := make([]link.Hit, n)
	channels := slices.Sorted(maps.Keys(channelReferrers))
	for i := range out {
		h := &out[i]
		h.Method = "GET"
		if r := rng.Float64(); r < shareHuman {
			pp := people[rng.IntN(len(people))]
			h.IP, h.UserAgent = pp.ip, pp.ua
		} else {
			machineHit(rng, r, channels[rng.IntN(len(channels))], people, h)
		}
	}
	return out
}

// machineIP is an address of a data centre, which the demo's locator
// does not place.
func machineIP(rng *rand.Rand) string {
	return fmt.Sprintf("172.%d.%d.%d", 16+rng.IntN(16), rng.IntN(256), 1+rng.IntN(254))
}

// clickID makes a click id of the form the redirect's have (a time prefix
// and random characters), from the generator's seed so that loads repeat.
func clickID(rng *rand.Rand, at time.Time) string {
	const alphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
	var b strings.Builder
	ms := uint64(at.UnixMilli())
	var prefix [7]byte
	for i := 6; i >= 0; i-- {
		prefix[i] = alphabet[ms%64]
		ms /= 64
	}
	b.Write(prefix[:])
	for range 16 {
		b.WriteByte(alphabet[rng.IntN(64)])
	}
	return b.String()
}

// event is one conversion the generator sends, with when it happened.
type event struct {
	p conversion.Payload
	// after says the event must wait for the customer's first purchase.
	after bool
}

// products the demo's shop sells, by campaign slug: price in CNY.
var campaignPrices = map[string][]float64{
	"winter-warm-coffee":    {69, 99, 129, 199},
	"origin-flavour-season": {59, 118},
	"":                      {69, 59},
}

func generateConversions(rng *rand.Rand, clicks []genClick, people []person, links []link.Link, now time.Time) []event {
	var out []event
	order := 0
	customers := map[int]string{} // person -> customer id
	last := map[int]int{}         // person -> index in out of their latest purchase with a customer id
	clickLink := map[string]int{} // cid -> index into demoLinks
	clickBy := map[string]int{}   // cid -> person
	clamp := func(t time.Time) *time.Time {
		if t.After(now) {
			t = now
		}
		t = t.UTC()
		return &t
	}
	for _, c := range clicks {
		if !c.human || !c.firstOfDay {
			continue
		}
		cid := c.hit.ClickID
		at := c.hit.At
		clickLink[cid] = c.li
		clickBy[cid] = c.person
		if !strings.HasPrefix(demoLinks[c.li].dest, shop) {
			continue // no snippet on the page: no landing, nothing reported
		}
		if rng.Float64() >= 0.6 {
			continue // no landing: the page did not load, or the visitor left at once
		}
		land := at.Add(time.Duration(2+rng.IntN(12)) * time.Second)
		out = append(out, event{p: conversion.Payload{Event: conversion.Landing, ClickID: cid, TS: clamp(land)}})
		if rng.Float64() < 0.58 { // ≈ 35 % of unique clicks
			out = append(out, event{p: conversion.Payload{Event: conversion.Engaged, ClickID: cid, TS: clamp(land.Add(time.Duration(12+rng.IntN(150)) * time.Second))}})
		} else if rng.Float64() < 0.8 {
			continue // a short visit converts rarely
		}
		dl := demoLinks[c.li]
		// Asking customer service comes before leaving a contact for many
		// visitors, so inquiries outnumber leads, as on Chinese shops.
		if rng.Float64() < 0.2 {
			out = append(out, event{p: conversion.Payload{Event: conversion.Inquiry, ClickID: cid, TS: clamp(land.Add(time.Duration(1+rng.IntN(20)) * time.Minute)), Props: map[string]any{"via": "客服"}}})
		}
		leadDone := false
		if rng.Float64() < 0.07 {
			leadDone = true
			ev := conversion.Lead
			if rng.Float64() < 0.4 {
				ev = conversion.Signup
			}
			out = append(out, event{p: conversion.Payload{Event: ev, ClickID: cid, TS: clamp(land.Add(time.Duration(2+rng.IntN(30)) * time.Minute))}})
		}
		if rng.Float64() < 0.04 {
			out = append(out, event{p: conversion.Payload{Event: conversion.CouponClaim, ClickID: cid, TS: clamp(land.Add(time.Duration(1+rng.IntN(10)) * time.Minute))}})
		}
		if rng.Float64() >= 0.13 {
			continue
		}
		out = append(out, event{p: conversion.Payload{Event: conversion.AddToCart, ClickID: cid, TS: clamp(land.Add(time.Duration(1+rng.IntN(15)) * time.Minute))}})
		if rng.Float64() >= 0.55 {
			continue
		}
		prices := campaignPrices[dl.campaign]
		value := prices[rng.IntN(len(prices))] * float64(1+rng.IntN(2))
		order++
		buy := land.Add(time.Duration(3+rng.IntN(60*24)) * time.Minute)
		if !leadDone {
			// Buying needs an account in the demo shop: the sign-up is a
			// lead, so purchases stay a share of leads as METRICS.md reads them.
			out = append(out, event{p: conversion.Payload{Event: conversion.Signup, ClickID: cid, TS: clamp(buy.Add(-time.Minute))}})
		}
		p := conversion.Payload{Event: conversion.Purchase, ClickID: cid, Value: value, Currency: "CNY",
			OrderID: orderID(buy, order), TS: clamp(buy)}
		if rng.Float64() < 0.7 {
			cust, ok := customers[c.person]
			if !ok {
				cust = fmt.Sprintf("XL-C%05d", c.person)
				customers[c.person] = cust
			}
			p.CustomerID = cust
			last[c.person] = len(out)
		}
		out = append(out, event{p: p})
	}
	out = append(out, prefetchLandings(clicks, now)...)
	for _, c := range clicks {
		if c.hit.Purpose == "prefetch" {
			clickBy[c.hit.ClickID] = c.person
		}
	}
	// The snippet sends its browser id with every event: a person's
	// browser keeps one for the whole demo, which ties their clicks of
	// other days together for first-touch and linear attribution.
	for i := range out {
		if cid := out[i].p.ClickID; cid != "" {
			out[i].p.BrowserID = fmt.Sprintf("demo-browser%06d", clickBy[cid])
		}
	}
	// Some customers buy again within the month, from the shop's server,
	// with only their customer id: it attributes to the customer's last
	// tracked click, which is the click of their latest purchase.
	rng = rand.New(rand.NewPCG(trafficSeed, 2)) // apart, so that the clicks of the day so far do not shift it
	for _, i := range slices.Sorted(maps.Values(last)) {
		first := out[i].p
		if rng.Float64() >= 0.3 {
			continue
		}
		again := first.TS.Add(time.Duration(3+rng.IntN(24)) * 24 * time.Hour)
		if !again.Before(now) {
			continue
		}
		order++
		prices := campaignPrices[demoLinks[clickLink[first.ClickID]].campaign]
		out = append(out, event{after: true, p: conversion.Payload{Event: conversion.Purchase, CustomerID: first.CustomerID,
			Value: prices[rng.IntN(len(prices))], Currency: "CNY", OrderID: orderID(again, order), TS: clamp(again)}})
	}
	return out
}

// usedPrefetch is the share of browsers' prefetches of a shop link whose
// response the person then opened: the rest were speculation never shown.
const usedPrefetch = 0.3

// prefetchLandings are the landings (some engaged) the snippet reports
// from pages a person opened from their browser's prefetch, which made no
// request of its own: the collect path makes such a prefetch the person's
// click. They draw from a random source of their own, so that the other
// events stay what they were.
func prefetchLandings(clicks []genClick, now time.Time) []event {
	rng := rand.New(rand.NewPCG(trafficSeed, 3))
	var out []event
	for _, c := range clicks {
		if c.hit.Purpose != "prefetch" || c.person < 0 || !strings.HasPrefix(demoLinks[c.li].dest, shop) {
			continue
		}
		if rng.Float64() >= usedPrefetch {
			continue
		}
		land := c.hit.At.Add(time.Duration(3+rng.IntN(120)) * time.Second)
		if !land.Before(now) {
			continue
		}
		ts := land.UTC()
		out = append(out, event{p: conversion.Payload{Event: conversion.Landing, ClickID: c.hit.ClickID, TS: &ts}})
		if rng.Float64() < 0.5 {
			if eng := land.Add(time.Duration(12+rng.IntN(150)) * time.Second); eng.Before(now) {
				eng = eng.UTC()
				out = append(out, event{p: conversion.Payload{Event: conversion.Engaged, ClickID: c.hit.ClickID, TS: &eng}})
			}
		}
	}
	return out
}

func orderID(t time.Time, n int) string {
	return "XL" + t.Format("20060102") + "-" + strconv.Itoa(100000+n)
}

// collect sends the events through the conversion service, first those
// with a click, then the later purchases that only name a customer (which
// need the customer's first purchase stored).
func collect(ctx context.Context, cs *conversion.Service, wsID int64, events []event) (int, error) {
	// The clicks are all stored: nothing to wait for.
	svc := *cs
	svc.ClickWait = 0
	site := conversion.Site{WorkspaceID: wsID, Currency: currency}
	n := 0
	for _, later := range []bool{false, true} {
		var batch []conversion.Payload
		for _, e := range events {
			if e.after == later {
				batch = append(batch, e.p)
			}
		}
		if err := collectAll(ctx, &svc, site, batch); err != nil {
			return n, err
		}
		n += len(batch)
	}
	// The demo shop's server reports its events, so the workspace counts
	// only the purchases it reports, as a shop with a server should: the
	// public key on its pages could report any.
	if err := cs.SetServerPurchasesOnly(ctx, wsID, true); err != nil {
		return n, fmt.Errorf("demo: count the server's purchases only: %w", err)
	}
	return n, nil
}

// The events go to the collect path in batches of collectBatch, one
// transaction each, collectWorkers batches at once: on PostgreSQL the
// round trips overlap, on SQLite the click lookups and marks of one batch
// run while another holds the writer.
const (
	collectBatch   = 500
	collectWorkers = 4
)

func collectAll(ctx context.Context, cs *conversion.Service, site conversion.Site, ps []conversion.Payload) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	next := make(chan []conversion.Payload)
	for range collectWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range next {
				err := collectBatchOf(ctx, cs, site, batch)
				if err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for len(ps) > 0 && ctx.Err() == nil {
		n := min(len(ps), collectBatch)
		select {
		case next <- ps[:n]:
		case <-ctx.Done():
		}
		ps = ps[n:]
	}
	close(next)
	wg.Wait()
	return first
}

// collectBatchOf collects a batch and checks that each event is
// attributed, as every event of the demo is.
func collectBatchOf(ctx context.Context, cs *conversion.Service, site conversion.Site, ps []conversion.Payload) error {
	res, err := cs.CollectBatch(ctx, site, conversion.SourceServer, ps)
	if err != nil {
		return fmt.Errorf("demo: collect: %w", err)
	}
	for i, r := range res {
		if !r.Attributed {
			return fmt.Errorf("demo: collect %s: event of click %q is not attributed", ps[i].Event, ps[i].ClickID)
		}
	}
	return nil
}
