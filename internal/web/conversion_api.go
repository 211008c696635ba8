package web

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/metric"
)

// conversionRoutes serves conversions: the public snippet and collect
// endpoint, and the workspace's API for its key, its events and its
// funnel.
func (s *Server) conversionRoutes() {
	if s.Conversions == nil {
		return
	}
	s.collectRoutes()
	tag := "conversions"
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/snippet", Summary: "The snippet to paste into landing pages, with the workspace's public key", Tag: tag, Resp: typeOf[snippetInfo]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			return s.writeSnippet(w, r, p.Workspace.ID)
		})
	s.handleAPI(op{Method: "PUT", Path: "/workspaces/{ws}/snippet", Summary: "Set whether the workspace counts only the purchases its shop's server reports", Tag: tag, Perm: account.EditWorkspace,
		Req: typeOf[snippetSettings](), Resp: typeOf[snippetInfo]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var in snippetSettings
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			if err := s.Conversions.SetServerPurchasesOnly(r.Context(), p.Workspace.ID, in.ServerPurchasesOnly); err != nil {
				return err
			}
			return s.writeSnippet(w, r, p.Workspace.ID)
		})
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/snippet/rotate", Summary: "Replace the workspace's public key; pages with the old key stop reporting", Tag: tag, Perm: account.EditWorkspace, Resp: typeOf[snippetInfo]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			if _, err := s.Conversions.RotateKey(r.Context(), p.Workspace.ID); err != nil {
				return err
			}
			return s.writeSnippet(w, r, p.Workspace.ID)
		})
	batches := newLimiter(collectBatchRate, collectBatchBurst, 10_000)
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/conversion-events", Summary: "A shop's server reports up to " + strconv.Itoa(maxCollectBatch) +
		" events at once (months of orders, say), each as POST /collect takes it, in one transaction; a batch with a bad event stores nothing. " +
		"Give each event an order_id or event_id, so that a batch sent again after an error stores nothing twice",
		Tag: tag, Perm: account.EditContent, Req: typeOf[collectBatchRequest](), Resp: typeOf[collectBatchResponse](), MaxBody: maxCollectBatch*conversion.MaxPayloadBytes + 1<<10},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			if !batches.allow(w, callerKey(p), time.Now()) {
				return apperr.New(apperr.TooMany, "error.conversion.rate_limited", nil)
			}
			var in collectBatchRequest
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			ps, err := batchPayloads(in)
			if err != nil {
				return err
			}
			res, err := s.Conversions.CollectBatch(r.Context(), serverSite(p.Workspace), conversion.SourceServer, ps)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, collectBatchResponse{Results: res})
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/conversions", Summary: "Recent conversion events, newest first", Tag: tag, Perm: account.ReadReports, Resp: typeOf[list[conversion.Conversion]](),
		Query: []param{{Name: "event", Doc: "Only this event (landing, purchase, custom:name …)"}, {Name: "campaign", Type: typeOf[int64](), Doc: "Only the events attributed to this campaign"},
			{Name: "limit", Type: typeOf[int](), Doc: "At most this many, 1–500"}, {Name: "before", Type: typeOf[int64](), Doc: "Only events with a smaller id: the next page"}}},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			f, err := listFilter(r)
			if err != nil {
				return err
			}
			items, err := s.Conversions.List(r.Context(), p.Workspace.ID, f)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(items))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/funnel", Summary: "The funnel from effective clicks to purchases; conversions and revenue, which first touch and linear share between clicks, to " + strconv.Itoa(conversion.CreditDecimals) + " decimals", Tag: tag, Perm: account.ReadReports, Resp: typeOf[funnelResponse](),
		Query: append(slices.Clone(periodParams), param{Name: "campaign", Type: typeOf[int64](), Doc: "Only this campaign"}, param{Name: "channel", Doc: "Only this channel (a platform key)"},
			param{Name: "model", Doc: "Attribution: last_touch (default), first_touch or linear"}, param{Name: "by", Doc: "Also split by campaign or by channel"})},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			f, m, by, err := funnelQuery(r, p.Workspace)
			if err != nil {
				return err
			}
			var out funnelResponse
			if out.Funnel, err = s.Conversions.Funnel(r.Context(), p.Workspace.ID, f, m); err != nil {
				return err
			}
			out.Funnel = out.Funnel.Rounded()
			out.Currency, out.DayStart = p.Workspace.Currency, metric.DayStart(out.From, p.Workspace.Location())
			if by != "" {
				out.By = by
				if out.Rows, err = s.Conversions.FunnelBy(r.Context(), p.Workspace.ID, f, m, by); err != nil {
					return err
				}
				for i := range out.Rows {
					out.Rows[i].Funnel = out.Rows[i].Funnel.Rounded()
				}
			}
			writeJSON(w, http.StatusOK, out)
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/conversions/inquiry", Summary: "Mark a conversation or a phone call as an inquiry for a campaign (needs content.edit or inbox.reply)", Tag: tag, Req: typeOf[conversion.InquiryMark](), Resp: typeOf[conversion.Result]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			if !p.Can(account.EditContent) && !p.Can(account.ReplyInbox) {
				return p.Require(account.ReplyInbox)
			}
			var in conversion.InquiryMark
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			res, err := s.Conversions.MarkInquiry(r.Context(), p.Workspace.ID, in)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, res)
			return nil
		})
}

// snippetInfo is what a landing page needs: the key and the exact tag.
type snippetInfo struct {
	Key        string `json:"key"`
	ScriptTag  string `json:"script_tag"`
	ScriptURL  string `json:"script_url"`
	CollectURL string `json:"collect_url"`
	snippetSettings
}

