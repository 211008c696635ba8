package demo

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoStreamLeavesOutUnfitPosts: of the shared Weibo posts, the demo
// shows none with insults, epidemic news, headlines or more than 140
// characters, and works a brand or competitor name only into posts
// about drinks, shopping and service, or the day's mood.
func TestDemoStreamLeavesOutUnfitPosts(t *testing.T) {
	rows := []struct {
		domain, label, text string
		shown, branded      bool
	}{
		{"usual", "angry", "快递三天还没到，客服一直不回消息，太失望了！", true, true},
		{"usual", "happy", "早上一杯咖啡，整个人都精神了哈哈", true, true},
		{"usual", "sad", "加班到十一点，好累啊，明天还要早起", true, true},
		{"usual", "happy", "这家店的奶茶味道真不错，还会回购的！", true, true},
		{"usual", "angry", "双11的快递都是派蜗牛送的吗？上海到北京要5天！", true, true},
		{"usual", "angry", "买的猕猴桃放了一个月还是硬的，我要退货！", true, true},
		{"usual", "angry", "什么傻逼客服，快递丢了也不管！", false, false},
		{"usual", "angry", "妈的，外卖又送错了", false, false},
		{"usual", "angry", "我tm就想喝口水", false, false},
		{"usual", "angry", "加班累TM死我了，猪队友！", false, false},
		{"usual", "fear", "武汉封城了，大家出门记得戴口罩", false, false},
		{"usual", "neutral", "新冠疫情最新通报：今日新增确诊病例", false, false},
		{"virus", "happy", "今天的早餐好好吃啊，元气满满！", false, false},
		{"usual", "neutral", "【突发】某地发生交通事故，三人受伤", false, false},
		{"usual", "happy", "分享一篇好文 http://t.cn/abc 大家看看吧", false, false},
		{"usual", "happy", strings.Repeat("今天天气真好啊", 25), false, false},
		{"usual", "neutral", "1980年当选为中国科学院学部委员。", true, false},
		{"usual", "happy", "这部剧的男主太帅了，味道十足！", true, false},
		{"usual", "sad", "外婆住院了，在医院陪了一下午，好难过", true, false},
		{"usual", "happy", "我的新手机到了，包装很精致！", true, false},
	}
	var b strings.Builder
	b.WriteString("domain,split,id,label,content\n")
	for i, r := range rows {
		b.WriteString(r.domain + ",train," + string(rune('a'+i)) + "," + r.label + ",\"" + r.text + "\"\n")
	}
	path := filepath.Join(t.TempDir(), "corpus.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	old := WeiboCorpus
	WeiboCorpus = path
	t.Cleanup(func() { WeiboCorpus = old })

	g := newMentionGen(time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for i := range 3000 {
		about, negative := i%2 == 0, i%7 == 0
		text := g.text(r, about, negative)
		branded := containsAny(text, []string{"闲岚", "橡果", "鲸豆", "谷拾"})
		matched := false
		for _, row := range rows {
			if !derivedFrom(text, row.text) {
				continue
			}
			matched = true
			seen[row.text] = true
			if !row.shown {
				t.Errorf("the stream shows %q", text)
			}
			if branded && !row.branded {
				t.Errorf("a brand name is worked into a post it does not fit: %q", text)
			}
			// A post is never said to be about the brand: what it judges
			// may be anyone's.
			if strings.Contains(text, "说的就是") {
				t.Errorf("a post is said to be about the brand: %q", text)
			}
		}
		if !matched && !branded {
			t.Errorf("post %q is neither a corpus post nor a brand post", text)
		}
	}
	for _, row := range rows {
		if row.shown && !seen[row.text] {
			t.Errorf("the stream never shows %q", row.text)
		}
	}
}

// derivedFrom reports whether a post's text is src, with or without a
// name worked into it.
func derivedFrom(text, src string) bool {
	if strings.Contains(text, src) {
		return true
	}
	// A drink post's coffee replaced by the name (inCoffeeTalk).
	if s := inCoffeeTalk(src, "\x00"); s != "" {
		head, tail, _ := strings.Cut(s, "\x00")
		return strings.HasPrefix(text, head) && strings.HasSuffix(text, tail)
	}
	return false
}
