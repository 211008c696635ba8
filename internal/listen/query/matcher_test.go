package query

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		query string
		post  Post
		want  bool
	}{
		{"chinese substring", "华为", Post{Text: "我买了华为手机"}, true},
		{"chinese absent", "华为", Post{Text: "我买了小米手机"}, false},
		{"latin word boundary", "AI", Post{Text: "He SAID nothing"}, false},
		{"latin word", "AI", Post{Text: "the new AI chip"}, true},
		{"latin next to chinese", "ai", Post{Text: "最新AI芯片"}, true},
		{"latin prefix is not a word", "apple", Post{Text: "pineapple juice"}, false},
		{"latin suffix is not a word", "apple", Post{Text: "applesauce"}, false},
		{"latin before punctuation", "apple", Post{Text: "I love Apple!"}, true},
		{"apostrophe ends a word", "mcdonald", Post{Text: "McDonald's 麦当劳"}, true},
		{"mixed term boundary", "华为p60", Post{Text: "华为P600发布"}, false},
		{"mixed term", "华为p60", Post{Text: "华为P60发布"}, true},
		{"case insensitive", "iphone", Post{Text: "IPHONE 15 到了"}, true},
		{"width insensitive text", "iphone", Post{Text: "ｉＰｈｏｎｅ到了"}, true},
		{"width insensitive term", "ＩＰＨＯＮＥ", Post{Text: "iPhone到了"}, true},
		{"script insensitive text", "台湾", Post{Text: "臺灣的朋友"}, true},
		{"script insensitive term", "軟體", Post{Text: "这个软件很好用"}, true},
		{"taiwan phrasing", "鼠标", Post{Text: "這個滑鼠很好用"}, true},
		// tw2sp reads 通道 as 信道 (中国联信道歉); the reading by
		// characters still holds 联通.
		{"traditional phrase across words", "联通", Post{Text: "中國聯通道歉"}, true},
		{"traditional phrase across words, NEAR", "联通 NEAR/0 道歉", Post{Text: "中國聯通道歉"}, true},
		{"terms of both readings", "联通 软件", Post{Text: "中國聯通道歉，軟體更新"}, true},
		{"NEAR within one reading", "道歉 NEAR/2 中国", Post{Text: "中國聯通道歉"}, true},
		{"NEAR not across the readings", "道歉 NEAR/1 中国", Post{Text: "中國聯通道歉"}, false},
		{"phrase", `"new balance"`, Post{Text: "my New  Balance shoes"}, true},
		{"phrase words apart", `"new balance"`, Post{Text: "new shoes, good balance"}, false},
		{"and", "华为 手机", Post{Text: "华为发布新手机"}, true},
		{"and missing one", "华为 手机", Post{Text: "华为发布新平板"}, false},
		{"or", "华为 OR 荣耀", Post{Text: "荣耀降价"}, true},
		{"not excludes", "华为 -招聘", Post{Text: "华为招聘工程师"}, false},
		{"not keeps", "华为 -招聘", Post{Text: "华为降价"}, true},
		{"not keyword", "华为 NOT (招聘 OR 广告)", Post{Text: "华为广告"}, false},
		{"near within", "小米 NEAR/5 发热", Post{Text: "小米手机有点发热"}, true},
		{"near exact limit", "小米 NEAR/4 发热", Post{Text: "小米手机有点发热"}, true},
		{"near too far", "小米 NEAR/3 发热", Post{Text: "小米手机有点发热"}, false},
		{"near reversed order", "发热 NEAR/4 小米", Post{Text: "小米手机有点发热"}, true},
		{"near adjacent", "小米 NEAR/0 手机", Post{Text: "小米手机"}, true},
		{"near counts characters not bytes", "a NEAR/3 b", Post{Text: "a 中文 b"}, false},
		{"near counts characters", "a NEAR/4 b", Post{Text: "a 中文 b"}, true},
		{"near any occurrence", "小米 NEAR/2 发热", Post{Text: "小米很好。。。。。。。。。。。小米发热"}, true},
		{"near group", "(华为 OR 荣耀) NEAR/3 降价", Post{Text: "荣耀又降价了"}, true},
		{"near same term needs two", "好 NEAR/3 好", Post{Text: "好"}, false},
		{"near same term twice", "好 NEAR/3 好", Post{Text: "好不好"}, true},
		{"near chain", "a NEAR/2 b NEAR/2 c", Post{Text: "a b c"}, true},
		{"near chain far", "a NEAR/2 b NEAR/2 c", Post{Text: "a b ......... c"}, false},
		{"near respects boundary", "ai NEAR/5 芯片", Post{Text: "said 芯片"}, false},
		{"lang filter", "华为 lang:zh", Post{Text: "华为", Lang: "zh-CN"}, true},
		{"lang filter other", "华为 lang:zh", Post{Text: "华为", Lang: "en"}, false},
		{"lang filter prefix only", "x lang:zh", Post{Text: "x", Lang: "zhx"}, false},
		{"source filter", "华为 source:weibo", Post{Text: "华为", Source: "Weibo"}, true},
		{"source filter other", "华为 source:weibo", Post{Text: "华为", Source: "rss"}, false},
		// A platform's name takes the sources that search it.
		{"source filter, a Weibo search's post", "华为 source:weibo", Post{Text: "华为", Source: "weibo_search"}, true},
		{"source filter, a Mastodon tag's post", "华为 source:mastodon", Post{Text: "华为", Source: "mastodon_tag"}, true},
		{"source filter, a Bluesky search's post", "华为 source:bluesky", Post{Text: "华为", Source: "bluesky_search"}, true},
		{"source filter by the search kind", "华为 source:weibo_search", Post{Text: "华为", Source: "weibo"}, false},
		{"source filter, another platform's search", "华为 source:mastodon", Post{Text: "华为", Source: "weibo_search"}, false},
		{"author filter", "author:张三", Post{Text: "随便", Author: "@張三"}, true},
		{"author filter other", "author:张三", Post{Text: "随便", Author: "李四"}, false},
		{"negative with filter", "-广告 source:weibo", Post{Text: "今天天气好", Source: "weibo"}, true},
		{"negative with filter excluded", "-广告 source:weibo", Post{Text: "广告", Source: "weibo"}, false},
		{"not filter", "华为 -source:weibo", Post{Text: "华为", Source: "weibo"}, false},
		{"url not matched", "example", Post{Text: "see https://example.com"}, false},
		{"emoji term", "😋", Post{Text: "好吃😋"}, true},
		{"empty text", "华为", Post{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := Compile([]Rule{{ID: 7, Query: c.query}})
			if err != nil {
				t.Fatalf("Compile(%q): %v", c.query, err)
			}
			got := len(m.Match(c.post)) == 1
			if got != c.want {
				t.Errorf("%q on %+v = %v, want %v", c.query, c.post, got, c.want)
			}
		})
	}
}

