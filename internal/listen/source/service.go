package source

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/connector/mastodon"
	"github.com/chorus-hq/chorus/internal/listen"
)

// Store keeps sources. Every method is scoped to a workspace.
type Store interface {
	// CreateSource stores a new source and returns it with its id.
	CreateSource(ctx context.Context, workspaceID int64, s listen.Source) (listen.Source, error)
	// Source returns a source. Returns apperr.NotFound.
	Source(ctx context.Context, workspaceID, id int64) (listen.Source, error)
	// Sources returns the workspace's sources by id.
	Sources(ctx context.Context, workspaceID int64) ([]listen.Source, error)
	// UpdateSource saves kind, name, config, enabled, poll interval and
	// next poll time. Returns apperr.NotFound.
	UpdateSource(ctx context.Context, workspaceID int64, s listen.Source) (listen.Source, error)
	// ResetSourcePoll forgets the cursor, validators and health (last
	// success, last error, failures); items fetched stay. Returns
	// apperr.NotFound.
	ResetSourcePoll(ctx context.Context, workspaceID, id int64) error
	// DeleteSource removes a source; its mentions stay. Returns
	// apperr.NotFound.
	DeleteSource(ctx context.Context, workspaceID, id int64) error
}

// Poll interval bounds, in seconds.
const (
	DefaultPollSeconds = 900
	MinPollSeconds     = 60
	MaxPollSeconds     = 86400
)

// Input is a new source.
type Input struct {
	Kind        string            `json:"kind"`
	Name        string            `json:"name"`
	Config      map[string]string `json:"config"`
	Enabled     *bool             `json:"enabled,omitempty"`
	PollSeconds int               `json:"poll_seconds,omitempty"`
}

// Update changes a source; nil fields stay. A new Config replaces the old
// one, except that a secret it leaves out or empty keeps its value, unless
// the config changes where the secret goes or whose it is (bindingKeys):
// then the secret must be given again.
type Update struct {
	Name        *string           `json:"name,omitempty"`
	Config      map[string]string `json:"config,omitempty"`
	Enabled     *bool             `json:"enabled,omitempty"`
	PollSeconds *int              `json:"poll_seconds,omitempty"`
}

// Service keeps a workspace's sources and checks their configuration.
type Service struct {
	store  Store
	poller *Poller
	now    func() time.Time
}

// NewService returns a service; the poller's fetch rules check addresses
// at save time and its Poll runs Test.
func NewService(store Store, poller *Poller) *Service {
	return &Service{store: store, poller: poller, now: time.Now}
}

// List returns the workspace's sources.
func (s *Service) List(ctx context.Context, ws int64) ([]listen.Source, error) {
	return s.store.Sources(ctx, ws)
}

// Get returns a source. Returns apperr.NotFound.
func (s *Service) Get(ctx context.Context, ws, id int64) (listen.Source, error) {
	return s.store.Source(ctx, ws, id)
}

// Create validates and stores a source, due for its first poll now.
// Returns apperr.Invalid with the wrong fields (config.url, config.q …).
func (s *Service) Create(ctx context.Context, ws int64, in Input) (listen.Source, error) {
	src := listen.Source{Kind: in.Kind, Name: strings.TrimSpace(in.Name), Config: clean(in.Config), Enabled: true, PollSeconds: in.PollSeconds}
	if in.Enabled != nil {
		src.Enabled = *in.Enabled
	}
	if src.PollSeconds == 0 {
		src.PollSeconds = DefaultPollSeconds
	}
	if err := s.Validate(ctx, src); err != nil {
		return listen.Source{}, err
	}
	next := s.now().UTC()
	src.NextPollAt = &next
	return s.store.CreateSource(ctx, ws, src)
}

// UpdateSource applies u. A changed config starts the source afresh:
// cursor, validators and health reset (it shows as not polled with these
// settings yet), due now. Returns apperr.NotFound
// or apperr.Invalid.
func (s *Service) Update(ctx context.Context, ws, id int64, u Update) (listen.Source, error) {
	src, err := s.store.Source(ctx, ws, id)
	if err != nil {
		return listen.Source{}, err
	}
	if u.Name != nil {
		src.Name = strings.TrimSpace(*u.Name)
	}
	if u.Enabled != nil {
		src.Enabled = *u.Enabled
	}
	if u.PollSeconds != nil {
		src.PollSeconds = *u.PollSeconds
	}
	reset := false
	if u.Config != nil {
		cfg := clean(u.Config)
		if !changesBinding(src.Config, cfg) {
			for _, k := range SecretKeys {
				if _, set := cfg[k]; !set && src.Config[k] != "" {
					cfg[k] = src.Config[k]
				}
			}
		}
		if !maps.Equal(cfg, src.Config) {
			src.Config = cfg
			reset = true
			next := s.now().UTC()
			src.NextPollAt = &next
		}
	}
	if err := s.Validate(ctx, src); err != nil {
		return listen.Source{}, err
	}
	if _, err := s.store.UpdateSource(ctx, ws, src); err != nil {
		return listen.Source{}, err
	}
	if reset {
		if err := s.store.ResetSourcePoll(ctx, ws, id); err != nil {
			return listen.Source{}, err
		}
	}
	return s.store.Source(ctx, ws, id)
}

// bindingKeys name where a source's secret is sent and whose account it
// opens. Someone who may edit a source but never sees its token could
// otherwise point the source at a host of theirs and have the next poll
// send it there.
var bindingKeys = []string{KeyURL, KeyInstance, KeyService, KeyIdentifier}

