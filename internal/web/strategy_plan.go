package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/metric"
)

// ---------- phases, targets and budget lines ----------

// campaignChild is one collection inside a campaign that has its own add,
// edit and delete pages.
type campaignChild[T any] struct {
	Path   string // URL segment: "phases"
	Kind   string // form kind and catalog prefix: "phase"
	Coll   string // collection in error paths: "phases"
	Anchor string // section of the campaign page to return to
	Fields func(x strategyRefs, c campaign.Campaign, l lang) []sfield
	Find   func(c campaign.Campaign, id int64) (T, bool)
	New    func(c campaign.Campaign, day campaign.Date) T
	// Add, Update and Delete are methods of the service, so that a form
	// can also check an item through a dry run (saveOrCheck).
	Add func(svc *campaign.Service, ctx context.Context, ws, id int64, v T) (campaign.Campaign, error)
	// Update replaces an item the form showed as shown (campaign.Digest).
	Update func(svc *campaign.Service, ctx context.Context, ws, id, itemID int64, v T, shown string) (campaign.Campaign, error)
	Delete func(svc *campaign.Service, ctx context.Context, ws, id, itemID int64) (campaign.Campaign, error)
}

// phaseTargets counts the KPI targets of phase id.
func phaseTargets(c campaign.Campaign, id int64) int {
	n := 0
	for _, t := range c.Targets {
		if t.PhaseID == id {
			n++
		}
	}
	return n
}

func registerCampaignChild[T any](s *Server, k campaignChild[T]) {
	base := "/w/{ws}/strategy/campaigns/{id}/" + k.Path
	// shown is the Digest of the item as the form shows it, which its save
	// sends back.
	form := func(w http.ResponseWriter, r *http.Request, p account.Principal, status int, c campaign.Campaign, itemID int64, shown string, values func([]sfield) map[string]any, err error) error {
		x, xerr := s.strategyRefs(r, p)
		if xerr != nil {
			return xerr
		}
		l := s.lang(r)
		fields := k.Fields(x, c, l)
		f := newStrategyForm(l, k.Kind, k.Kind, k.Coll, fields, values(fields), err)
		data := map[string]any{"Section": "strategy", "C": c, "Form": f, "Back": campaignURL(p, c.ID) + "#" + k.Anchor,
			"Action": campaignURL(p, c.ID) + "/" + k.Path}
		if itemID == 0 {
			data["Title"] = l.T("strategy.form." + k.Kind + ".new")
		} else {
			data["Title"] = l.T("strategy.form." + k.Kind + ".edit")
			data["Shown"] = shown
			data["Action"] = fmt.Sprintf("%s/%s/%d", campaignURL(p, c.ID), k.Path, itemID)
			data["Delete"] = fmt.Sprintf("%s/%s/%d/delete", campaignURL(p, c.ID), k.Path, itemID)
			data["DeleteConfirm"] = l.T("action.confirm_delete")
			// A phase takes its KPI targets with it: say how many.
			if n := phaseTargets(c, itemID); k.Kind == "phase" && n > 0 {
				data["DeleteConfirm"] = l.T("strategy.confirm_delete_phase", "Count", n)
			}
		}
		s.render(w, r, status, "strategy_form", data)
		return nil
	}
	load := func(r *http.Request, p account.Principal) (campaign.Campaign, int64, error) {
		c, err := s.Campaigns.Get(r.Context(), p.Workspace.ID, campaignID(r))
		if err != nil {
			return c, 0, err
		}
		if r.PathValue("item") == "" {
			return c, 0, nil
		}
		itemID, _ := pathID(r, "item")
		if _, ok := k.Find(c, itemID); !ok {
			return c, 0, apperr.New(apperr.NotFound, "error.campaign.child_not_found", map[string]any{"Kind": k.Kind})
		}
		return c, itemID, nil
	}
	show := func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		c, itemID, err := load(r, p)
		if err != nil {
			return err
		}
		v, ok := k.Find(c, itemID)
		if !ok {
			v = k.New(c, today(p))
		}
		return form(w, r, p, http.StatusOK, c, itemID, campaign.Digest(v), func(fs []sfield) map[string]any { return strategyValues(fs, v) }, nil)
	}
	save := func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		c, itemID, err := load(r, p)
		if err != nil {
			return err
		}
		x, err := s.strategyRefs(r, p)
		if err != nil {
			return err
		}
		fields := k.Fields(x, c, s.lang(r))
		var v T
		body, formErr := strategyJSON(fields, r.PostForm)
		err = decodeBytes(body, &v)
		shown := r.PostFormValue("shown")
		if err == nil {
			err = s.saveOrCheck(k.Coll, formErr, func(svc *campaign.Service) (err error) {
				if itemID == 0 {
					_, err = k.Add(svc, r.Context(), p.Workspace.ID, c.ID, v)
				} else {
					_, err = k.Update(svc, r.Context(), p.Workspace.ID, c.ID, itemID, v, shown)
				}
				return err
			})
		}
		if apperr.Is(err, apperr.Conflict) {
			// Changed by someone else since the form showed it: the form
			// again, over the item as it is now, so that saving again
			// replaces it knowingly.
			now, _, lerr := load(r, p)
			if lerr != nil {
				return lerr
			}
			cur, _ := k.Find(now, itemID)
			c, shown = now, campaign.Digest(cur)
		}
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			return form(w, r, p, status(err), c, itemID, shown, func(fs []sfield) map[string]any {
				return rawFormValues(baseFields(fs), r.PostForm)
			}, err)
		}
		if err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.saved")
		redirect(w, r, campaignURL(p, c.ID)+"#"+k.Anchor)
		return nil
	}
	s.mux.Handle("GET "+base+"/new", s.page(account.EditStrategy, show))
	s.mux.Handle("POST "+base, s.page(account.EditStrategy, save))
	s.mux.Handle("GET "+base+"/{item}", s.page("", show))
	s.mux.Handle("POST "+base+"/{item}", s.page(account.EditStrategy, save))
	s.mux.Handle("POST "+base+"/{item}/delete", s.page(account.EditStrategy, func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
		c, itemID, err := load(r, p)
		if err != nil {
			return err
		}
		if _, err := k.Delete(s.Campaigns, r.Context(), p.Workspace.ID, c.ID, itemID); err != nil {
			return err
		}
		s.flash(w, r, "ok", "flash.deleted")
		redirect(w, r, campaignURL(p, c.ID)+"#"+k.Anchor)
		return nil
	}))
}

