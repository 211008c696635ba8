// Package demo loads a demonstration workspace: a fictional Chinese coffee
// brand, 闲岚咖啡 (Xianlan Coffee), with its step-1 data filled in, and a demo
// user who owns it. Loading again resets the workspace's step-1 data, so
// edits made while showing Chorus are undone.
//
// Every brand, competitor, person and account in this package is invented;
// none stands for a real company or person.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/alert"
	"github.com/chorus-hq/chorus/internal/platform"
)

// The demo workspace and its user.
const (
	Slug     = "demo"
	Email    = "demo@chorus.local"
	Password = "chorus-demo"

	workspaceName = "闲岚咖啡（演示）"
	userName      = "演示用户"
	timeZone      = "Asia/Shanghai"
	currency      = "CNY"
)

// ErrForeignWorkspace is the cause of the error Load returns when a
// workspace with the demo slug exists but the demo user is not a member of
// it: it belongs to a real install, and Load leaves it alone.
var ErrForeignWorkspace = errors.New(`a workspace "` + Slug + `" already exists and ` + Email +
	` is not a member of it; refusing to touch it (rename that workspace or add the user first)`)

// Deps are the services Load writes through.
type Deps struct {
	Accounts  *account.Service
	Brand     *brand.Service
	Platforms *platform.Service
	// Campaigns, when set, gets the demo campaigns of step 3.
	Campaigns *campaign.Service
	// Links, Clicks and Conversions, when set with Campaigns, get the
	// demo's tracked links and 60 days of clicks and conversions on them,
	// generated through the batch writer and the conversion service (see
	// refreshTraffic).
	Links       *link.Service
	Clicks      TrafficStore
	Conversions *conversion.Service
	// Listen, when set, gets the demo's listening: topics seeded from the
	// brand and competitors, a crisis topic and 60 days of mentions
	// through the pipeline, with the team's sentiment labels and the
	// workspace's sentiment model retrained on them (see refreshMentions).
	// Alerts, when set with it, gets the alert rules and the alerts the
	// demo's spike fired, one refused by its chat robot.
	Listen *listen.Service
	Alerts alert.Store
	// Sources, when set with Listen, gets the demo's listening sources
	// (see refreshSources); the mentions come in through them.
	Sources SourceStore
	// Audit, when set, gets the team's changes of the set-up in an empty
	// audit log (see refreshAudit).
	Audit AuditStore
	// Progress, when set, hears of each step as it starts: a load takes
	// some seconds, most of them in the mentions and the traffic.
	Progress func(step string)
}

// step tells Progress that a step starts.
func (d Deps) step(s string) {
	if d.Progress != nil {
		d.Progress(s)
	}
}

// Login is how to sign in to the demo workspace.
type Login struct {
	Workspace, Email, Password string
	// Traffic says what the traffic generator made, when it ran.
	Traffic TrafficStats
}

// Load creates the demo workspace and user, or refreshes them: an existing
// demo user is kept (with its password), an existing demo workspace is kept
// as long as the demo user is a member of it, and the workspace's brand
// profile, budget, products, personas, competitors, team and amplifiers are
// replaced by the demo content; with d.Campaigns set, so are its campaigns
// (see refreshCampaigns), and with the link and conversion services set
// too, its tracked links, clicks and conversions (see refreshTraffic).
// Running it twice leaves the same content.
//
// When the workspace exists and the demo user is not a member of it (or
// does not exist yet), Load changes nothing and returns an apperr.Conflict
// wrapping ErrForeignWorkspace.
func Load(ctx context.Context, d Deps) (Login, error) {
	if d.Accounts == nil || d.Brand == nil {
		return Login{}, errors.New("demo.Load: Accounts and Brand are required")
	}
	d.step("the brand, its products, personas, competitors and campaigns")
	wsID, err := ensureWorkspace(ctx, d.Accounts)
	if err != nil {
		return Login{}, err
	}
	if err := inviteTeam(ctx, d.Accounts); err != nil {
		return Login{}, err
	}
	if err := refresh(ctx, d.Brand, wsID); err != nil {
		return Login{}, err
	}
	if d.Campaigns != nil {
		if err := refreshCampaigns(ctx, d.Campaigns, d.Brand, wsID, time.Now()); err != nil {
			return Login{}, err
		}
	}
	if d.Listen != nil {
		var sources map[string]int64
		if d.Sources != nil {
			if sources, err = refreshSources(ctx, d.Sources, wsID, time.Now()); err != nil {
				return Login{}, err
			}
		}
		d.step("60 days of mentions through the listening pipeline")
		if err := refreshMentions(ctx, d, wsID, sources, time.Now()); err != nil {
			return Login{}, err
		}
	}
	if d.Audit != nil {
		if err := loadAudit(ctx, d, wsID); err != nil {
			return Login{}, err
		}
	}
	login := Login{Workspace: Slug, Email: Email, Password: Password}
	if d.Campaigns != nil && d.Links != nil && d.Clicks != nil && d.Conversions != nil {
		d.step("60 days of clicks and conversions through the click writer and the collect path")
		if login.Traffic, err = refreshTraffic(ctx, d, wsID, time.Now()); err != nil {
			return Login{}, err
		}
	}
	return login, nil
}

