package query

import (
	"slices"
	"strings"

	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// platformKinds are platform names as people and exports write them,
// normalized, with the platform catalog's key for each.
var platformKinds = map[string]string{
	"微博": "weibo", "新浪微博": "weibo", "sina weibo": "weibo",
	"微信": "wechat_oa", "公众号": "wechat_oa", "微信公众号": "wechat_oa", "微信公众平台": "wechat_oa", "wechat": "wechat_oa",
	"视频号": "wechat_channels", "微信视频号": "wechat_channels",
	"抖音": "douyin", "快手": "kuaishou", "小红书": "xiaohongshu",
	"哔哩哔哩": "bilibili", "b站": "bilibili", "知乎": "zhihu",
	"今日头条": "toutiao", "头条": "toutiao", "百度贴吧": "tieba", "贴吧": "tieba",
	"博客": "blog_rss", "长毛象": "mastodon", "推特": "x", "twitter": "x",
	"脸书": "facebook", "领英": "linkedin", "油管": "youtube", "电报": "telegram",
}

// SourceKind reads a source kind as people write it: a platform's name
// (新浪微博, B站) becomes the platform catalog's key (weibo, bilibili),
// anything else is lower-cased. ok says that the result has a kind's
// shape, 1–32 of a–z, 0–9, _ and -, as stored mentions' kinds do.
func SourceKind(v string) (kind string, ok bool) {
	kind = strings.ToLower(strings.TrimSpace(v))
	if k, found := platformKinds[textnorm.Normalize(v).Norm]; found {
		kind = k
	}
	return kind, ValidKind(kind)
}

// searchedPlatforms names the platform each polling source kind searches,
// so that source:weibo finds Weibo posts however they came: pushed or
// imported as weibo, or fetched by a weibo_search source.
var searchedPlatforms = map[string]string{
	"weibo_search": "weibo", "mastodon_tag": "mastodon", "mastodon_search": "mastodon", "bluesky_search": "bluesky",
}

// KindMatches reports whether a post of source kind kind matches the
// filter source:want, want being a kind as SourceKind reads it.
func KindMatches(want, kind string) bool {
	return kind == want || searchedPlatforms[kind] == want
}

// Kinds lists the source kinds KindMatches takes for want: want and the
// polling kinds that search its platform.
func Kinds(want string) []string {
	out := []string{want}
	for k, p := range searchedPlatforms {
		if p == want {
			out = append(out, k)
		}
	}
	slices.Sort(out[1:])
	return out
}

// ValidKind reports whether s has a source kind's shape: 1–32 of a–z,
// 0–9, _ and -.
func ValidKind(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
