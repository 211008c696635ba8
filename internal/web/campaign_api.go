package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/metric"
	"github.com/chorus-hq/chorus/internal/report"
)

// xlsxType is the media type of an XLSX workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// campaignChange is a service call that changes one campaign and returns
// it.
type campaignChange func(ctx context.Context, ws, id int64) (campaign.Campaign, error)

// campaignAPI serves step 3 under /api/v1/workspaces/{ws}/campaigns: every
// member reads, strategists and above write.
func (s *Server) campaignAPI() {
	if s.Campaigns == nil {
		return
	}
	const base = "/workspaces/{ws}/campaigns"
	const one = base + "/{id}"
	const tag = "campaigns"
	c := s.Campaigns
	campaignType := typeOf[campaign.Campaign]()

	s.handleAPI(op{Method: "GET", Path: base, Summary: "List campaigns, the newest start first", Tag: tag, Resp: typeOf[list[campaign.Campaign]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			cs, err := c.List(r.Context(), p.Workspace.ID)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(cs))
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: base, Summary: "Create a campaign", Tag: tag, Perm: account.EditStrategy, Req: campaignType, Resp: campaignType, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var v campaign.Campaign
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			out, err := c.Create(r.Context(), p.Workspace.ID, v)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, out)
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: base + "/from-template", Summary: "Create a campaign from the template of its objective", Tag: tag, Perm: account.EditStrategy, Req: typeOf[campaign.TemplateRequest](), Resp: campaignType, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var v campaign.TemplateRequest
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			v.PhaseName = s.lang(r).templatePhase
			out, err := c.FromTemplate(r.Context(), p.Workspace.ID, v)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, out)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: one, Summary: "Get a campaign", Tag: tag, Resp: campaignType},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			out, err := c.Get(r.Context(), p.Workspace.ID, id)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, out)
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: one, Summary: "Replace a campaign's own fields; phases, targets, mix, budget lines and hours are kept", Tag: tag, Perm: account.EditStrategy, Req: campaignType, Resp: campaignType},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var v campaign.Campaign
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			return s.campaignWrite(w, r, p, func(ctx context.Context, ws, id int64) (campaign.Campaign, error) {
				return c.Update(ctx, ws, id, v)
			})
		})
	s.handleAPI(op{Method: "DELETE", Path: one, Summary: "Delete a campaign", Tag: tag, Perm: account.EditStrategy, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			if err := c.Delete(r.Context(), p.Workspace.ID, id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: one + "/plan", Summary: "Get a campaign's plan: fit, budget sums, hours, KPI tree and warnings; the KPI tree's actuals (revenue, ROI …) only with reports.read", Tag: tag, Resp: typeOf[campaign.Plan](),
		Query: []param{modelParam}},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			plan, err := s.plan(r, p, id)
			if err != nil {
				return err
			}
			roundActuals(plan.KPI)
			writeJSON(w, http.StatusOK, plan)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: one + "/plan.xlsx", Summary: "Download a campaign's plan as an XLSX workbook; its actuals only with reports.read", Tag: tag, Query: []param{modelParam}, Produces: xlsxType},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			return s.campaignXLSX(w, r, p, id)
		})

	campaignChildAPI(s, one+"/phases", "{phase}", "phase", c.AddPhase, c.UpdatePhase, c.DeletePhase)
	campaignChildAPI(s, one+"/targets", "{target}", "KPI target", c.AddTarget, c.UpdateTarget, c.DeleteTarget)
	campaignChildAPI(s, one+"/budget-lines", "{line}", "budget line", c.AddBudgetLine, c.UpdateBudgetLine, c.DeleteBudgetLine)
	campaignSetAPI(s, one+"/mix", "Replace a campaign's platform mix (shares sum to 100)", c.SetMix)
	campaignSetAPI(s, one+"/hours", "Replace a campaign's hours plan", c.SetHours)
}

