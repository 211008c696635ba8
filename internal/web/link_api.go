package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/link"
)

// linkResp is a link as the API shows it: with its short URL, the tagged
// destination the redirect sends people to, and its state.
type linkResp struct {
	link.Link
	ShortURL  string `json:"short_url"`
	TaggedURL string `json:"tagged_url"`
	State     string `json:"state" doc:"active, disabled or expired"`
}

// allowlist is a workspace's destination-domain allowlist; empty allows
// every public http/https destination.
type allowlist struct {
	Domains []string `json:"domains"`
}

// allowlistResp is the allowlist with the workspace's links that lead
// outside it: made before it, they keep redirecting. It counts them all
// and names the newest outsideListed, however many links there are.
type allowlistResp struct {
	Domains       []string      `json:"domains"`
	OutsideLinks  int           `json:"outside_links" doc:"How many of the workspace's links lead outside the list (0 with no list); they keep redirecting"`
	OutsideNewest []outsideResp `json:"outside_newest" doc:"The newest of those links, newest first, at most 20; outside_links counts them all"`
	Refused       []fieldError  `json:"refused" doc:"Entries of domains saved before such names were refused (single names, public suffixes, private network names, IP addresses), each with its index in field and why: they allow no destination, and a PUT must leave them out"`
}

// outsideResp is a link outside the allowlist, as allowlistResp names it.
type outsideResp struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	Label       string `json:"label"`
	Destination string `json:"destination"`
}

// outsideListed is how many of the links outside the allowlist the API
// names (the doc of allowlistResp.OutsideNewest says it).
const outsideListed = 20

// allowlistAnswer is the workspace's allowlist d as the API answers it.
func (s *Server) allowlistAnswer(r *http.Request, ws int64, d []string) (allowlistResp, error) {
	o, err := s.Links.OutsideAllowlist(r.Context(), ws, outsideListed)
	if err != nil {
		return allowlistResp{}, err
	}
	out := allowlistResp{Domains: d, OutsideLinks: o.Count, OutsideNewest: make([]outsideResp, len(o.Newest)), Refused: []fieldError{}}
	for i, l := range o.Newest {
		out.OutsideNewest[i] = outsideResp{ID: l.ID, Code: l.Code, Label: l.Label, Destination: l.Destination}
	}
	_, refused := link.InForce(d)
	loc := s.locale(r)
	for _, f := range fieldErrors(refused)["domains"] {
		out.Refused = append(out.Refused, fieldError{Field: f.Field, Key: f.Key, Message: s.cat.T(loc, f.Key, f.Args)})
	}
	return out, nil
}

func (s *Server) linkResp(r *http.Request, l link.Link) linkResp {
	state := "active"
	switch {
	case l.DisabledAt != nil:
		state = "disabled"
	case !l.Active(time.Now()):
		state = "expired"
	}
	return linkResp{Link: l, ShortURL: s.shortBase(r) + "/l/" + l.Code, TaggedURL: l.Tagged(), State: state}
}

// shortBase is the configured short-link address (the base URL unless
// one of its own is set), or else the address the request came to, over
// HTTPS when a trusted proxy says so.
func (s *Server) shortBase(r *http.Request) string {
	if s.ShortURL != "" {
		return strings.TrimRight(s.ShortURL, "/")
	}
	return s.publicBase(r)
}

