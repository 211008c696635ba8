package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/query"
)

// Bounds of the listening API's pushes.
const (
	maxWebhookPosts = 500
	maxWebhookBody  = 4 << 20
	maxImportBody   = listen.MaxImportBytes + 1<<20
	// webhookRate is how many webhook batches one token (or user) may
	// push per minute: all at once, then refilled steadily.
	webhookRate = 120
)

// topicInput is a topic as the API creates or replaces it.
type topicInput struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Query        string `json:"query"`
	CompetitorID int64  `json:"competitor_id,omitempty"`
	Enabled      *bool  `json:"enabled,omitempty"`
}

func (in topicInput) topic() listen.Topic {
	t := listen.Topic{Name: in.Name, Kind: in.Kind, Query: in.Query, CompetitorID: in.CompetitorID, Enabled: true}
	if in.Enabled != nil {
		t.Enabled = *in.Enabled
	}
	return t
}

// tryRequest is a draft query for the try-it box.
type tryRequest struct {
	Query string `json:"query"`
}

// sentimentRequest is a person's correction of a mention's sentiment.
type sentimentRequest struct {
	Label string `json:"label"`
}

// webhookRequest is a batch of posts pushed by another system.
type webhookRequest struct {
	Mentions []json.RawMessage `json:"mentions"`
}

// rawFieldTypes documents the posts, decoded one by one, as webhookPost.
func (webhookRequest) rawFieldTypes() map[string]reflect.Type {
	return map[string]reflect.Type{"mentions": typeOf[[]webhookPost]()}
}

// webhookPost is one pushed post: published_at may be an RFC 3339 or
// Chinese-format date string, or unix seconds.
type webhookPost struct {
	SourceID        int64           `json:"source_id,omitempty"`
	SourceKind      string          `json:"source_kind" doc:"The post's source kind (webhook when empty); a platform's name is read as its kind (小红书 is xiaohongshu)"`
	ExternalID      string          `json:"external_id"`
	URL             string          `json:"url"`
	Author          string          `json:"author"`
	AuthorFollowers int64           `json:"author_followers"`
	Text            string          `json:"text"`
	Lang            string          `json:"lang,omitempty"`
	Likes           int64           `json:"likes"`
	Reposts         int64           `json:"reposts"`
	Comments        int64           `json:"comments"`
	PublishedAt     json.RawMessage `json:"published_at" doc:"An RFC 3339 or Chinese-format date text, or unix seconds"`
}

// importResponse is what an import file holds with a mapping (preview),
// and what was saved (import).
type importResponse struct {
	Format     string               `json:"format"`
	Columns    []string             `json:"columns"`
	Mapping    listen.Mapping       `json:"mapping"`
	Total      int                  `json:"total"`
	Valid      int                  `json:"valid"`
	Preview    []listen.ImportRow   `json:"preview"`
	Errors     []listen.RowError    `json:"errors"`
	ErrorCount int                  `json:"error_count"`
	Saved      bool                 `json:"saved"`
	Result     *listen.IngestResult `json:"result,omitempty"`
}