func foreign() error {
	return &apperr.Error{Code: apperr.Conflict, Key: "error.demo_workspace_taken", Args: map[string]any{"Slug": Slug, "Email": Email}, Err: ErrForeignWorkspace}
}

// ensureWorkspace makes sure the demo user exists and is a member of the
// demo workspace, and returns the workspace's id. Every check that can fail
// runs before anything is written.
func ensureWorkspace(ctx context.Context, accounts *account.Service) (int64, error) {
	_, err := accounts.WorkspaceBySlug(ctx, Slug)
	exists := err == nil
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return 0, fmt.Errorf("demo: look up workspace %q: %w", Slug, err)
	}

	user, err := accounts.UserByEmail(ctx, Email)
	userExists := err == nil
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return 0, fmt.Errorf("demo: look up user %s: %w", Email, err)
	}

	if exists {
		if !userExists {
			return 0, foreign()
		}
		return memberWorkspace(ctx, accounts, user)
	}

	if !userExists {
		if user, err = accounts.CreateUser(ctx, Email, userName, Password, false); err != nil {
			return 0, fmt.Errorf("demo: create user %s: %w", Email, err)
		}
	}
	w, err := accounts.CreateWorkspace(ctx, account.Workspace{Slug: Slug, Name: workspaceName, TimeZone: timeZone, Currency: currency}, Email)
	if apperr.Is(err, apperr.Conflict) {
		// Someone created it in the meantime.
		return memberWorkspace(ctx, accounts, user)
	}
	if err != nil {
		return 0, fmt.Errorf("demo: create workspace %q: %w", Slug, err)
	}
	return w.ID, nil
}

// invitations are the brand's team members the demo's owner invited, who
// have not signed up yet: the members list shows what an invitation looks
// like. Their addresses are of the demo's own domain.
var invitations = []struct {
	email string
	role  account.Role
}{
	{"chen.siyu@chorus.local", account.Editor}, // 陈思雨, the content editor
	{"wang.ke@chorus.local", account.Agent},    // 王可, who answers customers
}

// inviteTeam invites the demo's team, again with each load. An operator
// adds accounts that exist and invites no one, so a demo user made an
// instance admin invites no one either.
func inviteTeam(ctx context.Context, accounts *account.Service) error {
	user, err := accounts.UserByEmail(ctx, Email)
	if err != nil {
		return fmt.Errorf("demo: look up user %s: %w", Email, err)
	}
	p, err := accounts.Enter(ctx, user, Slug)
	if err != nil {
		return fmt.Errorf("demo: enter workspace %q: %w", Slug, err)
	}
	if p.User.IsAdmin {
		return nil
	}
	for _, inv := range invitations {
		if _, err := accounts.AddMember(ctx, p, inv.email, inv.role); err != nil {
			return fmt.Errorf("demo: invite %s: %w", inv.email, err)
		}
	}
	return nil
}

// memberWorkspace returns the id of the existing demo workspace when user
// is really a member of it; an instance admin who merely may enter it is
// not enough.
func memberWorkspace(ctx context.Context, accounts *account.Service, user account.User) (int64, error) {
	p, err := accounts.Enter(ctx, user, Slug)
	if apperr.Is(err, apperr.NotFound) {
		return 0, foreign()
	}
	if err != nil {
		return 0, fmt.Errorf("demo: enter workspace %q: %w", Slug, err)
	}
	members, err := accounts.Members(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("demo: list members of %q: %w", Slug, err)
	}
	for _, m := range members {
		if m.User.ID == user.ID {
			return p.Workspace.ID, nil
		}
	}
	return 0, foreign()
}

