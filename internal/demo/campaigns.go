package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
)

// refreshCampaigns deletes the demo workspace's campaigns and creates the
// three demo campaigns anew, dated around now in the workspace's time
// zone: 冬日暖咖季, a sales campaign in its third week of nine,
// 春日产地风味季, a voice campaign that ended three weeks ago, and 新春礼盒季,
// the next season's plan, a draft that starts the day after 冬日暖咖季 ends.
// They refer to the step-1 items refresh has just created, by name.
func refreshCampaigns(ctx context.Context, cs *campaign.Service, b *brand.Service, wsID int64, now time.Time) error {
	old, err := cs.List(ctx, wsID)
	if err != nil {
		return fmt.Errorf("demo: list campaigns: %w", err)
	}
	for _, c := range old {
		if err := cs.Delete(ctx, wsID, c.ID); err != nil {
			return fmt.Errorf("demo: delete campaign %d: %w", c.ID, err)
		}
	}
	ids, err := demoIDs(ctx, b, wsID)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	today := campaign.DateOf(now.In(loc))
	for _, c := range []campaign.Campaign{salesCampaign(today, ids), voiceCampaign(today, ids), giftCampaign(today, ids)} {
		if _, err := cs.Create(ctx, wsID, c); err != nil {
			return fmt.Errorf("demo: create campaign %q: %w", c.Name, err)
		}
	}
	return nil
}

// refIDs are the ids of the demo's step-1 items, by name.
type refIDs struct {
	products, personas, members, amplifiers map[string]int64
}

func demoIDs(ctx context.Context, b *brand.Service, wsID int64) (refIDs, error) {
	r := refIDs{products: map[string]int64{}, personas: map[string]int64{}, members: map[string]int64{}, amplifiers: map[string]int64{}}
	products, err := b.Products.List(ctx, wsID)
	if err != nil {
		return r, fmt.Errorf("demo: list products: %w", err)
	}
	for _, p := range products {
		r.products[p.Name] = p.ID
	}
	personas, err := b.Personas.List(ctx, wsID)
	if err != nil {
		return r, fmt.Errorf("demo: list personas: %w", err)
	}
	for _, p := range personas {
		r.personas[p.Name] = p.ID
	}
	team, err := b.Team.List(ctx, wsID)
	if err != nil {
		return r, fmt.Errorf("demo: list team: %w", err)
	}
	for _, m := range team {
		r.members[m.Name] = m.ID
	}
	amps, err := b.Amplifiers.List(ctx, wsID)
	if err != nil {
		return r, fmt.Errorf("demo: list amplifiers: %w", err)
	}
	for _, a := range amps {
		r.amplifiers[a.Name] = a.ID
	}
	return r, nil
}

func f(v float64) *float64 { return &v }