func TestMatchManyRules(t *testing.T) {
	t.Parallel()
	m, err := Compile([]Rule{
		{ID: 1, Query: "华为 OR huawei"},
		{ID: 2, Query: "小米 -广告"},
		{ID: 3, Query: "华为 NEAR/5 降价"},
		{ID: 4, Query: "-广告 lang:zh"},
		{ID: 5, Query: "华为"}, // same term as rule 1: one pattern
		{ID: 6, Query: "apple"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rules, terms := m.Len(); rules != 6 || terms != 6 {
		t.Errorf("Len = %d rules, %d terms; want 6, 6 (deduplicated)", rules, terms)
	}
	cases := []struct {
		name string
		post Post
		want []int64
	}{
		{"huawei price", Post{Text: "华为手机降价了", Lang: "zh"}, []int64{1, 3, 4, 5}},
		{"xiaomi ad", Post{Text: "小米广告", Lang: "zh"}, nil},
		{"xiaomi english", Post{Text: "小米 and Huawei", Lang: "en"}, []int64{1, 2}},
		{"nothing", Post{Text: "今天天气好", Lang: "zh"}, []int64{4}},
		{"pineapple", Post{Text: "pineapple", Lang: "en"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := m.Match(c.post); !slices.Equal(got, c.want) {
				t.Errorf("Match(%q) = %v, want %v", c.post.Text, got, c.want)
			}
		})
	}
}

func TestCompileError(t *testing.T) {
	t.Parallel()
	_, err := Compile([]Rule{{ID: 1, Query: "a"}, {ID: 42, Query: "a OR"}})
	var qe *Error
	if !errors.As(err, &qe) || qe.Key != KeyOrNoRight {
		t.Fatalf("err = %v, want an *Error", err)
	}
	if !strings.Contains(err.Error(), "rule 42") {
		t.Errorf("error %q does not name the rule", err)
	}
}

func TestCompileEmpty(t *testing.T) {
	t.Parallel()
	m, err := Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Match(Post{Text: "anything"}); got != nil {
		t.Errorf("Match = %v, want nil", got)
	}
}

// TestMatchConcurrent runs under -race in CI.
func TestMatchConcurrent(t *testing.T) {
	t.Parallel()
	rules := []Rule{{ID: 1, Query: "华为 NEAR/5 降价"}, {ID: 2, Query: "apple -pie"}, {ID: 3, Query: "-广告 lang:zh"}}
	m, err := Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	posts := []struct {
		p    Post
		want []int64
	}{
		{Post{Text: "华为降价", Lang: "zh"}, []int64{1, 3}},
		{Post{Text: "Apple news", Lang: "en"}, []int64{2}},
		{Post{Text: "apple pie 广告", Lang: "zh"}, nil},
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				c := posts[(i+g)%len(posts)]
				if got := m.Match(c.p); !slices.Equal(got, c.want) {
					t.Errorf("Match(%q) = %v, want %v", c.p.Text, got, c.want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestMatchAgreesWithNaive compares the automaton with a direct search for
// each term, on generated rules and texts.
func TestMatchAgreesWithNaive(t *testing.T) {
	t.Parallel()
	words := []string{"华为", "华", "为", "手机", "机", "ai", "said", "a", "b", "小米", "米"}
	var rules []Rule
	id := int64(0)
	for _, x := range words {
		for _, y := range words {
			id++
			rules = append(rules, Rule{ID: id, Query: fmt.Sprintf("%s -%s", x, y)})
			id++
			rules = append(rules, Rule{ID: id, Query: fmt.Sprintf("%s NEAR/2 %s", x, y)})
		}
	}
	m, err := Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"华为手机", "said a b", "小米 ai 华为", "a ai said", "米机华 为", "b a"}
	for _, text := range texts {
		got := m.Match(Post{Text: text})
		var want []int64
		for _, r := range rules {
			single, err := Compile([]Rule{r})
			if err != nil {
				t.Fatal(err)
			}
			if len(single.Match(Post{Text: text})) == 1 {
				want = append(want, r.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("text %q: one automaton gives %v, rule by rule %v", text, got, want)
		}
	}
}

func TestMatchLargePost(t *testing.T) {
	t.Parallel()
	m, err := Compile([]Rule{{ID: 1, Query: "的 NEAR/1 了"}, {ID: 2, Query: "x NEAR/1000 y"}})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("我的天", 1<<17) + "了" // ≈ 1.2 MB
	if got := m.Match(Post{Text: big}); len(got) != 0 {
		t.Errorf("Match = %v; the only 了 is far from the first 1024 的", got)
	}
	xs := strings.Repeat("x ", 1<<19)
	if got := m.Match(Post{Text: xs + "y"}); len(got) != 0 {
		t.Errorf("Match = %v, want bounded NEAR to give up", got)
	}
}