// listenAPI serves listening: topics, the try-it box, mentions, sentiment
// corrections, the inbound webhook and file imports.
func (s *Server) listenAPI() {
	if s.Listen == nil {
		return
	}
	registerIngestMetrics(s.Registry, s.Listen)
	tag := "listening"
	topicType, mentionType := typeOf[listen.Topic](), typeOf[listen.Mention]()
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/topics", Summary: "The workspace's listening topics", Tag: tag, Resp: typeOf[list[listen.Topic]]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			ts, err := s.Listen.Topics(r.Context(), p.Workspace.ID)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(ts))
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/topics", Summary: "Create a topic; a query that does not parse is refused with its position and a hint", Tag: tag, Perm: account.EditListening, Req: typeOf[topicInput](), Resp: topicType, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var in topicInput
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			t, err := s.Listen.CreateTopic(r.Context(), p.Workspace.ID, in.topic())
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusCreated, t)
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/topics/seed", Summary: "Create the brand's topic and one per competitor (from names, aliases and keywords) where missing", Tag: tag, Perm: account.EditListening, Resp: typeOf[listen.SeedResult]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			res, err := s.Listen.SeedTopics(r.Context(), p.Workspace.ID)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, res)
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/topics/try", Summary: "Which of the last 1,000 stored mentions a draft query matches", Tag: tag, ReadOnly: true, Perm: account.EditListening, Req: typeOf[tryRequest](), Resp: typeOf[listen.TryResult]()},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			var in tryRequest
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			res, err := s.Listen.TryQuery(r.Context(), p.Workspace.ID, in.Query)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, res)
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/topics/{id}", Summary: "Get a topic", Tag: tag, Resp: topicType},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			t, err := s.Listen.Topic(r.Context(), p.Workspace.ID, id)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, t)
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: "/workspaces/{ws}/topics/{id}", Summary: "Replace a topic", Tag: tag, Perm: account.EditListening, Req: typeOf[topicInput](), Resp: topicType},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			if _, err := s.Listen.Topic(r.Context(), p.Workspace.ID, id); err != nil {
				return err
			}
			var in topicInput
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			t := in.topic()
			t.ID = id
			t, err := s.Listen.UpdateTopic(r.Context(), p.Workspace.ID, t)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, t)
			return nil
		})
	s.handleAPI(op{Method: "DELETE", Path: "/workspaces/{ws}/topics/{id}", Summary: "Delete a topic with its matches and roll-ups", Tag: tag, Perm: account.EditListening, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			if err := s.Listen.DeleteTopic(r.Context(), p.Workspace.ID, id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})

	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/mentions", Summary: "Mentions, newest first", Tag: tag, Resp: typeOf[list[listen.Mention]](),
		Query: []param{{Name: "from", Doc: "Published at or after: a date (YYYY-MM-DD, in the workspace's time zone) or a time; all time when absent"},
			{Name: "to", Doc: "Published before: a date (inclusive) or a time (exclusive); no end when absent"}, topicParam, {Name: "sentiment", Doc: "positive, neutral or negative"},
			param{Name: "source", Doc: "A source kind (weibo_search, rss, webhook, import …) or one that pushed and imported posts name (weibo, xiaohongshu); a platform's name (微博) is read as its kind, and a platform takes the sources that search it (weibo: also weibo_search)"}, param{Name: "lang", Doc: "zh, en or other"},
			param{Name: "q", Doc: "Text the mention contains"}, param{Name: "limit", Type: typeOf[int](), Doc: "At most this many"},
			param{Name: "before", Type: typeOf[int64](), Doc: "The next page: the mentions after this one in the list's order (published before it, or at the same time with a smaller id); pass the last id of a page"}}},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			f, err := mentionFilter(r, p.Workspace.Location())
			if err != nil {
				return err
			}
			ms, err := s.Listen.Mentions(r.Context(), p.Workspace.ID, f)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, listOf(ms))
			return nil
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/mentions/corrections.csv", Summary: "Sentiment corrections as a text,label CSV, the input of chorus listen train", Tag: tag, Produces: "text/csv"},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			return s.writeCorrections(w, r, p, "")
		})
	s.handleAPI(op{Method: "GET", Path: "/workspaces/{ws}/mentions/{id}", Summary: "Get a mention", Tag: tag, Resp: mentionType},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			m, err := s.Listen.Mention(r.Context(), p.Workspace.ID, id)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, m)
			return nil
		})
	s.handleAPI(op{Method: "PUT", Path: "/workspaces/{ws}/mentions/{id}/sentiment", Summary: "Correct a mention's sentiment; its topics' roll-ups follow", Tag: tag, Perm: account.EditListening, Req: typeOf[sentimentRequest](), Resp: mentionType},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			id, _ := pathID(r, "id")
			var in sentimentRequest
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			m, err := s.Listen.CorrectSentiment(r.Context(), p.Workspace.ID, id, in.Label)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, m)
			return nil
		})

	lim := newLimiter(webhookRate/60.0, webhookRate, 10_000)
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/mentions", Summary: "Push a batch of up to 500 posts (inbound webhook); a batch with a bad post stores nothing", Tag: tag, Perm: account.EditListening, Req: typeOf[webhookRequest](), Resp: typeOf[listen.IngestResult](), MaxBody: maxWebhookBody},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			if !lim.allow(w, callerKey(p), time.Now()) {
				return apperr.New(apperr.TooMany, "error.listen.rate_limited", map[string]any{"Max": webhookRate})
			}
			var in webhookRequest
			if err := decodeJSON(r.Body, &in); err != nil {
				return err
			}
			posts, err := webhookPosts(in, p.Workspace.Location(), time.Now())
			if err != nil {
				return err
			}
			if err := s.checkSourceIDs(r.Context(), p.Workspace.ID, posts, func(i int) string { return fmt.Sprintf("mentions[%d].source_id", i) }); err != nil {
				return err
			}
			res, err := s.Listen.Ingest(r.Context(), p.Workspace.ID, posts)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, res)
			return nil
		})

	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/imports/preview", Summary: "Read an import file (multipart: file, mapping JSON) and show its columns, the first 20 rows mapped and every row error; saves nothing", Tag: tag, Perm: account.EditListening, Resp: typeOf[importResponse](), MaxBody: maxImportBody, ReadOnly: true, Form: importForm[:4]},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			f, _, _, err := s.readImportRequest(r, p.Workspace)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, s.importResponse(r, f))
			return nil
		})
	s.handleAPI(op{Method: "POST", Path: "/workspaces/{ws}/imports", Summary: "Import a file (multipart: file, mapping JSON, skip_errors): all rows or nothing, or with skip_errors=true the good rows", Tag: tag, Perm: account.EditListening, Resp: typeOf[importResponse](), MaxBody: maxImportBody, Form: importForm},
		func(w http.ResponseWriter, r *http.Request, p account.Principal) error {
			f, skip, sourceID, err := s.readImportRequest(r, p.Workspace)
			if err != nil {
				return err
			}
			if f.ErrorCount > 0 && !skip {
				var fs apperr.Fields
				for _, e := range f.Errors {
					fs = append(fs, apperr.FieldError{Field: fmt.Sprintf("rows[%d].%s", e.Row, e.Field), Key: e.Key, Args: e.Args})
				}
				return fs.Err()
			}
			res, err := s.Listen.Ingest(r.Context(), p.Workspace.ID, f.Posts(sourceID))
			if err != nil {
				return err
			}
			out := s.importResponse(r, f)
			out.Saved, out.Result = true, &res
			writeJSON(w, http.StatusOK, out)
			return nil
		})
}

