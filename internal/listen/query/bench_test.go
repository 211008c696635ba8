package query

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// benchBrands are brand names with an alias and a Latin name, as topics
// seeded from step 1 would have them.
var benchBrands = [][3]string{
	{"华为", "荣耀", "huawei"}, {"小米", "红米", "xiaomi"}, {"苹果", "果粉", "apple"}, {"星巴克", "星爸爸", "starbucks"},
	{"瑞幸", "小蓝杯", "luckin"}, {"特斯拉", "马斯克", "tesla"}, {"蔚来", "李斌", "nio"}, {"理想汽车", "理想one", "li auto"},
	{"比亚迪", "王朝", "byd"}, {"喜茶", "灵感之茶", "heytea"}, {"奈雪", "奈雪的茶", "nayuki"}, {"蜜雪冰城", "雪王", "mixue"},
	{"元气森林", "气泡水", "genki forest"}, {"农夫山泉", "有点甜", "nongfu"}, {"海底捞", "捞王", "haidilao"}, {"美团", "外卖小哥", "meituan"},
	{"淘宝", "天猫", "taobao"}, {"京东", "东哥", "jd"}, {"拼多多", "砍一刀", "pinduoduo"}, {"耐克", "勾子", "nike"},
	{"阿迪达斯", "三叶草", "adidas"}, {"李宁", "中国李宁", "li ning"}, {"安踏", "fila", "anta"}, {"完美日记", "小完子", "perfect diary"},
	{"花西子", "西子", "florasis"}, {"百雀羚", "百雀", "pechoin"}, {"大疆", "无人机", "dji"}, {"联想", "拯救者", "lenovo"},
	{"vivo", "蓝厂", "vivo"}, {"oppo", "绿厂", "oppo"}, {"一加", "加油", "oneplus"}, {"索尼", "大法", "sony"},
	{"任天堂", "switch", "nintendo"}, {"网易", "猪厂", "netease"}, {"腾讯", "鹅厂", "tencent"}, {"抖音", "字节", "douyin"},
	{"快手", "老铁", "kuaishou"}, {"小红书", "种草", "xiaohongshu"}, {"麦当劳", "金拱门", "mcdonald"}, {"肯德基", "开封菜", "kfc"},
	{"可口可乐", "快乐水", "coca cola"}, {"百事", "蓝罐", "pepsi"}, {"宜家", "瑞典家居", "ikea"}, {"优衣库", "联名款", "uniqlo"},
	{"三只松鼠", "松鼠", "three squirrels"}, {"良品铺子", "零食", "bestore"}, {"格力", "董明珠", "gree"}, {"美的", "美的空调", "midea"},
	{"海尔", "卡萨帝", "haier"}, {"蒙牛", "特仑苏", "mengniu"},
}

var (
	benchProducts = []string{"手机", "咖啡", "奶茶", "电池", "屏幕", "拍照", "外卖", "快递", "衣服", "鞋", "车", "空调", "零食", "牛奶", "电影", "游戏"}
	benchConcerns = []string{"投诉", "退款", "维权", "发热", "续航", "质量", "客服", "难喝", "难吃", "贵", "慢", "坏了"}
	benchPraise   = []string{"好用", "推荐", "喜欢", "好喝", "好吃", "满意", "不错", "yyds"}
	benchCrisis   = []string{"爆炸", "召回", "翻车", "塌房", "抵制", "道歉", "起火"}
	benchNoise    = []string{"广告", "抽奖", "转发", "招聘", "二手", "回收", "代购"}
)

// benchRules generates n realistic topic rules: brand names with aliases,
// product and concern words, NOT noise words, NEAR and filters.
func benchRules(n int) []Rule {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(list []string, k int) string {
		var parts []string
		for _, i := range rng.Perm(len(list))[:k] {
			parts = append(parts, list[i])
		}
		return "(" + strings.Join(parts, " OR ") + ")"
	}
	templates := []func(b [3]string) string{
		func(b [3]string) string { return fmt.Sprintf(`%s OR %s OR "%s"`, b[0], b[1], b[2]) },
		func(b [3]string) string {
			return fmt.Sprintf(`(%s OR %s) %s -%s -%s`, b[0], b[1], pick(benchProducts, 3), benchNoise[0], benchNoise[1])
		},
		func(b [3]string) string { return fmt.Sprintf(`%s NEAR/10 %s`, b[0], pick(benchConcerns, 4)) },
		func(b [3]string) string { return fmt.Sprintf(`(%s OR "%s") lang:zh -%s`, b[0], b[2], benchNoise[3]) },
		func(b [3]string) string {
			return fmt.Sprintf(`"%s%s" OR "%s %s"`, b[0], benchProducts[rng.IntN(len(benchProducts))], b[2], "review")
		},
		func(b [3]string) string { return fmt.Sprintf(`%s (涨价 OR 降价 OR 优惠) -转发`, b[0]) },
		func(b [3]string) string { return fmt.Sprintf(`(%s OR %s) NOT %s`, b[0], b[1], pick(benchNoise, 3)) },
		func(b [3]string) string { return fmt.Sprintf(`"%s" NEAR/5 (new OR launch OR review OR 发布)`, b[2]) },
		func(b [3]string) string { return fmt.Sprintf(`%s %s source:weibo`, b[0], pick(benchPraise, 3)) },
		func(b [3]string) string {
			return fmt.Sprintf(`(%s OR %s OR "%s") %s`, b[0], b[1], b[2], pick(benchCrisis, 4))
		},
		func(b [3]string) string {
			return fmt.Sprintf(`%s %s -(%s)`, pick(benchProducts, 2), pick(benchConcerns, 3), b[0])
		},
		func(b [3]string) string {
			return fmt.Sprintf(`(%s NEAR/8 %s) OR (%s NEAR/8 %s)`, b[0], pick(benchPraise, 2), b[1], pick(benchConcerns, 2))
		},
	}
	// Later rounds over the brands use product lines and shop names, so that
	// the terms are as varied as a real workspace's.
	lines := []string{"", "旗舰店", "官方", "新品", "客服", "门店", "会员", "app", "pro", "mini"}
	rules := make([]Rule, 0, n)
	for i := 0; len(rules) < n; i++ {
		b := benchBrands[i%len(benchBrands)]
		if l := lines[(i/len(benchBrands))%len(lines)]; l != "" {
			b[0] += l
			b[2] += " " + l
		}
		t := templates[(i/len(benchBrands)+i)%len(templates)]
		rules = append(rules, Rule{ID: int64(i + 1), Query: t(b)})
	}
	return rules
}