// salesCampaign started three weeks before today and ends six weeks after:
// four phases, targets on the campaign, its phases and two platforms, a
// mix of four platforms, budget lines with both KOLs, and hours for the
// whole team (赵一凡 a little over, which the plan flags).
func salesCampaign(today campaign.Date, r refIDs) campaign.Campaign {
	start := today.AddDays(-21)
	day := func(n int) campaign.Date { return start.AddDays(n) }
	return campaign.Campaign{
		Name:      "冬日暖咖季",
		Slug:      "winter-warm-coffee",
		Objective: "sales",
		Status:    "active",
		OwnerID:   r.members["林晓岚"],
		Start:     start,
		End:       day(63),
		ProductIDs: []int64{
			r.products["闲岚冻干咖啡·经典 12 颗装"], r.products["闲岚冷萃咖啡液·6 瓶装"],
		},
		PersonaIDs: []int64{r.personas["一线城市白领小美"], r.personas["互联网产品经理阿杰"]},
		Pillars: []campaign.Pillar{
			{Name: "冬日热饮配方", Share: 40}, {Name: "冷水三秒溶·办公室场景", Share: 35}, {Name: "产地故事", Share: 25},
		},
		KeyMessages: []string{
			"冬天的第一杯热拿铁，在工位上三秒做好。",
			"咖啡馆品质，一杯不到五块钱。",
			"每盒可查产地和烘焙日期，喝得明白。",
		},
		Hashtags: []string{"#冬日暖咖季", "#打工人的续命搭子", "#闲岚咖啡"},
		Budget:   200000,
		Phases: []campaign.Phase{
			{ID: 1, Name: "预热", Objective: "voice", Start: day(0), End: day(9)},
			{ID: 2, Name: "引爆", Objective: "sales", Start: day(10), End: day(24)},
			{ID: 3, Name: "持续", Objective: "sales", Start: day(25), End: day(53)},
			{ID: 4, Name: "收尾", Objective: "service", Start: day(54), End: day(63)},
		},
		Targets: []campaign.Target{
			{ID: 1, Metric: "effective_clicks", Value: 60000, Baseline: f(21000)},
			{ID: 2, Metric: "leads", Value: 3000},
			{ID: 3, Metric: "purchases", Value: 4000, Baseline: f(1500)},
			{ID: 4, Metric: "revenue", Value: 600000, Baseline: f(220000)},
			{ID: 5, Metric: "roas", Value: 3},
			{ID: 6, Metric: "engagement_rate", Value: 0.04, Baseline: f(0.028)},
			{ID: 7, PhaseID: 1, Metric: "effective_clicks", Value: 8000},
			// The burst's clicks and Douyin's purchases in it are on
			// track on the demo's traffic; the rest run behind.
			{ID: 8, PhaseID: 2, Metric: "effective_clicks", Value: 9000},
			{ID: 9, PhaseID: 2, Metric: "purchases", Value: 1500},
			{ID: 10, PhaseID: 3, Metric: "effective_clicks", Value: 26000},
			{ID: 11, PhaseID: 3, Metric: "purchases", Value: 2000},
			{ID: 12, PhaseID: 4, Metric: "purchases", Value: 500},
			{ID: 13, PhaseID: 4, Metric: "first_response_time", Value: 30},
			{ID: 14, Platform: "xiaohongshu", Metric: "effective_clicks", Value: 25000},
			{ID: 15, Platform: "douyin", Metric: "purchases", Value: 1800},
			{ID: 16, PhaseID: 2, Platform: "douyin", Metric: "purchases", Value: 150},
		},
		Mix: []campaign.MixEntry{
			{Platform: "xiaohongshu", Role: "种草主阵地", BudgetShare: 40, HoursShare: 35, PostsPerWeek: 5},
			{Platform: "douyin", Role: "短视频引爆与直播转化", BudgetShare: 30, HoursShare: 25, PostsPerWeek: 4},
			{Platform: "weibo", Role: "话题声量", BudgetShare: 15, HoursShare: 20, PostsPerWeek: 7},
			{Platform: "wechat_oa", Role: "私域复购", BudgetShare: 15, HoursShare: 20, PostsPerWeek: 3},
		},
		BudgetLines: []campaign.BudgetLine{
			{ID: 1, Kind: "kol_fee", Description: "阿May 小红书图文笔记 3 篇", Platform: "xiaohongshu", PhaseID: 2,
				ResourceID: r.amplifiers["咖啡续命的阿May"], Planned: 24000, Committed: 24000, Spent: 16000},
			{ID: 2, Kind: "kol_fee", Description: "早八研究所 抖音剧情视频 2 条", Platform: "douyin", PhaseID: 2,
				ResourceID: r.amplifiers["早八研究所"], Planned: 50000, Committed: 50000, Spent: 25000},
			{ID: 3, Kind: "paid_boost", Description: "抖音 DOU+ 加热", Platform: "douyin", PhaseID: 2, Planned: 40000, Committed: 40000, Spent: 31000},
			{ID: 4, Kind: "paid_boost", Description: "小红书信息流投放", Platform: "xiaohongshu", PhaseID: 3, Planned: 30000, Committed: 12000, Spent: 6500},
			{ID: 5, Kind: "production", Description: "冬日限定包装视觉与短视频拍摄", PhaseID: 1, Planned: 20000, Committed: 20000, Spent: 20000},
			{ID: 6, Kind: "moderator_fee", Description: "微博话题主持人", Platform: "weibo", Planned: 8000, Committed: 8000, Spent: 4000},
			{ID: 7, Kind: "other", Description: "企业微信社群抽奖礼品", Platform: "wechat_oa", PhaseID: 4, Planned: 10000},
		},
		Hours: []campaign.HoursLine{
			{MemberID: r.members["林晓岚"], HoursPerWeek: 4},
			{MemberID: r.members["陈思雨"], HoursPerWeek: 24},
			{MemberID: r.members["王可"], HoursPerWeek: 20},
			{MemberID: r.members["赵一凡"], HoursPerWeek: 22},
			{MemberID: r.members["孙浩然"], HoursPerWeek: 16},
		},
	}
}