func (s *Server) importResponse(r *http.Request, f *listen.ImportFile) importResponse {
	loc := s.locale(r)
	out := importResponse{Format: f.Format, Columns: f.Columns, Mapping: f.Mapping, Total: f.Total, Valid: len(f.Rows),
		Preview: f.Rows[:min(len(f.Rows), listen.PreviewRows)], Errors: f.Errors, ErrorCount: f.ErrorCount}
	for i := range out.Errors {
		out.Errors[i].Message = s.cat.T(loc, out.Errors[i].Key, out.Errors[i].Args)
	}
	if out.Columns == nil {
		out.Columns = []string{}
	}
	if out.Preview == nil {
		out.Preview = []listen.ImportRow{}
	}
	if out.Errors == nil {
		out.Errors = []listen.RowError{}
	}
	return out
}

// importForm documents what readImportRequest reads; the preview reads
// all but skip_errors, the last.
var importForm = []param{
	{Name: "file", Type: typeOf[[]byte](), Doc: "The file: CSV, JSON Lines or XLSX", Required: true},
	{Name: "mapping", Type: typeOf[listen.Mapping](), Doc: "Which column holds which field; guessed from the header when absent"},
	{Name: "format", Doc: "csv, jsonl or xlsx; by the file name's extension when absent"},
	{Name: "source_id", Type: typeOf[int64](), Doc: "The source the mentions are stored under"},
	{Name: "skip_errors", Type: typeOf[bool](), Doc: "true: save the good rows and skip the bad; else a bad row saves nothing"},
}

// mappingErrors adds what is wrong with an import's mapping part: a key
// or a value of the wrong type at mapping.<key> (a misspelt "txt"), and
// anything else, which is not a JSON object, at mapping with an example.
func mappingErrors(fs *apperr.Fields, err error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return
	}
	for _, f := range ae.Fields {
		if f.Field == "body" {
			fs.Add("mapping", "error.listen.mapping")
			continue
		}
		f.Field = "mapping." + f.Field
		*fs = append(*fs, f)
	}
}

