package conversion

import (
	"slices"
	"time"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// Model is an attribution model: how a conversion's credit is shared
// between the tracked clicks that preceded it.
type Model string

// The models of METRICS.md; LastTouch is the default.
const (
	LastTouch  Model = "last_touch"
	FirstTouch Model = "first_touch"
	Linear     Model = "linear"
)

// Models lists the models, the default first.
var Models = []Model{LastTouch, FirstTouch, Linear}

// Window is how far back a click may be and still earn credit.
const Window = 30 * 24 * time.Hour

// ParseModel returns the model named s ("" is LastTouch). Returns
// apperr.Invalid naming the field "model" for anything else.
func ParseModel(s string) (Model, error) {
	if s == "" {
		return LastTouch, nil
	}
	if m := Model(s); slices.Contains(Models, m) {
		return m, nil
	}
	var fs apperr.Fields
	fs.Add("model", "error.one_of", "Value", clip(s, 40), "Allowed", "last_touch, first_touch, linear")
	return "", fs.Err()
}

// Touch is one tracked click that may earn credit for a conversion: the
// click id and where the click came from.
type Touch struct {
	ClickID    string    `json:"click_id"`
	LinkID     int64     `json:"link_id"`
	CampaignID *int64    `json:"campaign_id,omitempty"`
	Channel    string    `json:"channel"`
	At         time.Time `json:"at"`
}

// Share is the part of one conversion credited to one campaign and
// channel: Weight is in (0, 1], and a conversion's shares sum to 1 when it
// is attributed at all.
type Share struct {
	ClickID    string
	LinkID     int64
	CampaignID *int64
	Channel    string
	Weight     float64
}

// Attribute shares the credit of a conversion at `at` between touches
// under model m. Only touches in [at − Window, at] count, and the
// conversion's own click (own, its cid) up to at + MaxSkew: a server's
// clock may be behind the click's, as Collect allows, but a click made
// after a purchase by the same visitor or customer earns nothing for it.
// Each click counts once however many paths (visitor, customer, cid) led
// to it. Last touch
// gives everything to the latest click, first touch to the earliest,
// linear an equal part to each. No touch in the window gives no shares:
// the conversion is unattributed. Ties in time break by click id, so the
// answer never depends on the order touches arrive in.
func Attribute(m Model, at time.Time, own string, touches []Touch) []Share {
	from := at.Add(-Window)
	var in []Touch
	seen := map[string]bool{}
	for _, t := range touches {
		latest := at
		if t.ClickID == own {
			latest = at.Add(MaxSkew)
		}
		if t.At.Before(from) || t.At.After(latest) || seen[t.ClickID] {
			continue
		}
		seen[t.ClickID] = true
		in = append(in, t)
	}
	if len(in) == 0 {
		return nil
	}
	slices.SortFunc(in, func(a, b Touch) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		switch {
		case a.ClickID < b.ClickID:
			return -1
		case a.ClickID > b.ClickID:
			return 1
		}
		return 0
	})
	share := func(t Touch, w float64) Share {
		return Share{ClickID: t.ClickID, LinkID: t.LinkID, CampaignID: t.CampaignID, Channel: t.Channel, Weight: w}
	}
	switch m {
	case FirstTouch:
		return []Share{share(in[0], 1)}
	case Linear:
		out := make([]Share, len(in))
		w := 1 / float64(len(in))
		for i, t := range in {
			out[i] = share(t, w)
		}
		return out
	default:
		return []Share{share(in[len(in)-1], 1)}
	}
}
