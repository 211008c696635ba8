package listen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen/query"
)

// Bounds of a post that pushed or imported sources must respect (polled
// sources are cut to the pipeline's bounds instead).
const (
	MaxImportBytes = 20 << 20
	MaxImportRows  = 100000
	PreviewRows    = 20
	// MaxRowErrors bounds the row errors one import reports.
	MaxRowErrors = 1000
	// MaxImportCells bounds the cells of an XLSX sheet, blanks left of a
	// value included: a few bytes of XML naming cell XFD1 make a row of
	// 16,384 cells, so neither bytes nor rows bound a workbook's size.
	// 3,000,000 is 100,000 rows of 30 columns, about 50 MB of cells.
	MaxImportCells = 3_000_000
	// MaxImportColumns bounds a CSV row's columns (a workbook's rows are
	// bounded by MaxImportCells), and MaxSheetTextBytes the text of all
	// cells read: a workbook keeps a repeated text once and hands a copy
	// to every cell that uses it, so a 12 KB file can hold gigabytes of
	// cells.
	MaxImportColumns  = 1000
	MaxSheetTextBytes = 2 * MaxImportBytes
)

// sheetBudget counts what reading a CSV file or a sheet has taken, against
// the bounds above; columns bounds a row's cells, when not 0.
type sheetBudget struct{ columns, rows, cells, bytes int }

func (b *sheetBudget) take(rec []string) error {
	b.rows++
	b.cells += len(rec)
	for _, c := range rec {
		b.bytes += len(c)
	}
	switch {
	case b.rows > MaxImportRows+1: // and the header
		return fileErr("error.listen.too_many_rows", "Max", MaxImportRows)
	case b.columns > 0 && len(rec) > b.columns:
		return fileErr("error.listen.too_many_columns", "Max", b.columns)
	case b.cells > MaxImportCells:
		return fileErr("error.listen.too_many_cells", "Max", MaxImportCells)
	case b.bytes > MaxSheetTextBytes:
		return fileErr("error.listen.too_much_text", "Max", MaxSheetTextBytes)
	}
	return nil
}

// MaxCount bounds a post's likes, reposts, comments and author's
// followers, far above any platform's: the insights add them up, and two
// counts near the largest integer made every view of the workspace's
// authors fail.
const MaxCount = 10_000_000_000

// ValidatePost checks a pushed or imported post strictly: text present and
// at most MaxPostBytes, a publication time not in the future, a URL that is
// http(s), counts from 0 to MaxCount, short identifiers. Field names are the
// JSON names.
func ValidatePost(p *Post, now time.Time) error {
	var fs apperr.Fields
	switch {
	case strings.TrimSpace(p.Text) == "":
		fs.Add("text", "error.required")
	case len(p.Text) > MaxPostBytes:
		fs.Add("text", "error.listen.text_too_long", "Max", MaxPostBytes)
	}
	if p.PublishedAt.IsZero() {
		fs.Add("published_at", "error.required")
	} else if p.PublishedAt.After(now.Add(time.Hour)) || p.PublishedAt.Year() < 1990 {
		fs.Add("published_at", "error.listen.published_at")
	}
	if p.SourceKind != "" && cleanWord(p.SourceKind, "") == "" {
		fs.Add("source_kind", "error.listen.source_kind")
	}
	fs.Text("external_id", p.ExternalID, maxExternalID, false)
	fs.Text("author", p.Author, maxAuthorRunes, false)
	if p.URL != "" && (len(p.URL) > maxURLBytes || !webURL(p.URL)) {
		fs.Add("url", "error.listen.url")
	}
	for _, n := range []struct {
		field string
		v     int64
	}{{"likes", p.Likes}, {"reposts", p.Reposts}, {"comments", p.Comments}, {"author_followers", p.AuthorFollowers}} {
		if n.v < 0 || n.v > MaxCount {
			fs.Add(n.field, "error.range", "Min", 0, "Max", float64(MaxCount))
		}
	}
	if p.Lang != "" && len(p.Lang) > 16 {
		fs.Add("lang", "error.too_long", "Max", 16)
	}
	return fs.Err()
}

// Mapping names, for each field of a post, the column of an import file
// that holds it (a header of the CSV or XLSX, a key of the JSONL objects).
// Empty fields are guessed from common header names (内容, 作者, 发布时间 …);
// NotMapped takes no column for the field.
type Mapping struct {
	Text            string `json:"text"`
	Author          string `json:"author,omitempty"`
	PublishedAt     string `json:"published_at"`
	URL             string `json:"url,omitempty"`
	ExternalID      string `json:"external_id,omitempty"`
	Likes           string `json:"likes,omitempty"`
	Reposts         string `json:"reposts,omitempty"`
	Comments        string `json:"comments,omitempty"`
	AuthorFollowers string `json:"author_followers,omitempty"`
	Lang            string `json:"lang,omitempty"`
	SourceKind      string `json:"source_kind,omitempty"`
}

