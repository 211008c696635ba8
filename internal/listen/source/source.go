// Package source brings posts in from where a workspace listens: RSS and
// Atom feeds, Mastodon hashtag timelines and search, Bluesky search, the
// paid Weibo search, and (once publishing connectors exist) the
// workspace's own channels. A Poller runs one poll of one source; the
// Service keeps sources and checks their configuration. Every user-supplied
// address is fetched through package fetch.
package source

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
)

// Source kinds (listen.SourceKinds).
const (
	KindRSS            = "rss"
	KindMastodonTag    = "mastodon_tag"
	KindMastodonSearch = "mastodon_search"
	KindBlueskySearch  = "bluesky_search"
	KindWeiboSearch    = "weibo_search"
	KindWebhook        = "webhook"
	KindImport         = "import"
	KindOwnChannel     = "own_channel"
)

// PolledKinds are the kinds the poll job visits. Webhook and import
// sources are pushed, not polled. Own channels are polled so that their
// health says what they wait for.
var PolledKinds = []string{KindRSS, KindMastodonTag, KindMastodonSearch, KindBlueskySearch, KindWeiboSearch, KindOwnChannel}

// Polled reports whether the poll job visits sources of kind.
func Polled(kind string) bool {
	for _, k := range PolledKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Config keys.
const (
	KeyURL         = "url"
	KeyInstance    = "instance"
	KeyTag         = "tag"
	KeyQuery       = "q"
	KeyToken       = "token"
	KeyIdentifier  = "identifier"
	KeyAppPassword = "app_password"
	KeyService     = "service"
	KeyAccessToken = "access_token"
	KeyPaidAPI     = "paid_api"
	KeyChannel     = "channel"
)

// SecretKeys are config values that are stored but never shown again:
// the API answers which of them are set, not what they are.
var SecretKeys = []string{KeyToken, KeyAppPassword, KeyAccessToken}

// IsSecret reports whether a config key holds a secret.
func IsSecret(key string) bool {
	for _, k := range SecretKeys {
		if k == key {
			return true
		}
	}
	return false
}

// PollResult is what one poll brought: new posts, the source's next
// cursor and, for feeds, the validators for a conditional GET.
// NotModified means the feed answered 304: nothing new, validators kept.
type PollResult struct {
	Posts        []listen.Post
	Cursor       string
	ETag         string
	LastModified string
	NotModified  bool
}

// RetryAfter is how long a rate-limited platform asked to wait, or 0.
func RetryAfter(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

// MaxErrorText bounds the error text kept in a source's health.
const MaxErrorText = 500

var secretRE = regexp.MustCompile(`(?i)((?:access_token|token|password|app_password|secret|key)=)[^&\s"]+|(Bearer\s+)[A-Za-z0-9._~+/=-]+`)

// Describe is the error text kept in a source's health: the platform's or
// the network's own message, in one bounded line with no token or
// password in it.
func Describe(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Err != nil {
		msg = ae.Err.Error()
	}
	msg = secretRE.ReplaceAllString(msg, "${1}${2}[redacted]")
	msg = strings.Join(strings.Fields(strings.ToValidUTF8(msg, "?")), " ")
	if utf8.RuneCountInString(msg) > MaxErrorText {
		msg = string([]rune(msg)[:MaxErrorText-1]) + "…"
	}
	return msg
}

// Problem is what to record of a failed poll: Describe's text, and the
// error's catalog message when it has one.
func Problem(err error) listen.SourceProblem {
	p := listen.SourceProblem{Text: Describe(err)}
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Key != "" {
		p.Key, p.Args = ae.Key, ae.Args
	}
	return p
}

// fail is an error with a code, a message key for the API and a plain
// English message for the health text and the log.
func fail(code apperr.Code, key string, args map[string]any, format string, a ...any) error {
	return &apperr.Error{Code: code, Key: key, Args: args, Err: fmt.Errorf(format, a...)}
}

// ErrOwnChannel is the health of an own-channel source until the
// publishing connectors exist.
var ErrOwnChannel = fail(apperr.Invalid, "error.source_own_channel", nil,
	"needs a connected channel (coming with publishing): comments and mentions of the workspace's own channels arrive once channels can be connected")