func (s *Server) phaseChild() campaignChild[campaign.Phase] {
	return campaignChild[campaign.Phase]{
		Path: "phases", Kind: "phase", Coll: "phases", Anchor: "phases",
		Fields: func(x strategyRefs, c campaign.Campaign, l lang) []sfield {
			name := sf("name", "text")
			name.Required = true
			obj := sf("objective", "select")
			obj.Options, obj.OptionPrefix = campaign.Objectives, "objective."
			return []sfield{name, obj, sf("start", "date"), sf("end", "date")}
		},
		Find: func(c campaign.Campaign, id int64) (campaign.Phase, bool) {
			i := slices.IndexFunc(c.Phases, func(p campaign.Phase) bool { return p.ID == id })
			if i < 0 {
				return campaign.Phase{}, false
			}
			return c.Phases[i], true
		},
		New: func(c campaign.Campaign, day campaign.Date) campaign.Phase {
			start := c.Start
			if n := len(c.Phases); n > 0 {
				start = c.Phases[n-1].End.AddDays(1)
			}
			return campaign.Phase{Objective: c.Objective, Start: start, End: c.End}
		},
		Add:    (*campaign.Service).AddPhase,
		Update: (*campaign.Service).UpdatePhase,
		Delete: (*campaign.Service).DeletePhase,
	}
}

func (s *Server) targetChild() campaignChild[campaign.Target] {
	return campaignChild[campaign.Target]{
		Path: "targets", Kind: "target", Coll: "targets", Anchor: "kpi",
		Fields: func(x strategyRefs, c campaign.Campaign, l lang) []sfield {
			m := sf("metric", "select")
			m.Required = true
			for _, d := range metric.Defs {
				m.Choices = append(m.Choices, choice{Value: d.Key, Label: l.T("tier."+string(d.Tier)) + " · " + l.Or("metric."+d.Key, d.Key)})
			}
			phase := sf("phase_id", "select")
			phase.Int, phase.Choices = true, phaseChoices(c, l.T("strategy.scope.whole_campaign"))
			pl := sf("platform", "select")
			pl.Choices = x.platformChoices(l.T("strategy.scope.all_platforms"))
			dir := sf("direction", "select")
			dir.Options, dir.OptionPrefix = []string{campaign.AtLeast, campaign.AtMost}, "direction."
			value := sf("value", "number")
			value.Percent = true
			base := sf("baseline", "number")
			base.Percent, base.Optional = true, true
			return []sfield{m, phase, pl, dir, value, base}
		},
		Find: func(c campaign.Campaign, id int64) (campaign.Target, bool) {
			i := slices.IndexFunc(c.Targets, func(t campaign.Target) bool { return t.ID == id })
			if i < 0 {
				return campaign.Target{}, false
			}
			return c.Targets[i], true
		},
		New: func(c campaign.Campaign, day campaign.Date) campaign.Target {
			return campaign.Target{Metric: "effective_clicks", Direction: campaign.AtLeast}
		},
		Add:    (*campaign.Service).AddTarget,
		Update: (*campaign.Service).UpdateTarget,
		Delete: (*campaign.Service).DeleteTarget,
	}
}