// NotMapped is the column of a field that is not to be read from the file,
// not even from a column whose header it would be guessed from.
const NotMapped = "-"

// guesses are the header names third-party monitoring tools and platform
// back-ends use, per field, tried when the mapping leaves a field empty.
// Not 编号, 序号 or id for external_id: exports number their rows with
// them, and a row number is no post's identity.
var guesses = map[string][]string{
	"text":             {"text", "content", "内容", "正文", "微博内容", "博文内容", "评论内容", "文本", "标题内容", "message", "body"},
	"author":           {"author", "作者", "用户", "用户名", "昵称", "博主", "发布者", "账号", "user", "username"},
	"published_at":     {"published_at", "发布时间", "时间", "日期", "发文时间", "created_at", "date", "time"},
	"url":              {"url", "链接", "原文链接", "网址", "地址", "link"},
	"external_id":      {"external_id", "微博id", "mid", "文章id"},
	"likes":            {"likes", "点赞", "点赞数", "赞", "like_count"},
	"reposts":          {"reposts", "转发", "转发数", "分享数", "repost_count", "shares"},
	"comments":         {"comments", "评论", "评论数", "comment_count"},
	"author_followers": {"author_followers", "粉丝数", "粉丝", "followers"},
	"lang":             {"lang", "语言", "language"},
	"source_kind":      {"source_kind", "来源", "平台", "渠道", "source", "platform"},
}

func (m *Mapping) fields() []struct {
	name string
	col  *string
} {
	return []struct {
		name string
		col  *string
	}{{"text", &m.Text}, {"author", &m.Author}, {"published_at", &m.PublishedAt}, {"url", &m.URL}, {"external_id", &m.ExternalID},
		{"likes", &m.Likes}, {"reposts", &m.Reposts}, {"comments", &m.Comments}, {"author_followers", &m.AuthorFollowers},
		{"lang", &m.Lang}, {"source_kind", &m.SourceKind}}
}

// resolve fills empty fields from the columns and checks that the named
// columns exist.
func (m *Mapping) resolve(columns []string) error {
	have := map[string]string{}
	for _, c := range columns {
		have[strings.ToLower(strings.TrimSpace(c))] = c
	}
	var fs apperr.Fields
	for _, f := range m.fields() {
		if *f.col == NotMapped {
			continue
		}
		if *f.col != "" {
			if _, ok := have[strings.ToLower(strings.TrimSpace(*f.col))]; !ok {
				fs.Add("mapping."+f.name, "error.listen.no_column", "Column", *f.col)
			} else {
				*f.col = have[strings.ToLower(strings.TrimSpace(*f.col))]
			}
			continue
		}
		for _, g := range guesses[f.name] {
			if c, ok := have[g]; ok {
				*f.col = c
				break
			}
		}
	}
	if m.Text == "" || m.Text == NotMapped {
		fs.Add("mapping.text", "error.listen.map_text")
	}
	if m.PublishedAt == "" || m.PublishedAt == NotMapped {
		fs.Add("mapping.published_at", "error.listen.map_published_at")
	}
	return fs.Err()
}

// RowError is one bad row of an import file: Row counts as a spreadsheet
// does (the header is row 1, the first data row 2; JSONL lines from 1).
type RowError struct {
	Row     int            `json:"row"`
	Field   string         `json:"field"`
	Key     string         `json:"key"`
	Args    map[string]any `json:"args,omitempty"`
	Message string         `json:"message,omitempty"`
}

// ImportRow is one good row, mapped.
type ImportRow struct {
	Row  int  `json:"row"`
	Post Post `json:"post"`
}

// ImportFile is an import file read with a mapping: its columns, the
// mapping as resolved, every good row and the row errors (at most
// MaxRowErrors are kept; ErrorCount counts them all).
type ImportFile struct {
	Format     string      `json:"format"`
	Columns    []string    `json:"columns"`
	Mapping    Mapping     `json:"mapping"`
	Rows       []ImportRow `json:"-"`
	Total      int         `json:"total"`
	Errors     []RowError  `json:"errors"`
	ErrorCount int         `json:"error_count"`
	// digest identifies the file's content, to scope its external ids.
	digest string
}