// importParts names the parts of an import form, for its errors.
func importParts() string {
	names := make([]string, len(importForm))
	for i, p := range importForm {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// readImportRequest reads the multipart form of an import: the file, the
// mapping (JSON), skip_errors, format and source_id, which must name a
// source of the workspace (checkSourceIDs).
func (s *Server) readImportRequest(r *http.Request, ws account.Workspace) (*listen.ImportFile, bool, int64, error) {
	var (
		data     []byte
		name     string
		mapping  listen.Mapping
		skip     bool
		format   string
		sourceID int64
		haveFile bool
	)
	var fs apperr.Fields
	err := readParts(r, func(part *multipart.Part) error {
		var err error
		switch part.FormName() {
		case "file":
			name = part.FileName()
			data, err = readPart(part, listen.MaxImportBytes)
			haveFile = true
		case "mapping":
			var b []byte
			if b, err = readPart(part, 64<<10); err == nil && len(bytes.TrimSpace(b)) > 0 {
				mappingErrors(&fs, apperr.DecodeJSON(b, &mapping))
			}
		case "skip_errors":
			var b []byte
			b, err = readPart(part, 16)
			skip = queryBool(&fs, strings.TrimSpace(string(b)), "skip_errors")
		case "format":
			var b []byte
			b, err = readPart(part, 16)
			format = strings.TrimSpace(string(b))
		case "source_id":
			var b []byte
			if b, err = readPart(part, 32); err == nil {
				if v := strings.TrimSpace(string(b)); v != "" {
					if sourceID, err = strconv.ParseInt(v, 10, 64); err != nil || sourceID < 0 {
						fs.Add("source_id", "error.invalid")
						err = nil
					}
				}
			}
		default:
			// A misspelt part (source_ids) would otherwise be ignored, and
			// the file saved without what it asked for.
			fs.Add(cmp.Or(part.FormName(), "body"), "error.listen.unknown_part", "Value", part.FormName(), "Allowed", importParts())
			_, err = io.Copy(io.Discard, io.LimitReader(part, 1<<20))
		}
		return err
	})
	if err != nil {
		return nil, false, 0, err
	}
	if !haveFile {
		fs.Add("file", "error.required")
	}
	if err := fs.Err(); err != nil {
		return nil, false, 0, err
	}
	f, err := listen.ReadImport(bytes.NewReader(data), mapping, listen.ImportOptions{Format: format, Name: name, Location: ws.Location(), Now: time.Now()})
	if err != nil {
		return nil, false, 0, err
	}
	if err := s.checkSourceIDs(r.Context(), ws.ID, []listen.Post{{SourceID: sourceID}}, func(int) string { return "source_id" }); err != nil {
		return nil, false, 0, err
	}
	return f, skip, sourceID, nil
}

// readParts calls read on each part of r's multipart body, in order,
// and words what goes wrong as the import forms' errors on "file": the
// body or a part over its bound (errPartTooLarge) is a file too large,
// anything else a broken form.
func readParts(r *http.Request, read func(*multipart.Part) error) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return apperr.Field("file", "error.listen.multipart")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err == nil {
			err = read(part)
			part.Close()
		}
		var maxErr *http.MaxBytesError
		switch {
		case errors.As(err, &maxErr) || errors.Is(err, errPartTooLarge):
			return apperr.Field("file", "error.listen.file_too_large", "Max", listen.MaxImportBytes)
		case err != nil:
			return apperr.Field("file", "error.listen.multipart")
		}
	}
}

var errPartTooLarge = errors.New("part too large")

func readPart(p *multipart.Part, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(p, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errPartTooLarge
	}
	return b, nil
}

// checkSourceIDs refuses posts that name a source the workspace does not
// have (another workspace's, a deleted one): the store would keep them
// without their source, and answer as if all was well. field names the
// source_id of post i.
func (s *Server) checkSourceIDs(ctx context.Context, ws int64, posts []listen.Post, field func(i int) string) error {
	var fs apperr.Fields
	var known map[int64]bool
	for i, p := range posts {
		if p.SourceID == 0 {
			continue
		}
		if known == nil {
			known = map[int64]bool{}
			if s.Sources != nil {
				srcs, err := s.Sources.List(ctx, ws)
				if err != nil {
					return err
				}
				for _, src := range srcs {
					known[src.ID] = true
				}
			}
		}
		if !known[p.SourceID] {
			fs.Add(field(i), "error.listen.unknown_source", "Value", p.SourceID)
		}
	}
	return fs.Err()
}