func (s *Server) budgetLineChild() campaignChild[campaign.BudgetLine] {
	return campaignChild[campaign.BudgetLine]{
		Path: "budget-lines", Kind: "budget_line", Coll: "budget_lines", Anchor: "budget",
		Fields: func(x strategyRefs, c campaign.Campaign, l lang) []sfield {
			kind := sf("kind", "select")
			kind.Options, kind.OptionPrefix = campaign.BudgetKinds, "budget_kind."
			pl := sf("platform", "select")
			pl.Choices = x.platformChoices("—")
			phase := sf("phase_id", "select")
			phase.Int, phase.Choices = true, phaseChoices(c, "—")
			res := sf("resource_id", "select")
			res.Int = true
			res.Choices = append([]choice{{Value: "", Label: "—"}}, choicesOf(x.Amplifiers, amplifierID, amplifierName)...)
			return []sfield{kind, sf("description", "text"), pl, phase, res,
				sf("planned", "number"), sf("committed", "number"), sf("spent", "number")}
		},
		Find: func(c campaign.Campaign, id int64) (campaign.BudgetLine, bool) {
			i := slices.IndexFunc(c.BudgetLines, func(b campaign.BudgetLine) bool { return b.ID == id })
			if i < 0 {
				return campaign.BudgetLine{}, false
			}
			return c.BudgetLines[i], true
		},
		New: func(c campaign.Campaign, day campaign.Date) campaign.BudgetLine {
			return campaign.BudgetLine{Kind: campaign.BudgetKinds[0]}
		},
		Add:    (*campaign.Service).AddBudgetLine,
		Update: (*campaign.Service).UpdateBudgetLine,
		Delete: (*campaign.Service).DeleteBudgetLine,
	}
}

// ---------- platform mix ----------

// mixFormRow is one catalog platform in the mix editor.
type mixFormRow struct {
	Key, Name                string
	Include                  bool
	Role, BudgetShare        string
	HoursShare, PostsPerWeek string
	Fit                      float64
	HasFit, LowFit           bool
	Errors                   map[string][]apperr.FieldError
}

var mixNumbers = []string{"budget_share", "hours_share", "posts_per_week"}

// mixForm renders the mix editor. form holds what was posted when it comes
// back with errors (err).
func (s *Server) mixForm(w http.ResponseWriter, r *http.Request, p account.Principal, status int, form url.Values, err error) error {
	plan, x, perr := s.planAndRefs(r, p)
	if perr != nil {
		return perr
	}
	l := s.lang(r)
	c := plan.Campaign
	rows := make([]mixFormRow, len(x.Platforms))
	for i, e := range x.Platforms {
		row := mixFormRow{Key: e.Key, Name: e.Name.In(x.loc), Errors: map[string][]apperr.FieldError{}}
		row.Fit, row.HasFit = plan.Fit[e.Key]
		if form != nil {
			row.Include = slices.Contains(form["include"], e.Key)
			row.Role = form.Get("role." + e.Key)
			row.BudgetShare, row.HoursShare, row.PostsPerWeek = form.Get("budget_share."+e.Key), form.Get("hours_share."+e.Key), form.Get("posts_per_week."+e.Key)
		} else if j := slices.IndexFunc(c.Mix, func(m campaign.MixEntry) bool { return m.Platform == e.Key }); j >= 0 {
			m := c.Mix[j]
			row.Include, row.Role = true, m.Role
			row.BudgetShare, row.HoursShare, row.PostsPerWeek = number(m.BudgetShare, 2), number(m.HoursShare, 2), number(m.PostsPerWeek, 1)
		}
		bs, _ := parseNumber(row.BudgetShare, false)
		hs, _ := parseNumber(row.HoursShare, false)
		row.LowFit = row.Include && row.HasFit && row.Fit < campaign.LowFit && (bs >= campaign.HighShare || hs >= campaign.HighShare)
		rows[i] = row
	}
	var other []string
	var ae *apperr.Error
	if err != nil && errors.As(err, &ae) {
		order := mixOrder(x, form)
		for _, fe := range ae.Fields {
			if m := indexedPath.FindStringSubmatch(fe.Field); m != nil && m[1] == "mix" && m[3] != "" {
				if n, _ := strconv.Atoi(m[2]); n < len(order) {
					if i := slices.IndexFunc(rows, func(r mixFormRow) bool { return r.Key == order[n] }); i >= 0 {
						rows[i].Errors[m[3]] = append(rows[i].Errors[m[3]], fe)
						continue
					}
				}
			}
			if fe.Field == "mix" {
				other = append(other, s.cat.T(l.loc, fe.Key, fe.Args))
				continue
			}
			other = append(other, l.errLabel("mix", fe.Field)+": "+s.cat.T(l.loc, fe.Key, fe.Args))
		}
		if len(ae.Fields) == 0 {
			other = append(other, s.cat.T(l.loc, ae.Key, ae.Args))
		}
	}
	// The best fits first: the order in which to consider them.
	slices.SortStableFunc(rows, func(a, b mixFormRow) int {
		if a.Include != b.Include {
			if a.Include {
				return -1
			}
			return 1
		}
		switch {
		case a.Fit > b.Fit:
			return -1
		case a.Fit < b.Fit:
			return 1
		}
		return 0
	})
	s.render(w, r, status, "strategy_mix", map[string]any{
		"Section": "strategy", "C": c, "Rows": rows, "Other": other, "Shown": shownPart(r, c.Mix, err),
		"Action": campaignURL(p, c.ID) + "/mix", "Back": campaignURL(p, c.ID) + "#mix",
	})
	return nil
}