func (s *Server) linkRoutes() {
	s.redirectRoutes()
	if s.Links == nil {
		return
	}
	base := "/workspaces/{ws}/links"
	tag := "links"
	s.handleAPI(op{Method: "GET", Path: base, Summary: "List tracked links, newest first, with click counts", Tag: tag, Resp: typeOf[list[linkResp]](),
		Query: []param{{Name: "campaign_id", Type: typeOf[int64](), Doc: "Only the links of this campaign"}, {Name: "channel", Doc: "Only the links of this channel (a platform key, e.g. weibo)"}}},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var f link.Filter
			if v := r.URL.Query().Get("campaign_id"); v != "" {
				id, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return apperr.Field("campaign_id", "error.invalid")
				}
				f.CampaignID = &id
			}
			f.Channel = r.URL.Query().Get("channel")
			links, err := s.Links.List(r.Context(), p.Workspace.ID, f)
			if err != nil {
				return err
			}
			out := make([]linkResp, len(links))
			for i, l := range links {
				out[i] = s.linkResp(r, l)
			}
			writeJSON(w, http.StatusOK, listOf(out))
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: base, Summary: "Create a tracked link", Tag: tag, Perm: account.EditContent, Req: typeOf[link.Input](), Resp: typeOf[linkResp](), Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var in link.Input
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			l, err := s.Links.Create(r.Context(), p.Workspace.ID, in)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, s.linkResp(r, l))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: base + "/allowlist", Summary: "Get the destination-domain allowlist, how many links lead outside it and the newest of them", Tag: tag, Resp: typeOf[allowlistResp]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			d, err := s.Links.AllowedDomains(r.Context(), p.Workspace.ID)
			if err != nil {
				return err
			}
			resp, err := s.allowlistAnswer(r, p.Workspace.ID, d)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, resp)
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: base + "/allowlist", Summary: "Replace the destination-domain allowlist (empty allows every domain); links outside it keep redirecting", Tag: tag, Perm: account.EditWorkspace, Req: typeOf[allowlist](), Resp: typeOf[allowlistResp]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var in allowlist
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			d, err := s.Links.SetAllowedDomains(r.Context(), p.Workspace.ID, in.Domains)
			if err != nil {
				return err
			}
			resp, err := s.allowlistAnswer(r, p.Workspace.ID, d)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, resp)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: base + "/{id}", Summary: "Get a tracked link", Tag: tag, Resp: typeOf[linkResp]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			l, err := s.pathLink(r, p)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, s.linkResp(r, l))
			return nil
		})
	s.handleAPI(op{Method: "PATCH", Path: base + "/{id}", Summary: "Change a link's destination, label, expiry or disabled state", Tag: tag, Perm: account.EditContent, Req: typeOf[link.Update](), Resp: typeOf[linkResp]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			var u link.Update
			if err := decodeJSON(r.Body, &u); err != nil {
				return err
			}
			l, err := s.Links.Update(r.Context(), p.Workspace.ID, id, u)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, s.linkResp(r, l))
			return nil
		})
	s.handleAPI(op{Method: "DELETE", Path: base + "/{id}", Summary: "Delete a link and its clicks", Tag: tag, Perm: account.EditContent, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			if err := s.Links.Delete(r.Context(), p.Workspace.ID, id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: base + "/{id}/stats", Summary: "Click figures of a link: hourly and daily series and breakdowns (default the last 30 days)", Tag: tag, Resp: typeOf[link.Stats](), Query: periodParams},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			loc := workspaceLoc(p.Workspace)
			var fs apperr.Fields
			from, to := queryPeriod(&fs, r.URL.Query(), loc, time.Now())
			if err := fs.Err(); err != nil {
				return err
			}
			st, err := s.Links.Stats(r.Context(), p.Workspace.ID, id, from, to, loc)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, st)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: base + "/{id}/qr.png", Summary: "QR code of the short URL as PNG", Tag: tag, Produces: "image/png",
		Query: []param{{Name: "size", Type: typeOf[int](), Doc: "Width and height in pixels, 64–2048; 512 when absent"}}},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			q, l, err := s.linkQR(r, p)
			if err != nil {
				return err
			}
			size := 512
			if v := r.URL.Query().Get("size"); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 64 || n > 2048 {
					return apperr.Field("size", "error.link_qr_size", "Min", 64, "Max", 2048)
				}
				size = n
			}
			png, err := q.PNG(size)
			if err != nil {
				return apperr.Wrap(err, "draw QR code")
			}
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Content-Disposition", `attachment; filename="link-`+l.Code+`.png"`)
			_, _ = w.Write(png)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: base + "/{id}/qr.svg", Summary: "QR code of the short URL as SVG", Tag: tag, Produces: "image/svg+xml"},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			q, l, err := s.linkQR(r, p)
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Header().Set("Content-Disposition", `attachment; filename="link-`+l.Code+`.svg"`)
			_, _ = w.Write([]byte(qrSVG(q.Bitmap())))
			return nil
		})
}

func (s *Server) pathLink(r *http.Request, p account.Principal) (link.Link, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return link.Link{}, apperr.NotFoundf("link")
	}
	return s.Links.Get(r.Context(), p.Workspace.ID, id)
}

func (s *Server) linkQR(r *http.Request, p account.Principal) (*qrcode.QRCode, link.Link, error) {
	l, err := s.pathLink(r, p)
	if err != nil {
		return nil, link.Link{}, err
	}
	q, err := qrcode.New(s.shortBase(r)+"/l/"+l.Code, qrcode.Medium)
	if err != nil {
		return nil, link.Link{}, apperr.Wrap(err, "make QR code")
	}
	return q, l, nil
}

// qrSVG draws a QR bitmap (quiet zone included) as one SVG path, a
// horizontal run of dark modules per segment, scaled by the viewer.
func qrSVG(bits [][]bool) string {
	n := len(bits)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}

func workspaceLoc(w account.Workspace) *time.Location {
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil || w.TimeZone == "" {
		return time.UTC
	}
	return loc
}