// refresh replaces the workspace's step-1 data with the demo content.
func refresh(ctx context.Context, b *brand.Service, wsID int64) error {
	if _, err := b.SaveProfile(ctx, wsID, profile()); err != nil {
		return fmt.Errorf("demo: save profile: %w", err)
	}
	if _, err := b.SaveBudget(ctx, wsID, budget()); err != nil {
		return fmt.Errorf("demo: save budget: %w", err)
	}
	if err := replace(ctx, b.Products, wsID, products()); err != nil {
		return err
	}
	if err := replace(ctx, b.Personas, wsID, personas()); err != nil {
		return err
	}
	if err := replace(ctx, b.Competitors, wsID, competitors()); err != nil {
		return err
	}
	if err := replace(ctx, b.Team, wsID, team()); err != nil {
		return err
	}
	return replace(ctx, b.Amplifiers, wsID, amplifiers())
}

// replace deletes every item of a collection in the workspace and creates
// items anew, in order.
func replace[T any, P brand.Item[T]](ctx context.Context, c *brand.Collection[T, P], wsID int64, items []T) error {
	old, err := c.List(ctx, wsID)
	if err != nil {
		return fmt.Errorf("demo: list %ss: %w", c.Kind(), err)
	}
	for i := range old {
		id := P(&old[i]).ItemID()
		if err := c.Delete(ctx, wsID, id); err != nil && !apperr.Is(err, apperr.NotFound) {
			return fmt.Errorf("demo: delete %s %d: %w", c.Kind(), id, err)
		}
	}
	for _, v := range items {
		if _, err := c.Create(ctx, wsID, v); err != nil {
			return fmt.Errorf("demo: create %s %q: %w", c.Kind(), P(&v).Title(), err)
		}
	}
	return nil
}

// The demo content. 闲岚咖啡 (Xianlan Coffee) is an invented brand of
// freeze-dried, cold-brew and drip-bag coffee sold online, in its second
// year; its competitors, team and KOLs are invented too.

func profile() brand.Profile {
	return brand.Profile{
		Positioning: "闲岚咖啡（Xianlan Coffee）是面向一二线城市年轻上班族的精品便捷咖啡品牌：" +
			"用云南保山和埃塞俄比亚的精品豆，做成三秒即溶的冻干粉、开盖即饮的冷萃液和产地挂耳，" +
			"让忙碌的人在工位、通勤和出差路上，也能喝到一杯不将就的咖啡。",
		ValueProposition: "咖啡馆品质，一杯不到五块钱：精品豆源、低温萃取、冷水也能三秒溶解；" +
			"每批豆子可查产地和烘焙日期，喝得明白；小份独立包装，随身带、不浪费。",
		Tone: brand.Tone{
			Description: "像一位懂咖啡、也懂打工人辛苦的朋友：松弛、真诚、有一点幽默，" +
				"讲专业知识时说人话，不端着、不说教，不制造焦虑，也不夸大功效。",
			WordsToUse:   []string{"松弛感", "一杯刚刚好", "产地风味", "冷水三秒溶", "喝得明白", "给自己留十分钟", "打工人的续命搭子"},
			WordsToAvoid: []string{"最好喝", "第一", "顶级", "提神醒脑神器", "减肥", "燃脂", "秒杀全网", "智商税"},
			Examples: []string{
				"周一早上九点，先别急着打开邮箱，冲一杯闲岚，给自己留十分钟。",
				"冷水倒进去，晃三下，云南保山的坚果香和焦糖甜就出来了——这就是我们说的一杯刚刚好。",
				"每一盒都印着豆子的产地和烘焙日期，喝得明白，才喝得安心。",
			},
		},
		StageGoal: "未来 6 个月：在小红书和抖音建立“精品速溶”心智，天猫/抖音旗舰店月销售额从 60 万元做到 120 万元，" +
			"复购率提升到 35%，私域（企业微信社群）沉淀 3 万名活跃用户。",
	}
}

func budget() brand.Budget {
	return brand.Budget{Monthly: 80000, Currency: currency, HourlyCost: 120}
}

func products() []brand.Product {
	return []brand.Product{
		{
			Name:      "闲岚冻干咖啡·经典 12 颗装",
			Category:  "冻干速溶咖啡",
			PriceBand: "¥49–69",
			SellingPoints: []string{
				"云南保山小粒咖啡与埃塞俄比亚耶加雪菲拼配，坚果、焦糖与柑橘风味",
				"-40℃ 低温冻干锁住香气，冷水、牛奶、燕麦奶三秒即溶",
				"0 添加蔗糖和植脂末，单颗 2 克约 5 千卡",
				"独立小罐包装，随身放进包里不受潮",
			},
		},
		{
			Name:      "闲岚冷萃咖啡液·6 瓶装",
			Category:  "冷萃咖啡液",
			PriceBand: "¥39–59",
			SellingPoints: []string{
				"12 小时低温慢萃，酸度低、不苦涩",
				"一瓶兑 200 毫升水或牛奶，在家做出咖啡馆拿铁",
				"常温保存 12 个月，开盖即饮",
			},
		},
		{
			Name:      "闲岚产地挂耳咖啡·环球风味 10 包",
			Category:  "挂耳咖啡",
			PriceBand: "¥59–89",
			SellingPoints: []string{
				"10 包 5 个产地：云南、埃塞俄比亚、哥伦比亚、巴西、肯尼亚，一周喝遍世界",
				"中浅烘焙，烘焙后 30 天内发货，新鲜看得见",
				"每包附风味卡和冲煮参数，新手也能冲出好味道",
				"日本进口无纺布滤袋，无漂白、不串味",
			},
		},
	}
}