// Posts are the file's good rows as posts of the source sourceID (0 for
// none), ready for Ingest. Without a source, an external id of a row of
// kind import is scoped by the file (f<digest>:1), as Ingest scopes it by
// the source otherwise: another file's row 1 is another post, the same
// file imported again holds the same posts.
func (f *ImportFile) Posts(sourceID int64) []Post {
	posts := make([]Post, len(f.Rows))
	for i, row := range f.Rows {
		p := row.Post
		p.SourceID = sourceID
		if sourceID == 0 && p.ExternalID != "" && localIDs(p.SourceKind) {
			p.ExternalID = "f" + f.digest + ":" + p.ExternalID
		}
		posts[i] = p
	}
	return posts
}

// ImportOptions tell ReadImport how to read a file.
type ImportOptions struct {
	// Format is csv, jsonl or xlsx; empty means by Name's extension.
	Format string
	// Name is the uploaded file's name.
	Name string
	// Location is where times without a zone are (the workspace's zone).
	Location *time.Location
	// SourceKind is the source kind of rows without one ("import").
	SourceKind string
	// Now is the clock, for refusing future times.
	Now time.Time
}

// ReadImport reads an import file (CSV in UTF-8 or GB18030, JSONL or XLSX,
// at most MaxImportBytes and MaxImportRows, and MaxImportCells for XLSX)
// with a mapping. A file that cannot be read at all is an apperr.Invalid
// error on the field "file"; bad rows are RowErrors in the result.
func ReadImport(r io.Reader, m Mapping, o ImportOptions) (*ImportFile, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.SourceKind == "" {
		o.SourceKind = "import"
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	format := strings.ToLower(o.Format)
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(path.Ext(o.Name)), ".")
		if format == "json" || format == "ndjson" {
			format = "jsonl"
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, apperr.Wrap(err, "read import")
	}
	if len(data) > MaxImportBytes {
		return nil, fileErr("error.listen.file_too_large", "Max", MaxImportBytes)
	}
	sum := sha256.Sum256(data)
	f := &ImportFile{Format: format, digest: hex.EncodeToString(sum[:6])}
	var rows [][]string
	switch format {
	case "csv", "tsv", "txt":
		f.Format = "csv"
		rows, err = readCSV(data)
	case "xlsx":
		rows, err = readXLSX(data)
	case "jsonl":
		return f, readJSONL(f, data, m, o)
	default:
		return nil, fileErr("error.listen.file_format", "Format", format)
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fileErr("error.listen.file_empty")
	}
	f.Columns = trimHeader(rows[0])
	if err := m.resolve(f.Columns); err != nil {
		return nil, err
	}
	f.Mapping = m
	idx := map[string]int{}
	for i, c := range f.Columns {
		if _, dup := idx[c]; !dup {
			idx[c] = i
		}
	}
	for i, rec := range rows[1:] {
		if isBlank(rec) {
			continue
		}
		row := i + 2
		if f.Total >= MaxImportRows {
			return nil, fileErr("error.listen.too_many_rows", "Max", MaxImportRows)
		}
		f.Total++
		get := func(col string) string {
			if col == "" {
				return ""
			}
			if j := idx[col]; j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		p, err := mapRow(get, m, o)
		f.add(row, p, err)
	}
	return f, nil
}

func (f *ImportFile) add(row int, p Post, err error) {
	if err == nil {
		f.Rows = append(f.Rows, ImportRow{Row: row, Post: p})
		return
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		ae = &apperr.Error{Fields: []apperr.FieldError{{Field: "row", Key: "error.invalid"}}}
	}
	for _, fe := range ae.Fields {
		f.ErrorCount++
		if len(f.Errors) < MaxRowErrors {
			f.Errors = append(f.Errors, RowError{Row: row, Field: fe.Field, Key: fe.Key, Args: fe.Args})
		}
	}
}

// mapRow builds a post from one row's values and validates it.
func mapRow(value func(col string) string, m Mapping, o ImportOptions) (Post, error) {
	get := func(col string) string {
		if col == NotMapped {
			return ""
		}
		return value(col)
	}
	var fs apperr.Fields
	p := Post{
		SourceKind: get(m.SourceKind),
		ExternalID: get(m.ExternalID),
		URL:        get(m.URL),
		Author:     get(m.Author),
		Text:       get(m.Text),
		Lang:       get(m.Lang),
	}
	if p.SourceKind == "" {
		p.SourceKind = o.SourceKind
	} else {
		p.SourceKind = sourceKind(p.SourceKind)
	}
	if v := get(m.PublishedAt); v != "" {
		t, ok := ParseTime(v, o.Location)
		if !ok {
			fs.Add("published_at", "error.listen.date", "Value", short(v))
		}
		p.PublishedAt = t
	}
	for _, n := range []struct {
		field, col string
		into       *int64
	}{{"likes", m.Likes, &p.Likes}, {"reposts", m.Reposts, &p.Reposts}, {"comments", m.Comments, &p.Comments}, {"author_followers", m.AuthorFollowers, &p.AuthorFollowers}} {
		v := get(n.col)
		if v == "" {
			continue
		}
		c, ok := ParseCount(v)
		if !ok {
			fs.Add(n.field, "error.listen.number", "Value", short(v))
		}
		*n.into = c
	}
	return p, PostErrors(fs, &p, o.Now)
}

// PostErrors is fs, the errors found reading a post, with what
// ValidatePost finds wrong with p added, but on the fields fs names
// already (a date that did not parse is not also missing): a row or a
// pushed post shows all its mistakes at once, not one per try. It is nil
// when there are none.
func PostErrors(fs apperr.Fields, p *Post, now time.Time) error {
	var ae *apperr.Error
	if errors.As(ValidatePost(p, now), &ae) {
		for _, fe := range ae.Fields {
			if !slices.ContainsFunc(fs, func(f apperr.FieldError) bool { return f.Field == fe.Field }) {
				fs = append(fs, fe)
			}
		}
	}
	return fs.Err()
}

// sourceKind reads a row's source kind (query.SourceKind): a platform's
// name becomes the catalog's key; anything else is refused later unless
// it is a kind.
func sourceKind(v string) string {
	k, _ := query.SourceKind(v)
	return k
}

func short(s string) string { return cutRunes(s, 40) }

func fileErr(key string, kv ...any) error { return apperr.Field("file", key, kv...) }

func trimHeader(h []string) []string {
	out := make([]string, len(h))
	for i, c := range h {
		c = strings.TrimSpace(strings.TrimPrefix(c, "\uFEFF"))
		if c == "" {
			c = fmt.Sprintf("column %d", i+1)
		}
		out[i] = c
	}
	return out
}

func isBlank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// readCSV reads a CSV (or tab-separated) file in UTF-8, with or without
// a BOM, or in GB18030 (Excel's Chinese default), rows of any length.
func readCSV(data []byte) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	switch {
	case utf8.Valid(data):
	case mostlyUTF8(data):
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
	default:
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err == nil && utf8.Valid(dec) {
			data = dec
		}
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(data))
	if bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")) {
		cr.Comma = '\t'
	}
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	var rows [][]string
	budget := sheetBudget{columns: MaxImportColumns}
	var lastStart int64
	for {
		start := cr.InputOffset()
		rec, err := cr.Read()
		if err == io.EOF {
			if len(rows) > 0 && unclosedQuote(data[lastStart:], cr.Comma) {
				line, _ := cr.FieldPos(0)
				return nil, fileErr("error.listen.csv", "Line", line)
			}
			break
		}
		lastStart = start
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, fileErr("error.listen.csv", "Line", line)
		}
		if err := budget.take(rec); err != nil {
			return nil, err
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

// unclosedQuote reports whether the last record of a CSV file, span,
// opens a quoted field it never closes: read with lazy quotes, that one
// cell takes every line after it to the end of the file, and the rows
// there vanish without an error. Read strictly, such a record fails on a
// quote at the end of the file, past its first line.
func unclosedQuote(span []byte, comma rune) bool {
	strict := csv.NewReader(bytes.NewReader(span))
	strict.Comma = comma
	strict.FieldsPerRecord = -1
	_, err := strict.Read()
	var pe *csv.ParseError
	return errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine && strict.InputOffset() == int64(len(span))
}

// mostlyUTF8 reports whether data is UTF-8 with a few broken bytes (a
// character cut by an export that shortens texts by bytes) rather than
// GB18030: read as UTF-8, Chinese text in GB18030 is mostly invalid and
// seldom makes a valid multi-byte character (about one in ten), so more
// valid ones than twice the invalid ones mean UTF-8. Decoding such a file
// as GB18030 garbled every character of it, its header too.
func mostlyUTF8(data []byte) bool {
	valid, invalid := 0, 0
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError && n == 1:
			invalid++
		case n > 1:
			valid++
		}
		data = data[n:]
	}
	return valid > 2*invalid
}

