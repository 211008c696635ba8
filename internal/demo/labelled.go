package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/sentiment"
)

// labelledPost is a post of the demo's stream that the team labelled on
// the mentions page, with the label it gave.
type labelledPost struct {
	text, label string
}

// labelledPosts are what the team corrected or confirmed while reading
// the stream, mostly what the built-in model reads wrongly on a coffee
// brand's stream: neutral questions, plans and announcements that it takes
// for complaints or praise (MODEL_CARD.md, "Retraining for a
// workspace"), with some plain praise and complaints beside them.
var labelledPosts = []labelledPost{
	{"闲岚冷萃有人喝过吗，想问问口感", listen.Neutral},
	{"闲岚冻干等双十一再囤", listen.Neutral},
	{"闲岚挂耳和橡果冷萃哪个更适合办公室？", listen.Neutral},
	{"请问闲岚冻干用冷水冲会不会结块", listen.Neutral},
	{"闲岚的冷萃液需要放冰箱吗", listen.Neutral},
	{"闲岚咖啡的会员日是哪天", listen.Neutral},
	{"想给爸妈买闲岚挂耳，不知道他们喝不喝得惯", listen.Neutral},
	{"闲岚冻干一颗兑多少毫升水合适", listen.Neutral},
	{"有没有人对比过闲岚和鲸豆的冻干", listen.Neutral},
	{"闲岚旗舰店几点发货", listen.Neutral},
	{"闲岚冷萃孕妇可以喝吗", listen.Neutral},
	{"闲岚挂耳的滤袋是哪里产的", listen.Neutral},
	{"闲岚的燕麦拿铁冻干什么时候补货", listen.Neutral},
	{"闲岚咖啡开发票要找谁", listen.Neutral},
	{"闲岚冻干和谷拾挂耳，送客户选哪个", listen.Neutral},
	{"有人知道闲岚冷萃的保质期多久吗", listen.Neutral},
	{"闲岚的订阅装可以中途换口味吗", listen.Neutral},
	{"闲岚冻干喝多了会不会睡不着", listen.Neutral},
	{"闲岚挂耳用多少度的水冲", listen.Neutral},
	{"闲岚的快闪店周末人多吗", listen.Neutral},
	{"下个月发工资再买闲岚冷萃", listen.Neutral},
	{"等闲岚出新口味了再下单", listen.Neutral},
	{"打算年货节囤几盒闲岚挂耳", listen.Neutral},
	{"先把家里的鲸豆喝完，再试试闲岚", listen.Neutral},
	{"准备把闲岚冻干带去出差", listen.Neutral},
	{"下周去静安寺看看闲岚的快闪店", listen.Neutral},
	{"闲岚购物车里放了三天了，还在犹豫", listen.Neutral},
	{"明天开始用闲岚冷萃代替楼下的咖啡", listen.Neutral},
	{"周末打算拍一期闲岚挂耳的开箱", listen.Neutral},
	{"考虑给办公室订一箱闲岚冻干", listen.Neutral},
	{"等直播间有券再买闲岚", listen.Neutral},
	{"收藏了闲岚的冲煮参数，回头试试", listen.Neutral},
	{"闲岚冬季新品今天上架，共三款口味", listen.Neutral},
	{"闲岚咖啡旗舰店的发货仓搬到了嘉兴", listen.Neutral},
	{"闲岚冷萃原液一瓶五百毫升", listen.Neutral},
	{"闲岚冻干每盒十二颗，每颗两克", listen.Neutral},
	{"闲岚直播间今晚七点开播", listen.Neutral},
	{"闲岚官方号发了新春礼盒的预告", listen.Neutral},
	{"闲岚客服热线改为九点到二十一点", listen.Neutral},
	{"闲岚挂耳的新包装下个月起陆续替换", listen.Neutral},
	{"闲岚和一家本地烘焙坊合作出了联名款", listen.Neutral},
	{"闲岚的小程序上线了积分商城", listen.Neutral},
	{"闲岚春节期间照常发货", listen.Neutral},
	{"闲岚咖啡招募一百位体验官", listen.Neutral},
	{"闲岚冻干的配料表只有咖啡豆", listen.Neutral},
	{"闲岚产地挂耳有云南、埃塞俄比亚等五个产地", listen.Neutral},
	{"闲岚成都春熙路店下周开业", listen.Neutral},
	{"橡果冷萃今天在直播间上了新口味", listen.Neutral},
	{"鲸豆咖啡的会员积分月底清零", listen.Neutral},
	{"谷拾咖啡推出了企业团购礼盒", listen.Neutral},
	{"闲岚冷萃快递显示明天到", listen.Neutral},
	{"今天收到闲岚的试喝装，还没拆", listen.Neutral},
	{"同事在群里问闲岚冻干哪个口味不酸", listen.Neutral},
	{"闲岚冻干第三批的烘焙日期是十一月二号", listen.Neutral},
	{"闲岚的退换货要在七天内申请", listen.Neutral},
	{"闲岚客服说下周补货", listen.Neutral},
	{"闲岚冷萃和冻干有什么区别", listen.Neutral},
	{"闲岚的挂耳一包十克", listen.Neutral},
	{"闲岚冷萃兑牛奶要多少比例", listen.Neutral},
	{"闲岚冻干在超市能买到吗", listen.Neutral},
	{"闲岚冷萃真的好喝，回购第三次了", listen.Positive},
	{"闲岚冻干冷水一摇就化开，太方便了", listen.Positive},
	{"闲岚挂耳的坚果香很明显，喜欢", listen.Positive},
	{"闲岚客服很耐心，帮我换了口味", listen.Positive},
	{"闲岚冷萃不酸不苦，办公室人手一瓶", listen.Positive},
	{"闲岚的风味卡写得很用心，新手也冲得好", listen.Positive},
	{"闲岚冻干加燕麦奶特别香，推荐", listen.Positive},
	{"闲岚比楼下咖啡店便宜一半，味道不输", listen.Positive},
	{"闲岚的礼盒送客户很体面，对方说好喝", listen.Positive},
	{"闲岚物流很快，第二天就到了，包装也好看", listen.Positive},
	{"闲岚冷萃喝完不心慌，胃也舒服", listen.Positive},
	{"闲岚试喝装每个口味都不踩雷", listen.Positive},
	{"闲岚冻干包装破了，粉洒了一盒子", listen.Negative},
	{"闲岚客服三天不回消息，很生气", listen.Negative},
	{"闲岚冷萃酸味太重了，喝不惯", listen.Negative},
	{"闲岚涨价了还缩量，不会再买了", listen.Negative},
	{"闲岚直播间说送杯子，结果没有", listen.Negative},
	{"闲岚发来的是临期货，只剩一个月", listen.Negative},
	{"闲岚挂耳滤袋破了，喝到一嘴渣", listen.Negative},
	{"闲岚冻干冷水根本冲不开，失望", listen.Negative},
	{"闲岚的优惠券用不了，白抢了", listen.Negative},
	{"闲岚退货流程太麻烦了，等了两周", listen.Negative},
	{"闲岚少发了两颗也没人管", listen.Negative},
	{"闲岚冷萃喝完胃不舒服", listen.Negative},
}