// campaignWrite runs a change on the campaign named by {id} and answers
// with the campaign.
func (s *Server) campaignWrite(w http.ResponseWriter, r *http.Request, p account.Principal, change campaignChange) error {
	id, _ := pathID(r, "id")
	out, err := change(r.Context(), p.Workspace.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// campaignChildAPI serves POST on a collection of a campaign's children
// and PUT and DELETE on one child; each answers with the whole campaign,
// since a change to one child can reorder or untie others.
func campaignChildAPI[T any](s *Server, path, param, what string,
	add func(ctx context.Context, ws, id int64, v T) (campaign.Campaign, error),
	update func(ctx context.Context, ws, id, childID int64, v T, shown string) (campaign.Campaign, error),
	del func(ctx context.Context, ws, id, childID int64) (campaign.Campaign, error),
) {
	const tag = "campaigns"
	name := param[1 : len(param)-1]
	campaignType := typeOf[campaign.Campaign]()
	// The campaign names a child's errors by its place in the campaign
	// ("phases[4].start"); the body is the child alone ("start").
	place := regexp.MustCompile(`^` + collectionOf(path) + `\[\d+\]\.?`)
	s.handleAPI(op{Method: "POST", Path: path, Summary: "Add a " + what + " to a campaign", Tag: tag, Perm: account.EditStrategy, Req: typeOf[T](), Resp: campaignType, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var v T
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			id, _ := pathID(r, "id")
			out, err := add(r.Context(), p.Workspace.ID, id, v)
			if err != nil {
				return reroot(err, place)
			}
			writeJSON(w, http.StatusCreated, out)
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: path + "/" + param, Summary: "Replace a " + what + " of a campaign", Tag: tag, Perm: account.EditStrategy, Req: typeOf[T](), Resp: campaignType},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var v T
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			child, _ := pathID(r, name)
			return reroot(s.campaignWrite(w, r, p, func(ctx context.Context, ws, id int64) (campaign.Campaign, error) {
				return update(ctx, ws, id, child, v, "") // the API replaces a child whole
			}), place)
		})
	s.handleAPI(op{Method: "DELETE", Path: path + "/" + param, Summary: "Delete a " + what + " of a campaign", Tag: tag, Perm: account.EditStrategy, Resp: campaignType},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			child, _ := pathID(r, name)
			return s.campaignWrite(w, r, p, func(ctx context.Context, ws, id int64) (campaign.Campaign, error) {
				return del(ctx, ws, id, child)
			})
		})
}

// collectionOf names a campaign's collection as error paths do, from the
// collection's API path (".../budget-lines" → "budget_lines").
func collectionOf(path string) string {
	return strings.ReplaceAll(path[strings.LastIndex(path, "/")+1:], "-", "_")
}

// reroot names err's fields from the request body instead of the campaign:
// the part place matches goes; a field left empty is the body.
func reroot(err error, place *regexp.Regexp) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	out := *ae
	out.Fields = slices.Clone(ae.Fields)
	for i := range out.Fields {
		if f := place.ReplaceAllString(out.Fields[i].Field, ""); f != out.Fields[i].Field {
			if f == "" {
				f = "body"
			}
			out.Fields[i].Field = f
		}
	}
	return &out
}

// campaignSetAPI serves PUT of a whole list (mix, hours) as a JSON array.
func campaignSetAPI[T any](s *Server, path, summary string, set func(ctx context.Context, ws, id int64, v []T, shown string) (campaign.Campaign, error)) {
	place := regexp.MustCompile(`^` + collectionOf(path))
	s.handleAPI(op{Method: "PUT", Path: path, Summary: summary, Tag: "campaigns", Perm: account.EditStrategy, Req: typeOf[[]T](), Resp: typeOf[campaign.Campaign]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var v []T
			if err := decodeJSON(r.Body, &v); err != nil {
				return err
			}
			if v == nil {
				v = []T{}
			}
			return reroot(s.campaignWrite(w, r, p, func(ctx context.Context, ws, id int64) (campaign.Campaign, error) {
				return set(ctx, ws, id, v, "")
			}), place)
		})
}

// modelParam chooses the attribution model of a plan's conversion
// figures, as the funnel's does.
var modelParam = param{Name: "model", Doc: "Attribution of conversions, revenue and the ROI figures: last_touch (default), first_touch or linear"}