// readXLSX reads the first sheet of a workbook, with raw cell values so
// that dates arrive as Excel serial numbers.
func readXLSX(data []byte) ([][]string, error) {
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 100 << 20})
	if err != nil {
		return nil, fileErr("error.listen.xlsx")
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileErr("error.listen.file_empty")
	}
	it, err := x.Rows(sheets[0])
	if err != nil {
		return nil, fileErr("error.listen.xlsx")
	}
	defer it.Close()
	var rows [][]string
	var budget sheetBudget
	for it.Next() {
		rec, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fileErr("error.listen.xlsx")
		}
		if err := budget.take(rec); err != nil {
			return nil, err
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

// readJSONL reads one JSON object per line; values may be strings,
// numbers or booleans.
func readJSONL(f *ImportFile, data []byte, m Mapping, o ImportOptions) error {
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))))
	sc.Buffer(make([]byte, 64<<10), MaxPostBytes*2)
	colSeen := map[string]bool{}
	type line struct {
		n   int
		obj map[string]any
		err bool
	}
	var lines []line
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if len(lines) >= MaxImportRows {
			return fileErr("error.listen.too_many_rows", "Max", MaxImportRows)
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
			lines = append(lines, line{n: n, err: true})
			continue
		}
		for k := range obj {
			if !colSeen[k] && len(colSeen) < 200 {
				colSeen[k] = true
				f.Columns = append(f.Columns, k)
			}
		}
		lines = append(lines, line{n: n, obj: obj})
	}
	if err := sc.Err(); err != nil {
		return fileErr("error.listen.jsonl_line", "Line", n+1)
	}
	if len(lines) == 0 {
		return fileErr("error.listen.file_empty")
	}
	if err := m.resolve(f.Columns); err != nil {
		return err
	}
	f.Mapping = m
	for _, l := range lines {
		f.Total++
		if l.err {
			f.add(l.n, Post{}, (&apperr.Fields{{Field: "row", Key: "error.listen.jsonl"}}).Err())
			continue
		}
		get := func(col string) string {
			if col == "" {
				return ""
			}
			switch v := l.obj[col].(type) {
			case string:
				return strings.TrimSpace(v)
			case json.Number:
				return v.String()
			case bool:
				return strconv.FormatBool(v)
			}
			return ""
		}
		p, err := mapRow(get, m, o)
		f.add(l.n, p, err)
	}
	return nil
}