// smpPosts reads the SMP2020-EWECT Weibo texts from the shared data, or
// returns nil when they are not there.
func smpPosts(tb testing.TB) []string {
	tb.Helper()
	dir, _ := os.Getwd()
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
	}
	f, err := os.Open(filepath.Join(dir, "..", "shared", "data", "smp2020_ewect", "smp2020_ewect_all.csv"))
	if err != nil {
		return nil
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	var posts []string
	col := -1
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue
		}
		if col < 0 {
			for i, h := range rec {
				if h == "content" {
					col = i
				}
			}
			if col < 0 {
				return nil
			}
			continue
		}
		if col < len(rec) {
			posts = append(posts, rec[col])
		}
	}
	return posts
}

func samplePosts(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile("testdata/posts_sample.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func TestBenchRulesCompile(t *testing.T) {
	t.Parallel()
	rules := benchRules(1000)
	m, err := Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	matched := 0
	for _, p := range samplePosts(t) {
		if len(m.Match(Post{Text: p, Lang: "zh", Source: "weibo"})) > 0 {
			matched++
		}
	}
	if matched < 10 {
		t.Errorf("only %d sample posts match any of the 1,000 rules", matched)
	}
}

func benchMatch(b *testing.B, posts []string, normalized bool) {
	m, err := Compile(benchRules(1000))
	if err != nil {
		b.Fatal(err)
	}
	if normalized {
		for i, p := range posts {
			posts[i] = textnorm.Normalize(p).Norm
		}
	}
	nr, nt := m.Len()
	hits, bytes := 0, 0
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		p := Post{Text: posts[i%len(posts)], Lang: "zh", Source: "weibo"}
		bytes += len(p.Text)
		if normalized {
			hits += len(m.MatchNormalized(p))
		} else {
			hits += len(m.Match(p))
		}
	}
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/el, "posts/s")
	b.ReportMetric(float64(hits)/float64(b.N), "ids/post")
	b.SetBytes(int64(bytes / max(b.N, 1)))
	b.Logf("%d rules, %d distinct terms, %d posts", nr, nt, len(posts))
}

// BenchmarkMatch: 1,000 rules over the embedded sample posts, normalizing
// each post first (what `chorus match` does).
func BenchmarkMatch(b *testing.B) { benchMatch(b, samplePosts(b), false) }

// BenchmarkMatchSMP2020: the same over the 45,000 real Weibo posts of the
// shared data; skipped when ../shared is not there.
func BenchmarkMatchSMP2020(b *testing.B) {
	posts := smpPosts(b)
	if posts == nil {
		b.Skip("../shared/data/smp2020_ewect/smp2020_ewect_all.csv not found")
	}
	benchMatch(b, posts, false)
}

// BenchmarkMatchNormalizedSMP2020: matching alone, on texts normalized
// beforehand, as the pipeline does (it normalizes once for every step).
func BenchmarkMatchNormalizedSMP2020(b *testing.B) {
	posts := smpPosts(b)
	if posts == nil {
		b.Skip("../shared/data/smp2020_ewect/smp2020_ewect_all.csv not found")
	}
	benchMatch(b, posts, true)
}

func BenchmarkCompile1000(b *testing.B) {
	rules := benchRules(1000)
	for b.Loop() {
		if _, err := Compile(rules); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChainedNear: one rule of 330 chained NEAR/1000 on a 5 KB post
// of the same word, the worst a rule within the parser's limits asks of
// NEAR. The rule's work bound (maxNearWork) keeps it to about a
// millisecond a post; bounded per NEAR it took a second.
func BenchmarkChainedNear(b *testing.B) {
	q := strings.Repeat("a NEAR/1000 ", 329) + "a"
	m, err := Compile([]Rule{{ID: 1, Query: q}})
	if err != nil {
		b.Fatal(err)
	}
	p := Post{Text: strings.TrimSpace(strings.Repeat("a ", 2500))}
	for b.Loop() {
		m.Match(p)
	}
}