// snippetSettings is what a workspace sets about its public key.
type snippetSettings struct {
	ServerPurchasesOnly bool `json:"server_purchases_only" doc:"Count only the purchases the shop's server reports with an API token: a purchase sent with the public key, which any landing page shows, is refused with 403. Purchases recorded before stay counted."`
}

func (s *Server) snippetInfo(r *http.Request, site conversion.Site) snippetInfo {
	base := s.publicBase(r)
	tag := `<script src="` + html.EscapeString(base+"/t.js") + `" data-key="` + html.EscapeString(site.Key) + `" async></script>`
	return snippetInfo{Key: site.Key, ScriptTag: tag, ScriptURL: base + "/t.js", CollectURL: base + "/api/v1/collect",
		snippetSettings: snippetSettings{ServerPurchasesOnly: site.ServerPurchasesOnly}}
}

// writeSnippet answers with the workspace's snippet.
func (s *Server) writeSnippet(w http.ResponseWriter, r *http.Request, ws int64) error {
	site, err := s.Conversions.Site(r.Context(), ws)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.snippetInfo(r, site))
	return nil
}

// A batch of a shop server's events: at most maxCollectBatch, and at most
// collectBatchRate batches a second per token after a burst.
const (
	maxCollectBatch   = 500
	collectBatchRate  = 2
	collectBatchBurst = 20
)

// collectBatchRequest is a batch of events, each decoded as POST
// /collect's body is.
type collectBatchRequest struct {
	Events []json.RawMessage `json:"events"`
}

// rawFieldTypes documents the events, decoded one by one, as payloads.
func (collectBatchRequest) rawFieldTypes() map[string]reflect.Type {
	return map[string]reflect.Type{"events": typeOf[[]conversion.Payload]()}
}

type collectBatchResponse struct {
	Results []conversion.Result `json:"results" doc:"One result per event, in the batch's order"`
}

// batchPayloads parses a batch's events, naming a bad one's fields by its
// index (events[3].value).
func batchPayloads(in collectBatchRequest) ([]conversion.Payload, error) {
	var fs apperr.Fields
	switch {
	case len(in.Events) == 0:
		fs.Add("events", "error.required")
	case len(in.Events) > maxCollectBatch:
		fs.Add("events", "error.conversion.too_many_events", "Max", maxCollectBatch)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	ps := make([]conversion.Payload, len(in.Events))
	for i, raw := range in.Events {
		var err error
		if ps[i], err = conversion.ParsePayload(raw); err != nil {
			fs.Nest(fmt.Sprintf("events[%d].", i), err)
		}
	}
	return ps, fs.Err()
}

// funnelResponse is the funnel of the selection, and its breakdown when
// ?by= asks for one.
type funnelResponse struct {
	conversion.Funnel
	Currency string `json:"currency"`
	// DayStart is the local time ("00:30") from which the days of from
	// and to are measured when the workspace's time zone is not a whole
	// number of hours from UTC (metric.DayStart); empty when days run
	// midnight to midnight.
	DayStart string                 `json:"day_start,omitempty"`
	By       string                 `json:"by,omitempty" doc:"The breakdown asked for, campaign or channel; absent without by"`
	Rows     []conversion.FunnelRow `json:"rows,omitzero" doc:"The breakdown ?by= asks for, one row per campaign or channel; empty when nothing was counted, absent without by"`
}

func listFilter(r *http.Request) (conversion.ListFilter, error) {
	q := r.URL.Query()
	var f conversion.ListFilter
	var fs apperr.Fields
	if v := q.Get("event"); v != "" {
		f.Event = &v
	}
	f.CampaignID = queryID(&fs, q.Get("campaign"), "campaign")
	f.Limit = queryLimit(&fs, q.Get("limit"), 500)
	if id := queryID(&fs, q.Get("before"), "before"); id != nil {
		f.BeforeID = *id
	}
	return f, fs.Err()
}

// queryLimit reads a page size of 1 to max; 0 when absent.
func queryLimit(fs *apperr.Fields, v string, max int) int {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		fs.Add("limit", "error.range", "Min", 1, "Max", max)
		return 0
	}
	return n
}

// queryBool reads a yes-or-no parameter: 1 or true, 0 or false, or absent.
func queryBool(fs *apperr.Fields, v, field string) bool {
	switch v {
	case "1", "true":
		return true
	case "", "0", "false":
		return false
	}
	fs.Add(field, "error.one_of", "Value", v, "Allowed", "1, true, 0, false")
	return false
}

// queryID reads a positive id; nil when absent.
func queryID(fs *apperr.Fields, v, field string) *int64 {
	if v == "" {
		return nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		fs.Add(field, "error.number")
		return nil
	}
	return &id
}

// funnelQuery reads the funnel's selection. from and to are days in the
// workspace's time zone ("2026-03-01"; to is inclusive) or RFC 3339 times.
func funnelQuery(r *http.Request, ws account.Workspace) (conversion.Filter, conversion.Model, string, error) {
	q := r.URL.Query()
	var f conversion.Filter
	var fs apperr.Fields
	f.CampaignID = queryID(&fs, q.Get("campaign"), "campaign")
	f.Channel = q.Get("channel")
	f.From, f.To = queryPeriod(&fs, q, ws.Location(), time.Now())
	m, err := conversion.ParseModel(q.Get("model"))
	if err != nil {
		fs.Nest("", err)
	}
	by := q.Get("by")
	if by != "" && by != conversion.ByCampaign && by != conversion.ByChannel {
		fs.Add("by", "error.one_of", "Value", by, "Allowed", "campaign, channel")
	}
	return f, m, by, fs.Err()
}