// voiceCampaign ran five weeks and ended the day before salesCampaign
// started: all of it within the demo's 60 days of clicks and mentions
// (mentionDays, trafficDays), so that none of its days reads as empty and
// its targets are measured on days the data covers.
func voiceCampaign(today campaign.Date, r refIDs) campaign.Campaign {
	end := today.AddDays(-22)
	start := end.AddDays(-34)
	day := func(n int) campaign.Date { return start.AddDays(n) }
	return campaign.Campaign{
		Name:       "春日产地风味季",
		Slug:       "origin-flavour-season",
		Objective:  "voice",
		Status:     "done",
		OwnerID:    r.members["林晓岚"],
		Start:      start,
		End:        end,
		ProductIDs: []int64{r.products["闲岚产地挂耳咖啡·环球风味 10 包"]},
		PersonaIDs: []int64{r.personas["B 站咖啡爱好者大学生阿哲"], r.personas["互联网产品经理阿杰"]},
		Pillars: []campaign.Pillar{
			{Name: "一周喝遍五个产地", Share: 50}, {Name: "盲测挑战", Share: 30}, {Name: "冲煮参数科普", Share: 20},
		},
		KeyMessages: []string{"10 包 5 个产地，一周喝遍世界。", "参数透明，新手也能冲出好味道。"},
		Hashtags:    []string{"#一周喝遍世界", "#闲岚盲测挑战"},
		Budget:      120000,
		Phases: []campaign.Phase{
			{ID: 1, Name: "预热", Objective: "voice", Start: day(0), End: day(6)},
			{ID: 2, Name: "引爆", Objective: "voice", Start: day(7), End: day(22)},
			{ID: 3, Name: "长尾", Objective: "growth", Start: day(23), End: day(34)},
		},
		Targets: []campaign.Target{
			{ID: 1, Metric: "impressions", Value: 3000000, Baseline: f(800000)},
			{ID: 2, Metric: "mentions", Value: 300}, // the brand's mentions while it ran, in the demo's listening stream
			{ID: 3, Metric: "interactions", Value: 40000},
			// The brand has about its weight in voices of the stream's
			// brand talk; the campaign meant to lift it a little.
			{ID: 4, Metric: "share_of_voice", Value: 0.42, Baseline: f(0.36)},
			{ID: 5, Metric: "positive_ratio", Value: 0.65},
			{ID: 6, PhaseID: 2, Metric: "impressions", Value: 2000000},
			{ID: 7, Platform: "bilibili", Metric: "impressions", Value: 1000000},
		},
		Mix: []campaign.MixEntry{
			{Platform: "bilibili", Role: "深度测评与盲测", BudgetShare: 35, HoursShare: 30, PostsPerWeek: 2},
			{Platform: "weibo", Role: "话题声量", BudgetShare: 30, HoursShare: 30, PostsPerWeek: 7},
			{Platform: "xiaohongshu", Role: "种草笔记", BudgetShare: 20, HoursShare: 25, PostsPerWeek: 4},
			{Platform: "zhihu", Role: "产地科普问答", BudgetShare: 15, HoursShare: 15, PostsPerWeek: 2},
		},
		BudgetLines: []campaign.BudgetLine{
			{ID: 1, Kind: "kol_fee", Description: "阿May 产地挂耳测评笔记 2 篇", Platform: "xiaohongshu", PhaseID: 2,
				ResourceID: r.amplifiers["咖啡续命的阿May"], Planned: 16000, Committed: 16000, Spent: 16000},
			{ID: 2, Kind: "paid_boost", Description: "B 站盲测视频起飞推广", Platform: "bilibili", PhaseID: 2, Planned: 38000, Committed: 38000, Spent: 36500},
			{ID: 3, Kind: "paid_boost", Description: "微博话题推广", Platform: "weibo", PhaseID: 2, Planned: 30000, Committed: 30000, Spent: 29800},
			{ID: 4, Kind: "production", Description: "盲测视频拍摄与风味卡设计", PhaseID: 1, Planned: 22000, Committed: 22000, Spent: 21000},
			{ID: 5, Kind: "moderator_fee", Description: "知乎咖啡话题答主合作", Platform: "zhihu", Planned: 8000, Committed: 8000, Spent: 8000},
		},
		Hours: []campaign.HoursLine{
			{MemberID: r.members["林晓岚"], HoursPerWeek: 3},
			{MemberID: r.members["陈思雨"], HoursPerWeek: 20},
			{MemberID: r.members["赵一凡"], HoursPerWeek: 10},
		},
	}
}