func changesBinding(old, next map[string]string) bool {
	for _, k := range bindingKeys {
		if old[k] != next[k] {
			return true
		}
	}
	return false
}

// Delete removes a source. Returns apperr.NotFound.
func (s *Service) Delete(ctx context.Context, ws, id int64) error {
	return s.store.DeleteSource(ctx, ws, id)
}

// Test runs one poll of a stored source from its current cursor without
// saving anything, and returns at most limit posts.
func (s *Service) Test(ctx context.Context, ws, id int64, limit int) (PollResult, error) {
	src, err := s.store.Source(ctx, ws, id)
	if err != nil {
		return PollResult{}, err
	}
	res, err := s.poller.Poll(ctx, src)
	if err != nil {
		return PollResult{}, err
	}
	if limit > 0 && len(res.Posts) > limit {
		res.Posts = res.Posts[:limit]
	}
	return res, nil
}

// clean trims config values and drops empty ones, secrets included (an
// empty secret means "keep" on update).
func clean(in map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range in {
		if v = strings.TrimSpace(v); v != "" {
			out[strings.TrimSpace(k)] = v
		}
	}
	return out
}

// configKeys are the keys each kind takes, the required ones first.
var configKeys = map[string]struct{ required, optional []string }{
	KindRSS:            {[]string{KeyURL}, nil},
	KindMastodonTag:    {[]string{KeyInstance, KeyTag}, []string{KeyToken}},
	KindMastodonSearch: {[]string{KeyInstance, KeyQuery, KeyToken}, nil},
	KindBlueskySearch:  {[]string{KeyQuery, KeyIdentifier, KeyAppPassword}, []string{KeyService}},
	KindWeiboSearch:    {[]string{KeyQuery, KeyAccessToken, KeyPaidAPI}, nil},
	KindWebhook:        {nil, nil},
	KindImport:         {nil, nil},
	KindOwnChannel:     {nil, []string{KeyChannel}},
}

// Validate checks a source: its kind, name, poll interval and the config
// its kind needs, addresses under the fetch rules.
func (s *Service) Validate(ctx context.Context, src listen.Source) error {
	var fs apperr.Fields
	fs.Text("name", src.Name, 100, true)
	fs.OneOf("kind", src.Kind, listen.SourceKinds)
	if src.PollSeconds < MinPollSeconds || src.PollSeconds > MaxPollSeconds {
		fs.Add("poll_seconds", "error.source_poll_seconds", "Min", MinPollSeconds, "Max", MaxPollSeconds)
	}
	keys, ok := configKeys[src.Kind]
	if !ok {
		return fs.Err()
	}
	allowed := append(slices.Clone(keys.required), keys.optional...)
	var unknown []string
	for k := range src.Config {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		if len(allowed) == 0 {
			fs.Add("config."+k, "error.source_config_none")
			continue
		}
		fs.Add("config."+k, "error.source_config_key", "Allowed", strings.Join(allowed, ", "))
	}
	for _, k := range keys.required {
		if src.Config[k] == "" {
			fs.Add("config."+k, "error.required")
		}
	}
	for k, v := range src.Config {
		if len([]rune(v)) > 2000 {
			fs.Add("config."+k, "error.too_long", "Max", 2000)
		}
	}
	// secret says whether the address receives the source's token or
	// app password.
	checkURL := func(key string, secret bool) {
		v := src.Config[key]
		if v == "" {
			return
		}
		err := s.poller.Fetch().Check(ctx, v)
		if err == nil && secret {
			err = s.poller.checkSecretURL(v)
		}
		if err != nil {
			addURLError(&fs, "config."+key, err)
		}
	}
	switch src.Kind {
	case KindRSS:
		checkURL(KeyURL, false)
	case KindMastodonTag, KindMastodonSearch:
		checkURL(KeyInstance, src.Config[KeyToken] != "")
		if src.Kind == KindMastodonTag && src.Config[KeyTag] != "" && !oneTag(src.Config[KeyTag]) {
			fs.Add("config.tag", "error.source_tag")
		}
	case KindBlueskySearch:
		checkURL(KeyService, true)
	case KindWeiboSearch:
		if v := src.Config[KeyPaidAPI]; v != "" && v != "true" {
			fs.Add("config.paid_api", "error.source_weibo_disabled")
		}
	}
	return fs.Err()
}

// oneTag reports whether tag is one hashtag, with or without its # or ＃:
// a tag of # alone, or with a space (full-width ones too), a # or a slash
// in it, would ask the instance for another tag or none.
func oneTag(tag string) bool {
	t := mastodon.TagName(tag)
	return t != "" && !strings.ContainsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("#＃/?&", r) })
}

// addURLError records why an address was refused, with the fetch rule's
// key and arguments.
func addURLError(fs *apperr.Fields, field string, err error) {
	var ae *apperr.Error
	if a, ok := err.(*apperr.Error); ok {
		ae = a
	}
	if ae == nil || ae.Key == "" {
		fs.Add(field, "error.fetch_url")
		return
	}
	kv := make([]any, 0, 2*len(ae.Args))
	for k, v := range ae.Args {
		kv = append(kv, k, v)
	}
	fs.Add(field, ae.Key, kv...)
}

// Redact returns src without its secrets, and the names of the secrets
// that are set.
func Redact(src listen.Source) (listen.Source, []string) {
	cfg := map[string]string{}
	set := []string{}
	for k, v := range src.Config {
		if IsSecret(k) {
			set = append(set, k)
			continue
		}
		cfg[k] = v
	}
	sort.Strings(set)
	src.Config = cfg
	return src, set
}