// timeLayouts are the date formats of Chinese monitoring exports and
// platform back-ends, tried in order.
var timeLayouts = []string{
	time.RFC3339Nano,
	// ISO 8601 zones as databases and scripts write them: a space for the
	// T, +0800 or +08 for +08:00, a space before the zone.
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05Z07",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/1/2 15:04:05",
	"2006/1/2 15:04",
	"2006/1/2",
	"2006.1.2 15:04:05",
	"2006.1.2 15:04",
	"2006.1.2",
	"2006年1月2日 15:04:05",
	"2006年1月2日 15:04",
	"2006年1月2日15:04:05",
	"2006年1月2日15:04",
	"2006年1月2日",
	"2006-1-2 15:04:05",
	"2006-1-2 15:04",
	"2006-1-2",
	"1/2/2006 15:04:05",
	"1/2/2006 15:04",
	"1/2/2006",
	time.RFC1123Z,
	time.RFC1123,
	"Mon Jan 02 15:04:05 -0700 2006", // Weibo API created_at
}

// ParseTime reads a time as exports write it: ISO 8601 and RFC 3339 (also
// 2024-01-02 15:04:05+08, +0800 or " +0800"),
// 2024-01-02 15:04, 2024/1/2, 2024年1月2日 15:04, unix seconds or
// milliseconds, or an Excel serial date. Times without a zone are in loc.
func ParseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		switch {
		case len(s) == 13:
			return time.UnixMilli(n).UTC(), true
		case len(s) >= 9 && len(s) <= 10:
			return time.Unix(n, 0).UTC(), true
		case n >= 20000 && n <= 80000: // Excel serial day
			return excelTime(float64(n), loc), true
		}
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 20000 && f <= 80000 {
		return excelTime(f, loc), true
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// excelTime turns an Excel serial date (days since 1899-12-30, the
// fraction the time of day) in loc into a time.
func excelTime(f float64, loc *time.Location) time.Time {
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, loc)
	return base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second).UTC()
}

// ParseCount reads a count as exports write it: 1234, 1,234, 1.2万, 3.5w,
// 2k, 1.1亿.
func ParseCount(s string) (int64, bool) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ",", ""))
	if s == "" || s == "-" {
		return 0, true
	}
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"万", 1e4}, {"w", 1e4}, {"亿", 1e8}, {"k", 1e3}, {"m", 1e6}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || f*mult > 1e15 {
		return 0, false
	}
	return int64(math.Round(f * mult)), true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