// giftCampaign is the next season still being planned: a draft from the
// day after salesCampaign ends, six weeks around the Spring Festival, of
// gift boxes for clients and family. Its money is budgeted, the KOL post
// is booked (committed) but nothing is spent, and no one works on it yet,
// so it has no cost so far.
func giftCampaign(today campaign.Date, r refIDs) campaign.Campaign {
	start := salesCampaign(today, r).End.AddDays(1)
	day := func(n int) campaign.Date { return start.AddDays(n) }
	return campaign.Campaign{
		Name:      "新春礼盒季",
		Slug:      "spring-festival-gift-box",
		Objective: "sales",
		Status:    "draft",
		OwnerID:   r.members["林晓岚"],
		Start:     start,
		End:       day(41),
		ProductIDs: []int64{
			r.products["闲岚产地挂耳咖啡·环球风味 10 包"], r.products["闲岚冻干咖啡·经典 12 颗装"],
		},
		PersonaIDs: []int64{r.personas["二线城市资深职场人老周"], r.personas["一线城市白领小美"]},
		Pillars: []campaign.Pillar{
			{Name: "送客户的体面年礼", Share: 40}, {Name: "回家过年的咖啡礼盒", Share: 35}, {Name: "年后返工第一杯", Share: 25},
		},
		KeyMessages: []string{
			"五个产地一盒装，送客户送家人都拿得出手。",
			"无糖无植脂末，长辈也能放心喝。",
			"企业团购满 20 盒可定制贺卡。",
		},
		Hashtags: []string{"#闲岚新春礼盒", "#咖啡也能当年货"},
		Budget:   150000,
		Phases: []campaign.Phase{
			{ID: 1, Name: "预热", Objective: "voice", Start: day(0), End: day(9)},
			{ID: 2, Name: "年货节引爆", Objective: "sales", Start: day(10), End: day(27)},
			{ID: 3, Name: "返工复购", Objective: "service", Start: day(28), End: day(41)},
		},
		Targets: []campaign.Target{
			{ID: 1, Metric: "effective_clicks", Value: 40000},
			{ID: 2, Metric: "leads", Value: 1200},
			{ID: 3, Metric: "purchases", Value: 3000},
			{ID: 4, Metric: "revenue", Value: 450000},
			{ID: 5, Metric: "roas", Value: 2.5},
			{ID: 6, PhaseID: 2, Metric: "purchases", Value: 2000},
			{ID: 7, Platform: "wechat_channels", Metric: "leads", Value: 600},
		},
		Mix: []campaign.MixEntry{
			{Platform: "wechat_channels", Role: "企业团购与直播", BudgetShare: 35, HoursShare: 30, PostsPerWeek: 4},
			{Platform: "wechat_oa", Role: "老客送礼提醒", BudgetShare: 15, HoursShare: 25, PostsPerWeek: 2},
			{Platform: "douyin", Role: "年货节直播", BudgetShare: 30, HoursShare: 25, PostsPerWeek: 5},
			{Platform: "xiaohongshu", Role: "礼盒开箱种草", BudgetShare: 20, HoursShare: 20, PostsPerWeek: 4},
		},
		BudgetLines: []campaign.BudgetLine{
			{ID: 1, Kind: "kol_fee", Description: "阿May 新春礼盒开箱笔记 2 篇", Platform: "xiaohongshu", PhaseID: 1,
				ResourceID: r.amplifiers["咖啡续命的阿May"], Planned: 16000, Committed: 16000},
			{ID: 2, Kind: "paid_boost", Description: "视频号直播间加热", Platform: "wechat_channels", PhaseID: 2, Planned: 40000},
			{ID: 3, Kind: "paid_boost", Description: "抖音年货节 DOU+ 加热", Platform: "douyin", PhaseID: 2, Planned: 35000},
			{ID: 4, Kind: "production", Description: "礼盒视觉与贺卡设计", PhaseID: 1, Planned: 18000},
			{ID: 5, Kind: "other", Description: "企业团购样盒寄送", Platform: "wechat_oa", PhaseID: 2, Planned: 6000},
		},
		Hours: []campaign.HoursLine{
			{MemberID: r.members["林晓岚"], HoursPerWeek: 3},
			{MemberID: r.members["陈思雨"], HoursPerWeek: 16},
			{MemberID: r.members["王可"], HoursPerWeek: 20},
			{MemberID: r.members["赵一凡"], HoursPerWeek: 12},
			{MemberID: r.members["孙浩然"], HoursPerWeek: 10},
		},
	}
}