func personas() []brand.Persona {
	return []brand.Persona{
		{
			Name: "一线城市白领小美",
			Description: "28 岁，在上海做品牌策划，每天早上 9 点到岗，通勤 50 分钟。" +
				"喜欢在小红书上收藏探店和好物清单，刷抖音看开箱和生活 vlog；" +
				"以前每天一杯连锁咖啡，现在想喝得好又省一点。",
			AgeBands:        []string{"25-34"},
			Gender:          brand.GenderSplit{Female: 85, Male: 15},
			Regions:         []string{"上海", "北京", "杭州", "深圳"},
			CityTiers:       []string{"tier1", "new_tier1"},
			Interests:       []string{"探店", "咖啡", "轻食健身", "穿搭", "办公室好物"},
			Platforms:       []brand.PlatformShare{{Platform: "xiaohongshu", Share: 45}, {Platform: "douyin", Share: 30}, {Platform: "wechat_channels", Share: 10}},
			PurchaseDrivers: []string{"颜值高、拍照好看的包装", "小红书博主真实测评", "限时满减和第二件半价", "低糖低卡"},
			PainPoints:      []string{"连锁咖啡一天 30 元太贵", "速溶咖啡又甜又没风味", "早上赶时间，来不及手冲"},
		},
		{
			Name: "B 站咖啡爱好者大学生阿哲",
			Description: "21 岁，成都某高校大三学生，宿舍没有咖啡机。常在 B 站看咖啡器具测评、" +
				"产地科普和期末复习直播，愿意为“懂行”的内容买单，但预算有限。",
			AgeBands:        []string{"18-24"},
			Gender:          brand.GenderSplit{Female: 40, Male: 60},
			Regions:         []string{"成都", "武汉", "西安", "南京"},
			CityTiers:       []string{"new_tier1", "tier2"},
			Interests:       []string{"咖啡器具", "数码", "游戏", "考研", "二次元"},
			Platforms:       []brand.PlatformShare{{Platform: "bilibili", Share: 50}, {Platform: "douyin", Share: 15}, {Platform: "zhihu", Share: 10}},
			PurchaseDrivers: []string{"UP 主深度测评和盲测", "学生价和拼单优惠", "产地、烘焙度等参数透明"},
			PainPoints:      []string{"生活费有限，买不起精品豆", "宿舍不能用电器，只能冷水冲", "怕买到“网红智商税”"},
		},
		{
			Name: "二线城市资深职场人老周",
			Description: "42 岁，济南一家制造企业的销售总监，出差多、应酬多，习惯每天一杯咖啡提神。" +
				"主要通过微信公众号看行业文章，刷视频号看新闻和健康内容，常在朋友推荐下团购。",
			AgeBands:        []string{"35-44", "45-54"},
			Gender:          brand.GenderSplit{Female: 35, Male: 65},
			Regions:         []string{"济南", "郑州", "合肥", "长沙"},
			CityTiers:       []string{"tier2", "tier3_below"},
			Interests:       []string{"商务出差", "健康养生", "茶与咖啡", "财经新闻"},
			Platforms:       []brand.PlatformShare{{Platform: "wechat_oa", Share: 35}, {Platform: "wechat_channels", Share: 35}, {Platform: "toutiao", Share: 10}},
			PurchaseDrivers: []string{"朋友和同事推荐", "礼盒装适合送客户", "无糖、对身体负担小"},
			PainPoints:      []string{"出差酒店只有速溶三合一", "血糖偏高，不敢喝加糖的咖啡", "不懂咖啡术语，看不明白产品介绍"},
		},
		{
			Name: "互联网产品经理阿杰",
			Description: "31 岁，在深圳一家互联网公司做产品经理，经常加班到十点。" +
				"每天刷微博看热搜和科技新闻，在知乎搜“某某值不值得买”，下单前会对比配料表和评测。",
			AgeBands:        []string{"25-34", "35-44"},
			Gender:          brand.GenderSplit{Female: 30, Male: 70},
			Regions:         []string{"深圳", "北京", "杭州", "广州"},
			CityTiers:       []string{"tier1", "new_tier1"},
			Interests:       []string{"科技数码", "效率工具", "跑步", "科普", "脱口秀"},
			Platforms:       []brand.PlatformShare{{Platform: "weibo", Share: 35}, {Platform: "zhihu", Share: 35}, {Platform: "bilibili", Share: 10}},
			PurchaseDrivers: []string{"知乎高赞回答和横向评测", "配料表干净、数据可查", "订阅制自动续购省心"},
			PainPoints:      []string{"加班时喝太多咖啡心慌", "品牌营销话术太多，信息不透明", "囤货多了容易过期"},
		},
	}
}