// webhookPosts decodes and validates every post of a batch; any problem
// refuses the batch, naming each bad field as mentions[i].field.
func webhookPosts(in webhookRequest, loc *time.Location, now time.Time) ([]listen.Post, error) {
	var fs apperr.Fields
	switch {
	case in.Mentions == nil:
		fs.Add("mentions", "error.required")
	case len(in.Mentions) > maxWebhookPosts:
		fs.Add("mentions", "error.listen.too_many_posts", "Max", maxWebhookPosts)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	posts := make([]listen.Post, 0, len(in.Mentions))
	for i, raw := range in.Mentions {
		prefix := fmt.Sprintf("mentions[%d].", i)
		var wp webhookPost
		if err := apperr.DecodeJSON(raw, &wp); err != nil {
			fs.Nest(prefix, err)
			continue
		}
		p := listen.Post{SourceID: wp.SourceID, SourceKind: wp.SourceKind, ExternalID: wp.ExternalID, URL: wp.URL, Author: wp.Author,
			AuthorFollowers: wp.AuthorFollowers, Text: wp.Text, Lang: wp.Lang, Likes: wp.Likes, Reposts: wp.Reposts, Comments: wp.Comments}
		if p.SourceKind == "" {
			p.SourceKind = "webhook"
		} else if kind, ok := query.SourceKind(p.SourceKind); ok {
			// A platform's name (小红书) is its kind, as in imported files
			// and source:; anything else is left for ValidatePost to refuse.
			p.SourceKind = kind
		}
		badTime := false
		if len(wp.PublishedAt) > 0 && string(wp.PublishedAt) != "null" {
			var str string
			var num json.Number
			switch {
			case json.Unmarshal(wp.PublishedAt, &str) == nil:
				t, ok := listen.ParseTime(str, loc)
				p.PublishedAt, badTime = t, !ok
			case json.Unmarshal(wp.PublishedAt, &num) == nil:
				t, ok := listen.ParseTime(num.String(), loc)
				p.PublishedAt, badTime = t, !ok
			default:
				badTime = true
			}
		}
		var pf apperr.Fields
		if badTime {
			pf.Add("published_at", "error.listen.date", "Value", strings.Trim(string(wp.PublishedAt), `"`))
		}
		if err := listen.PostErrors(pf, &p, now); err != nil {
			fs.Nest(prefix, err)
			continue
		}
		posts = append(posts, p)
	}
	if len(fs) > 100 {
		fs = fs[:100]
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	return posts, nil
}

// mentionFilter reads the mention list's query parameters.
func mentionFilter(r *http.Request, loc *time.Location) (listen.MentionFilter, error) {
	q := r.URL.Query()
	var fs apperr.Fields
	f := listen.MentionFilter{Sentiment: q.Get("sentiment"), Lang: q.Get("lang"), Query: q.Get("q")}
	if v := q.Get("source"); v != "" {
		// As source: reads it, so that WEBHOOK or 微博 finds what the
		// pipeline stored as webhook or weibo, not nothing.
		kind, ok := query.SourceKind(v)
		if !ok {
			fs.Add("source", "error.listen.source_kind")
		}
		f.SourceKind = kind
	}
	if id := queryID(&fs, q.Get("topic"), "topic"); id != nil {
		f.TopicID = *id
	}
	if id := queryID(&fs, q.Get("before"), "before"); id != nil {
		f.BeforeID = *id
	}
	f.Limit = queryLimit(&fs, q.Get("limit"), listen.MaxMentionPage)
	for _, t := range []struct {
		name string
		into **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(t.name); v != "" {
			tm, ok := listen.ParseTime(v, loc)
			if !ok {
				fs.Add(t.name, "error.listen.date", "Value", v)
				continue
			}
			if _, err := time.Parse(time.DateOnly, v); err == nil && t.name == "to" {
				tm = tm.AddDate(0, 0, 1) // a to date counts whole, as everywhere
			}
			*t.into = &tm
		}
	}
	if err := fs.Err(); err != nil {
		return f, err
	}
	return f, f.Validate()
}

// registerIngestMetrics exports the listening pipeline's counters: what
// this node's ingest batches did, from sources, the webhook and imports.
func registerIngestMetrics(reg *prometheus.Registry, svc *listen.Service) {
	type c = statCounter[listen.IngestStats]
	registerStats(reg, svc.Stats,
		c{"chorus_mentions_received_total", "Posts handed to the listening pipeline.", func(s listen.IngestStats) uint64 { return s.Posts }},
		c{"chorus_mentions_stored_total", "Posts stored as mentions, near-duplicates in a repost cluster included.", func(s listen.IngestStats) uint64 { return s.Stored }},
		c{"chorus_mentions_clustered_total", "Stored mentions that joined a repost cluster.", func(s listen.IngestStats) uint64 { return s.Clustered }},
		c{"chorus_mentions_duplicate_total", "Posts not stored: exact duplicates of a stored mention.", func(s listen.IngestStats) uint64 { return s.Duplicates }},
		c{"chorus_mentions_skipped_total", "Posts not stored: no text.", func(s listen.IngestStats) uint64 { return s.Skipped }},
		c{"chorus_ingest_batches_total", "Batches through the listening pipeline.", func(s listen.IngestStats) uint64 { return s.Batches }},
		c{"chorus_ingest_batches_failed_total", "Batches that stored nothing because of an error.", func(s listen.IngestStats) uint64 { return s.FailedBatches }},
	)
}
