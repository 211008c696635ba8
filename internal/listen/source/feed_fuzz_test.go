package source

import (
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzFeed: any body a feed URL answers is read without a panic, and
// whatever it gives is valid UTF-8 text.
func FuzzFeed(f *testing.F) {
	f.Add([]byte(rssFeed), "application/rss+xml")
	f.Add([]byte(`<?xml version="1.0" encoding="GBK"?><rss><channel><item><title>x</title><guid>g</guid></item></channel></rss>`), "text/xml; charset=gbk")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">&lt;b&gt;x</title><link href="/a"/></entry></feed>`), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_html":"<p>x</p>"}]}`), "application/feed+json")
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		feed, err := parseFeed(body, contentType)
		if err != nil {
			return
		}
		shared := sharedIDs(feed.Items)
		for _, it := range feed.Items {
			if it == nil {
				continue
			}
			p := feedPost(1, feed, it, now, shared)
			if !utf8.ValidString(p.Text) || !utf8.ValidString(p.Author) {
				t.Fatalf("post %+v is not valid UTF-8", p)
			}
		}
	})
}