// labelledKey is the external id of labelled post i.
func labelledKey(i int) string { return fmt.Sprintf("demo-labelled-%03d", i) }

// labelledText is the text of labelled post i as the stream brought it:
// about 闲岚, or about a competitor as often as the stream's brand talk is
// (voices), so that the labelled posts do not tilt the share of voice
// the campaigns measure. A post that names a competitor keeps its names.
func labelledText(i int) string {
	t := labelledPosts[i].text
	for _, v := range voices[1:] {
		if strings.Contains(t, v.names[0]) {
			return t
		}
	}
	x := rand.New(rand.NewPCG(uint64(i), 0x6c6162656c6c6564)).Float64()
	for _, v := range voices {
		if x < v.weight {
			return strings.ReplaceAll(t, voices[0].names[0], v.names[0])
		}
		x -= v.weight
	}
	return t
}

// labelledPostsOf returns the labelled posts as the stream brought them,
// spread over the demo's days apart from the last week (the spike and the
// alerts it fired are left as they are), on fixed days back from today:
// a load on a later day finds them under the same ids and adds none.
func labelledPostsOf(g *mentionGen, today time.Time, now time.Time) []listen.Post {
	var out []listen.Post
	for i := range labelledPosts {
		r := textRand(uint64(len(labelledPosts)), i)
		back := 7 + i*(mentionDays-8)/len(labelledPosts)
		at := today.AddDate(0, 0, -back).Add(time.Duration(9+r.IntN(13))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		p := g.post(r, labelledKey(i), at, labelledText(i))
		if at.Before(now) {
			out = append(out, p)
		}
	}
	return out
}

// labelPosts records the team's labels of the labelled posts among the
// newly stored mentions ids, through the service's correction, as the
// mentions page does: the corrections export then holds them.
func labelPosts(ctx context.Context, ls *listen.Service, wsID int64, ids []int64) error {
	label := map[string]string{}
	for i, lp := range labelledPosts {
		label[labelledText(i)] = lp.label
	}
	for _, id := range ids {
		m, err := ls.Mention(ctx, wsID, id)
		if err != nil {
			return fmt.Errorf("demo: read mention %d: %w", id, err)
		}
		l, ok := label[m.Text]
		if !ok || m.SentimentCorrected {
			continue
		}
		if _, err := ls.CorrectSentiment(ctx, wsID, id, l); err != nil {
			return fmt.Errorf("demo: label mention %d: %w", id, err)
		}
	}
	return nil
}

// trainModel retrains the workspace's sentiment model on the team's
// corrections, as `chorus listen train` does with the file the mentions
// page exports: read as that command reads it, and kept by the service
// only when its held-out macro-F1 is not worse than the built-in model's.
// A workspace that has its own model already is left alone, so a second
// load trains nothing. It returns the comparison, and false when it did
// not train.
func trainModel(ctx context.Context, ls *listen.Service, wsID int64) (sentiment.RetrainReport, bool, error) {
	if _, own, err := ls.OwnModel(ctx, wsID); err != nil || own {
		return sentiment.RetrainReport{}, false, err
	}
	var b strings.Builder
	if err := ls.ExportCorrections(ctx, wsID, &b); err != nil {
		return sentiment.RetrainReport{}, false, fmt.Errorf("demo: export corrections: %w", err)
	}
	examples, err := sentiment.ReadLabelledCSV(strings.NewReader(b.String()))
	if err != nil {
		return sentiment.RetrainReport{}, false, fmt.Errorf("demo: read corrections: %w", err)
	}
	_, rep, err := ls.Retrain(ctx, wsID, examples, sentiment.TrainOptions{})
	if err != nil {
		return rep, false, fmt.Errorf("demo: retrain the sentiment model: %w", err)
	}
	return rep, true, nil
}
