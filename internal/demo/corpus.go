package demo

import (
	"regexp"
	"strings"
)

// Which of the shared Weibo posts the demo's stream draws from, and which
// of them a brand name is worked into. The demo is a newcomer's first
// look at a coffee brand's listening: the corpus's insults, its COVID
// news (the whole "virus" domain, and epidemic talk in the "usual" one)
// and its news headlines have no place in it; and a brand name reads
// plausibly only in a person's post about drinks, food, shopping,
// service or the day's mood, never in the corpus's encyclopedia
// sentences, which stay as other chatter. These short lists are the
// demo's own sample filter, not a lexicon for the listening features.

// maxPostRunes is the longest post the demo takes: Weibo's classic 140
// characters; longer ones are mostly articles and news.
const maxPostRunes = 140

// denyWords are obvious insults, swearing and sexual terms. Words that
// are also parts of ordinary words (操场, 逼近, 滚动) are listed only in
// their offensive compounds.
var denyWords = []string{
	"傻逼", "傻b", "傻叉", "煞笔", "沙比", "牛逼", "装逼", "逼样", "尼玛", "你妈", "他妈", "他媽", "特么", "妈的", "媽的",
	"草泥马", "卧槽", "我操", "操你", "操蛋", "艹", "我靠", "日了狗", "狗日", "屌", "婊", "贱", "王八蛋", "混蛋",
	"滚蛋", "滚犊子", "给我滚", "去死", "死全家", "脑残", "智障", "弱智", "畜生", "人渣", "垃圾人", "鸡巴", "约炮", "做爱",
	"撸", "奶子", "屁眼", "屎", "玛的", "妈蛋", "麻痹", "日了", "他娘", "他么", "你大爷", "老娘", "劳资", "滚出",
}

// denyPattern is "tm" (他妈) as a word of its own, not inside a Latin word.
var denyPattern = regexp.MustCompile(`(^|[^a-z])tmd?([^a-z]|$)`)

// epidemicWords mark COVID and epidemic news.
var epidemicWords = []string{
	"疫情", "新冠", "冠状", "肺炎", "封城", "确诊", "口罩", "病毒", "防疫", "抗疫", "隔离", "核酸", "疫苗", "非典", "sars",
	"火神山", "雷神山", "钟南山", "武汉加油", "医护", "疾控",
}

// somberWords mark posts about death, illness and accidents: chatter the
// stream may show, but no brand belongs in them.
var somberWords = []string{"去世", "自杀", "癌", "医院", "住院", "手术", "葬礼", "车祸", "遗体", "死了", "逝世", "悼念"}

// fit is what a post talks about, and so how a brand name fits into it.
type fit uint8

const (
	fitNone    fit = iota // a brand name does not belong in it
	fitProduct            // taste, price, delivery, service: the brand is what it is about
	fitDrink              // coffee, tea, breakfast: the brand is what was drunk
	fitDaily              // work, sleep, the day's mood: the brand is a cup in that day
	fitKinds
)

var (
	productWords = []string{"味道", "口感", "好喝", "难喝", "性价比", "价格", "太贵", "好贵", "便宜", "划算", "包装", "客服",
		"快递", "发货", "退款", "退货", "回购", "差评", "好评", "踩雷", "下单", "网购", "店家", "商家", "卖家", "售后", "外卖",
		"双十一", "双11"}
	// otherGoods are goods a coffee brand is not: a product post about
	// them would blame or praise the brand for someone else's goods.
	otherGoods = []string{"手机", "电脑", "衣服", "鞋", "车", "房", "化妆", "口红", "电影", "游戏", "书", "裙", "阅读器", "耳机",
		"酒", "烟", "药", "剧", "歌"}
	drinkWords = []string{"咖啡", "星巴克", "奶茶", "拿铁", "饮料", "提神", "早餐", "下午茶", "喝水", "喝了", "好喝"}
	dailyWords = []string{"加班", "熬夜", "早上", "上班", "下午", "周末", "开会", "考试", "复习", "论文", "通勤", "地铁",
		"早起", "失眠", "好累", "困", "起床", "午休", "图书馆", "宿舍", "出差", "办公室"}
	// voiced: a person speaking (a pronoun, an exclamation or question,
	// a particle, a Weibo emoticon), not an encyclopedia sentence.
	voiced = regexp.MustCompile(`[我你咱俺！!？?~～啊呀吧呢哈嘛啦哦喽咯噢呜嘿哇]|\[[^\]]{1,8}\]`)
	// coffeeWord is a 咖啡 that a brand or product name can stand for
	// (一杯咖啡, 喝咖啡), not the place or the machine.
	coffeeWord = regexp.MustCompile(`咖啡([^厅馆店屋色机豆]|$)`)
)

func containsAny(t string, words []string) bool {
	for _, w := range words {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// usable reports whether the demo may show a post at all.
func usable(t string) bool {
	n := len([]rune(t))
	if n < 8 || n > maxPostRunes {
		return false
	}
	lower := strings.ToLower(t)
	if containsAny(lower, denyWords) || denyPattern.MatchString(lower) || containsAny(lower, epidemicWords) {
		return false
	}
	// News: headlines in 【】 and shared links.
	return !strings.HasPrefix(t, "【") && !strings.Contains(lower, "http")
}

// fitOf says how a brand name fits into a usable post.
func fitOf(t string) fit {
	if containsAny(t, somberWords) || strings.Contains(t, "//@") || !voiced.MatchString(t) {
		return fitNone
	}
	switch {
	case containsAny(t, productWords) && !containsAny(t, otherGoods):
		return fitProduct
	case containsAny(t, drinkWords) && !strings.Contains(t, "酒"):
		return fitDrink
	case containsAny(t, dailyWords):
		return fitDaily
	}
	return fitNone
}

// brandForms work a brand or product name into a post of each fit. None
// says a post is about the brand ("……（说的就是闲岚）"): the corpus's
// judging posts judge other goods and sellers, which the name would then
// be blamed or praised for.
var brandForms = [fitKinds][]string{
	fitProduct: {"%[2]s #%[1]s#"},
	fitDrink:   {"刚喝了%[1]s。%[2]s", "%[2]s #%[1]s#"},
	fitDaily:   {"刚喝了%[1]s。%[2]s", "%[2]s 还好有一杯%[1]s。", "%[2]s #%[1]s#"},
}

// fitWeights is how often a brand post is of each fit: talk about the
// product first, the day's cup less.
var fitWeights = [fitKinds]float64{fitProduct: 0.35, fitDrink: 0.2, fitDaily: 0.45}

// inCoffeeTalk puts the name in place of the coffee (or the coffee
// chain) a drink post talks about, or returns "" when it names none.
func inCoffeeTalk(t, name string) string {
	if strings.Contains(t, "星巴克") {
		return strings.ReplaceAll(t, "星巴克", name)
	}
	if loc := coffeeWord.FindStringIndex(t); loc != nil {
		return t[:loc[0]] + name + t[loc[0]+len("咖啡"):]
	}
	return ""
}