// plan returns campaign id's plan with its conversions credited by the
// request's model. Returns apperr.Invalid naming "model" for a model that
// is not one.
func (s *Server) plan(r *http.Request, p account.Principal, id int64) (campaign.Plan, error) {
	model, err := conversion.ParseModel(r.URL.Query().Get("model"))
	if err != nil {
		return campaign.Plan{}, err
	}
	return s.campaignPlan(r.Context(), p, id, model)
}

// campaignPlan is campaign id's plan as p may read it. Its actuals are
// report figures (revenue, ROI), which need reports.read as the funnel
// does, so a member without it (an agent) gets the plan unmeasured.
func (s *Server) campaignPlan(ctx context.Context, p account.Principal, id int64, model conversion.Model) (campaign.Plan, error) {
	svc := s.Campaigns
	if !p.Can(account.ReadReports) {
		unmeasured := *svc
		unmeasured.Measurer = nil
		svc = &unmeasured
	}
	return svc.Plan(ctx, p.Workspace.ID, id, p.Workspace.Location(), string(model), p.Workspace.Currency)
}

// roundActuals rounds the actuals of count and money targets (leads,
// purchases, revenue …), which first touch and linear make sums of
// shares, as the funnel's API does (conversion.RoundCredit). Pace and
// forecast were computed from the exact sums.
func roundActuals(nodes []campaign.KPINode) {
	for i := range nodes {
		n := &nodes[i]
		if u := unitOf(n.Target); n.Actual != nil && (u == metric.Count || u == metric.Money) {
			v := conversion.RoundCredit(*n.Actual)
			n.Actual = &v
		}
		roundActuals(n.Children)
	}
}

// campaignXLSX writes the plan workbook, with names in the request's
// language and conversions credited by its model; the whole file is built
// before the first byte is sent, so an error still gets a proper error
// response.
func (s *Server) campaignXLSX(w http.ResponseWriter, r *http.Request, p account.Principal, id int64) error {
	plan, err := s.plan(r, p, id)
	if err != nil {
		return err
	}
	loc := s.locale(r)
	names, err := s.campaignNames(r.Context(), p.Workspace.ID, loc)
	if err != nil {
		return err
	}
	names.Currency, names.Location = p.Workspace.Currency, p.Workspace.Location()
	var buf bytes.Buffer
	if err := report.CampaignPlanXLSX(&buf, plan, names); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", `attachment; filename="campaign-`+plan.Campaign.Slug+`.xlsx"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// campaignNames collects the display names an export shows for a
// workspace: platforms in the locale, step-1 items by name, and warnings
// translated.
func (s *Server) campaignNames(ctx context.Context, ws int64, locale string) (report.Names, error) {
	n := report.Names{
		Platforms: map[string]string{}, Personas: map[int64]string{}, Products: map[int64]string{},
		Members: map[int64]string{}, Resources: map[int64]string{},
		Message: func(key string, args map[string]any) string { return s.cat.T(locale, key, args) },
	}
	entries, err := s.Platforms.List(ctx, ws)
	if err != nil {
		return n, err
	}
	for _, e := range entries {
		n.Platforms[e.Key] = e.Name.In(locale)
	}
	n.Metrics = map[string]string{}
	for _, k := range metric.Keys() {
		if s.cat.Has("metric." + k) {
			n.Metrics[k] = s.cat.T(locale, "metric."+k, nil)
		}
	}
	personas, err := s.Brand.Personas.List(ctx, ws)
	if err != nil {
		return n, err
	}
	for _, v := range personas {
		n.Personas[v.ID] = v.Name
	}
	products, err := s.Brand.Products.List(ctx, ws)
	if err != nil {
		return n, err
	}
	for _, v := range products {
		n.Products[v.ID] = v.Name
	}
	team, err := s.Brand.Team.List(ctx, ws)
	if err != nil {
		return n, err
	}
	for _, v := range team {
		n.Members[v.ID] = v.Name
	}
	amps, err := s.Brand.Amplifiers.List(ctx, ws)
	if err != nil {
		return n, err
	}
	for _, v := range amps {
		n.Resources[v.ID] = v.Name
	}
	return n, nil
}