func competitors() []brand.Competitor {
	return []brand.Competitor{
		{
			Name:     "橡果冷萃（Acornbrew）",
			Aliases:  []string{"橡果", "橡果咖啡", "xiangguo", "Acornbrew"},
			Keywords: []string{"橡果冷萃", "橡果咖啡液", "橡果 测评", "橡果 冷萃 对比"},
			Accounts: []brand.Account{
				{Platform: "xiaohongshu", Handle: "橡果冷萃官方"},
				{Platform: "douyin", Handle: "橡果冷萃旗舰店"},
				{Platform: "weibo", Handle: "@橡果冷萃Acornbrew"},
			},
			Notes: "冷萃咖啡液品类先行者，客单价约 ¥69，抖音直播间占销售额一半以上；" +
				"主打“办公室冷萃”，包装是它的强项，口味评价两极。",
		},
		{
			Name:     "鲸豆咖啡（Whalebean Coffee）",
			Aliases:  []string{"鲸豆", "jingdou", "Whalebean"},
			Keywords: []string{"鲸豆咖啡", "鲸豆冻干", "鲸豆 速溶", "鲸豆 挂耳"},
			Accounts: []brand.Account{
				{Platform: "xiaohongshu", Handle: "鲸豆咖啡"},
				{Platform: "bilibili", Handle: "鲸豆咖啡研究所"},
				{Platform: "wechat_oa", Handle: "鲸豆咖啡俱乐部"},
			},
			Notes: "冻干速溶的直接对手，价格比我们低 10%–15%，常年大促；" +
				"B 站和 UP 主合作多，会员体系成熟，但新品节奏慢、产地信息少。",
		},
		{
			Name:     "谷拾咖啡（Grainpick）",
			Aliases:  []string{"谷拾", "gushi", "Grainpick"},
			Keywords: []string{"谷拾咖啡", "谷拾挂耳", "谷拾 礼盒", "谷拾 咖啡 好喝吗"},
			Accounts: []brand.Account{
				{Platform: "wechat_channels", Handle: "谷拾咖啡"},
				{Platform: "zhihu", Handle: "谷拾咖啡"},
				{Platform: "weibo", Handle: "@谷拾咖啡Grainpick"},
			},
			Notes: "挂耳和礼盒为主，企业团购和节日送礼渠道强，目标人群偏年长；" +
				"在知乎有大量“咖啡入门”内容，线上年轻化不足。",
		},
	}
}

func team() []brand.TeamMember {
	return []brand.TeamMember{
		{Name: "林晓岚", Role: "负责人", WeeklyHours: 10, HourlyCost: 300},
		{Name: "陈思雨", Role: "内容编辑", WeeklyHours: 40, HourlyCost: 110},
		{Name: "王可", Role: "社群运营", WeeklyHours: 40, HourlyCost: 90},
		{Name: "赵一凡", Role: "设计", WeeklyHours: 20, HourlyCost: 130},
		{Name: "孙浩然", Role: "投放", WeeklyHours: 30, HourlyCost: 120},
	}
}

func amplifiers() []brand.Amplifier {
	return []brand.Amplifier{
		{
			Kind: "kol", Name: "咖啡续命的阿May", Platform: "xiaohongshu",
			Reach: 280000, Price: 8000, PriceUnit: "per_post",
			Notes: "小红书职场生活博主，粉丝以 25–30 岁一线城市女性为主；图文笔记互动率约 4%，合作过两次，转化稳定。",
		},
		{
			Kind: "kol", Name: "早八研究所", Platform: "douyin",
			Reach: 1200000, Price: 25000, PriceUnit: "per_post",
			Notes: "抖音打工人日常剧情号，单条视频播放 50–150 万；适合新品冷萃液种草，需提前两周排期。",
		},
	}
}