// shownPart is the Digest of the part of a plan an editor shows, which its
// save sends back: the part as it is now, or after an invalid save still
// the one the editor first showed.
func shownPart(r *http.Request, part any, err error) string {
	if apperr.Is(err, apperr.Invalid) {
		return r.PostFormValue("shown")
	}
	return campaign.Digest(part)
}

// mixOrder is the platforms a posted mix includes, in catalog order: the
// order of the entries sent to the service.
func mixOrder(x strategyRefs, form url.Values) []string {
	var out []string
	for _, e := range x.Platforms {
		if slices.Contains(form["include"], e.Key) {
			out = append(out, e.Key)
		}
	}
	return out
}

// mixSums are the errors of the mix's sums, by the column they add up.
var mixSums = map[string]string{"budget_share": "error.campaign.mix_budget_sum", "hours_share": "error.campaign.mix_hours_sum"}

func (s *Server) mixSave(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	x, err := s.strategyRefs(r, p)
	if err != nil {
		return err
	}
	form := r.PostForm
	var fs apperr.Fields
	// refused are the sums over a share that did not parse: what the
	// check says of them is not the mistake.
	refused := map[string]bool{}
	mix := []campaign.MixEntry{}
	for i, key := range mixOrder(x, form) {
		e := campaign.MixEntry{Platform: key, Role: strings.TrimSpace(form.Get("role." + key))}
		for _, n := range mixNumbers {
			raw := form.Get(n + "." + key)
			if n != "posts_per_week" { // shares in percent: "60%" is 60
				raw = strings.TrimSuffix(strings.TrimSpace(raw), "%")
			}
			v, ok := parseNumber(raw, false)
			if !ok {
				fs.Add(fmt.Sprintf("mix[%d].%s", i, n), "error.number")
				refused[mixSums[n]] = true
			}
			switch n {
			case "budget_share":
				e.BudgetShare = v
			case "hours_share":
				e.HoursShare = v
			default:
				e.PostsPerWeek = v
			}
		}
		mix = append(mix, e)
	}
	return s.savePlanPart(w, r, p, fs, "mix", s.mixForm, func(svc *campaign.Service) error {
		_, err := svc.SetMix(r.Context(), p.Workspace.ID, campaignID(r), mix, r.PostFormValue("shown"))
		var ae *apperr.Error
		if len(refused) == 0 || !errors.As(err, &ae) {
			return err
		}
		out := *ae
		out.Fields = slices.DeleteFunc(slices.Clone(ae.Fields), func(fe apperr.FieldError) bool { return fe.Field == "mix" && refused[fe.Key] })
		return &out
	})
}

// savePlanPart ends the save of a part of a plan that is replaced as a
// whole: save stores it, or, when some of the form's values did not parse
// (fs), checks the rest without storing it (saveOrCheck); then back to
// the part on the campaign page, or the form again with the errors.
func (s *Server) savePlanPart(w http.ResponseWriter, r *http.Request, p account.Principal, fs apperr.Fields, part string,
	form func(w http.ResponseWriter, r *http.Request, p account.Principal, status int, form url.Values, err error) error,
	save func(svc *campaign.Service) error) error {
	err := s.saveOrCheck("", fs.Err(), save)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		return form(w, r, p, status(err), r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "ok", "flash.saved")
	redirect(w, r, campaignURL(p, campaignID(r))+"#"+part)
	return nil
}

// ---------- hours ----------

// hoursFormRow is one team member in the hours editor.
type hoursFormRow struct {
	ID       int64
	Name     string
	Role     string
	Hours    string
	Capacity float64
	Other    float64
	Errors   []apperr.FieldError
}

func (s *Server) hoursForm(w http.ResponseWriter, r *http.Request, p account.Principal, status int, form url.Values, err error) error {
	plan, x, perr := s.planAndRefs(r, p)
	if perr != nil {
		return perr
	}
	l := s.lang(r)
	c := plan.Campaign
	rows := make([]hoursFormRow, len(x.Team))
	for i, m := range x.Team {
		row := hoursFormRow{ID: m.ID, Name: m.Name, Role: m.Role, Capacity: m.WeeklyHours, Other: plan.OtherHours[m.ID]}
		if form != nil {
			row.Hours = form.Get(fmt.Sprintf("hours.%d", m.ID))
		} else if j := slices.IndexFunc(c.Hours, func(h campaign.HoursLine) bool { return h.MemberID == m.ID }); j >= 0 {
			row.Hours = number(c.Hours[j].HoursPerWeek, 1)
		}
		rows[i] = row
	}
	var other []string
	var ae *apperr.Error
	if err != nil && errors.As(err, &ae) {
		order := hoursOrder(x, form)
		for _, fe := range ae.Fields {
			var id int64 = -1
			if m := indexedPath.FindStringSubmatch(fe.Field); m != nil && m[1] == "hours" {
				if n, _ := strconv.Atoi(m[2]); n < len(order) {
					id = order[n]
				}
			} else if v, ok := strings.CutPrefix(fe.Field, "hours."); ok {
				id, _ = strconv.ParseInt(v, 10, 64)
			}
			if i := slices.IndexFunc(rows, func(r hoursFormRow) bool { return r.ID == id }); i >= 0 {
				rows[i].Errors = append(rows[i].Errors, fe)
				continue
			}
			other = append(other, l.errLabel("hours", fe.Field)+": "+s.cat.T(l.loc, fe.Key, fe.Args))
		}
		if len(ae.Fields) == 0 {
			other = append(other, s.cat.T(l.loc, ae.Key, ae.Args))
		}
	}
	s.render(w, r, status, "strategy_hours", map[string]any{
		"Section": "strategy", "C": c, "Rows": rows, "Other": other, "Shown": shownPart(r, c.Hours, err),
		"Action": campaignURL(p, c.ID) + "/hours", "Back": campaignURL(p, c.ID) + "#hours",
	})
	return nil
}

// hoursOrder is the members a posted hours plan names, in team order: the
// order of the lines sent to the service.
func hoursOrder(x strategyRefs, form url.Values) []int64 {
	var out []int64
	for _, m := range x.Team {
		if v := strings.TrimSpace(form.Get(fmt.Sprintf("hours.%d", m.ID))); v != "" {
			if n, ok := parseNumber(v, false); !ok || n != 0 {
				out = append(out, m.ID)
			}
		}
	}
	return out
}

func (s *Server) hoursSave(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	x, err := s.strategyRefs(r, p)
	if err != nil {
		return err
	}
	var fs apperr.Fields
	hours := []campaign.HoursLine{}
	for _, id := range hoursOrder(x, r.PostForm) {
		name := fmt.Sprintf("hours.%d", id)
		// A line that does not parse stays, at 0, so that the lines the
		// check names are those of hoursOrder.
		v, ok := parseNumber(r.PostForm.Get(name), false)
		if !ok {
			fs.Add(name, "error.number")
		}
		hours = append(hours, campaign.HoursLine{MemberID: id, HoursPerWeek: v})
	}
	return s.savePlanPart(w, r, p, fs, "hours", s.hoursForm, func(svc *campaign.Service) error {
		_, err := svc.SetHours(r.Context(), p.Workspace.ID, campaignID(r), hours, r.PostFormValue("shown"))
		return err
	})
}

// ---------- export ----------

// campaignPlanXLSX serves the plan as the workbook the API serves, for the
// download link on the campaign page.
func (s *Server) campaignPlanXLSX(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	return s.campaignXLSX(w, r, p, campaignID(r))
}
