package listen_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/chorus-hq/chorus/internal/apperr"
	"github.com/chorus-hq/chorus/internal/listen"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func importOpts(name string) listen.ImportOptions {
	return listen.ImportOptions{Name: name, Location: shanghai, Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
}

func TestReadImportCSV(t *testing.T) {
	csv := "\uFEFF内容,作者,发布时间,点赞\n" +
		"闲岚咖啡真好喝,小美,2024-01-02 15:04,1.2万\n" +
		"第二条,阿哲,2024/1/2,3\n" +
		"第三条,老周,2024年1月2日 15:04,\n" +
		"时间坏了,x,昨天,1\n" +
		",空正文,2024-01-02,1\n" +
		"赞数坏了,y,1704179040,很多\n"
	f, err := listen.ReadImport(strings.NewReader(csv), listen.Mapping{}, importOpts("export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Mapping.Text != "内容" || f.Mapping.PublishedAt != "发布时间" || f.Mapping.Likes != "点赞" {
		t.Errorf("guessed mapping %+v", f.Mapping)
	}
	if f.Total != 6 || len(f.Rows) != 3 || f.ErrorCount != 3 {
		t.Fatalf("total %d, good %d, errors %+v", f.Total, len(f.Rows), f.Errors)
	}
	want := time.Date(2024, 1, 2, 7, 4, 0, 0, time.UTC)
	if r := f.Rows[0]; r.Row != 2 || r.Post.Likes != 12000 || !r.Post.PublishedAt.Equal(want) || r.Post.SourceKind != "import" {
		t.Errorf("row 2 %+v", r)
	}
	if !f.Rows[2].Post.PublishedAt.Equal(want) {
		t.Errorf("Chinese date %v", f.Rows[2].Post.PublishedAt)
	}
	rows := map[int]string{}
	for _, e := range f.Errors {
		rows[e.Row] = e.Field
	}
	if rows[5] != "published_at" || rows[6] != "text" || rows[7] != "likes" {
		t.Errorf("row errors %+v", f.Errors)
	}
	if _, err := listen.ReadImport(strings.NewReader(csv), listen.Mapping{Text: "正文"}, importOpts("x.csv")); err == nil || !strings.Contains(err.Error(), "mapping.text") {
		t.Errorf("unknown column: %v", err)
	}
}

// TestImportRowNumbers: 编号, 序号 and id number an export's rows; they
// are not guessed as the posts' external ids.
func TestImportRowNumbers(t *testing.T) {
	t.Parallel()
	for _, col := range []string{"编号", "序号", "id", "ID"} {
		t.Run(col, func(t *testing.T) {
			t.Parallel()
			csv := col + ",内容,发布时间\n1,闲岚咖啡真好喝,2024-01-02 15:04\n"
			f, err := listen.ReadImport(strings.NewReader(csv), listen.Mapping{}, importOpts("export.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if f.Mapping.ExternalID != "" || f.Rows[0].Post.ExternalID != "" {
				t.Errorf("external id guessed from %s: mapping %q, row %q", col, f.Mapping.ExternalID, f.Rows[0].Post.ExternalID)
			}
		})
	}
}

// TestImportPlatformNames: a 来源 or 平台 column names platforms as people
// write them; they become the catalog's keys, and a column that holds
// something else can be left unmapped instead of failing every row.
func TestImportPlatformNames(t *testing.T) {
	t.Parallel()
	csv := "内容,发布时间,来源\n" +
		"a,2024-01-02,新浪微博\n" + "b,2024-01-02,小红书\n" + "c,2024-01-02,抖音\n" + "d,2024-01-02,B站\n" +
		"e,2024-01-02,微信公众号\n" + "f,2024-01-02,知乎\n" + "g,2024-01-02,Weibo\n" + "h,2024-01-02,小紅書\n" +
		"i,2024-01-02,某论坛\n"
	want := []string{"weibo", "xiaohongshu", "douyin", "bilibili", "wechat_oa", "zhihu", "weibo", "xiaohongshu"}
	f, err := listen.ReadImport(strings.NewReader(csv), listen.Mapping{}, importOpts("export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Mapping.SourceKind != "来源" || len(f.Rows) != len(want) || f.ErrorCount != 1 || f.Errors[0].Row != 10 || f.Errors[0].Field != "source_kind" {
		t.Fatalf("mapping %q, %d rows, errors %+v; want 来源, %d rows and row 10's source_kind", f.Mapping.SourceKind, len(f.Rows), f.Errors, len(want))
	}
	for i, r := range f.Rows {
		if r.Post.SourceKind != want[i] {
			t.Errorf("row %d: kind %q, want %q", r.Row, r.Post.SourceKind, want[i])
		}
	}
	// Not mapped: every row is the import's, and the choice stays.
	f, err = listen.ReadImport(strings.NewReader(csv), listen.Mapping{SourceKind: listen.NotMapped}, importOpts("export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Mapping.SourceKind != listen.NotMapped || len(f.Rows) != 9 || f.ErrorCount != 0 || f.Rows[8].Post.SourceKind != "import" {
		t.Errorf("not mapped: mapping %q, %d rows, errors %+v, last kind %q", f.Mapping.SourceKind, len(f.Rows), f.Errors, f.Rows[8].Post.SourceKind)
	}
	for _, m := range []listen.Mapping{{Text: listen.NotMapped}, {PublishedAt: listen.NotMapped}} {
		if _, err := listen.ReadImport(strings.NewReader(csv), m, importOpts("export.csv")); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("required field not mapped %+v: %v, want invalid", m, err)
		}
	}
}

func TestReadImportJSONLAndXLSX(t *testing.T) {
	jsonl := `{"content":"第一条","time":"2024-01-02T15:04:05+08:00","likes":3}` + "\n" + `not json` + "\n" + `{"content":"第三条","time":1704179040}` + "\n"
	f, err := listen.ReadImport(strings.NewReader(jsonl), listen.Mapping{Text: "content", PublishedAt: "time"}, importOpts("a.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 2 || f.ErrorCount != 1 || f.Errors[0].Row != 2 || f.Rows[0].Post.Likes != 3 {
		t.Fatalf("jsonl %+v", f)
	}

	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"内容", "发布时间"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{"表格里的一条", "2024-01-02 15:04"})
	_ = x.SetSheetRow("Sheet1", "A3", &[]any{"序列号日期", 45293.5})
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f, err = listen.ReadImport(&buf, listen.Mapping{}, importOpts("a.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 2 || f.ErrorCount != 0 {
		t.Fatalf("xlsx %+v", f)
	}
	if got := f.Rows[1].Post.PublishedAt; !got.Equal(time.Date(2024, 1, 2, 4, 0, 0, 0, time.UTC)) {
		t.Errorf("serial date %v", got)
	}
}

// wideSheet is the XML of a sheet with a header and rows-1 rows holding
// one value each, in the last column Excel has (XFD): a few bytes of XML
// for a row of 16,384 cells.
func wideSheet(rows int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	b.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>内容</t></is></c><c r="B1" t="inlineStr"><is><t>发布时间</t></is></c></row>`)
	for i := 2; i <= rows; i++ {
		fmt.Fprintf(&b, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, i, i)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.String()
}

// TestReadImportXLSXWideRows: a small workbook whose rows reach column XFD
// is refused once it holds more than MaxImportCells cells, instead of
// expanding into gigabytes (5,000 such rows, 32 KB of XLSX, made 5.7 GB of
// allocations before the limit).
func TestReadImportXLSXWideRows(t *testing.T) {
	t.Parallel()
	valid, _, _ := xlsxSeeds(t)
	rows := listen.MaxImportCells/16384 + 10
	data := rewriteZip(t, valid, "xl/worksheets/sheet1.xml", func(string) string { return wideSheet(rows) })
	if len(data) > 64<<10 {
		t.Fatalf("the workbook has %d bytes; it should stay small", len(data))
	}
	_, err := listen.ReadImport(bytes.NewReader(data), listen.Mapping{}, importOpts("wide.xlsx"))
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != "file" || ae.Fields[0].Key != "error.listen.too_many_cells" {
		t.Fatalf("%d rows of 16,384 cells: err = %v, want file: error.listen.too_many_cells", rows, err)
	}
	// A few such rows are fine: they are rows without text.
	data = rewriteZip(t, valid, "xl/worksheets/sheet1.xml", func(string) string { return wideSheet(4) })
	f, err := listen.ReadImport(bytes.NewReader(data), listen.Mapping{}, importOpts("wide.xlsx"))
	if err != nil || f.Total != 3 || f.ErrorCount != 6 {
		t.Fatalf("3 wide rows: %+v, %v; want 3 rows, each without text or time", f, err)
	}
}

// TestReadImportBounds: a CSV row of thousands of columns, and a small
// workbook whose one long shared text fills many cells, are refused
// before they fill the memory (a 12 KB workbook took 1.8 GB).
func TestReadImportBounds(t *testing.T) {
	t.Parallel()
	fileKey := func(err error) string {
		var ae *apperr.Error
		if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != "file" {
			return fmt.Sprint(err)
		}
		return ae.Fields[0].Key
	}
	wide := "内容,发布时间" + strings.Repeat(",", listen.MaxImportColumns) + "\n闲岚,2024-01-02\n"
	_, err := listen.ReadImport(strings.NewReader(wide), listen.Mapping{}, importOpts("wide.csv"))
	if got := fileKey(err); got != "error.listen.too_many_columns" {
		t.Errorf("%d columns: %s, want error.listen.too_many_columns", listen.MaxImportColumns+2, got)
	}

	valid, _, _ := xlsxSeeds(t)
	long := strings.Repeat("长", 1<<20/3*2) // 2 MB of text, once in the file
	data := rewriteZip(t, valid, "xl/sharedStrings.xml", func(string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>` + long + `</t></si></sst>`
	})
	data = rewriteZip(t, data, "xl/worksheets/sheet1.xml", func(string) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		for i := 1; i <= 40; i++ {
			fmt.Fprintf(&b, `<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>`, i, i)
		}
		b.WriteString(`</sheetData></worksheet>`)
		return b.String()
	})
	if len(data) > 64<<10 {
		t.Fatalf("the workbook has %d bytes; it should stay small", len(data))
	}
	_, err = listen.ReadImport(bytes.NewReader(data), listen.Mapping{}, importOpts("shared.xlsx"))
	if got := fileKey(err); got != "error.listen.too_much_text" {
		t.Errorf("40 cells of one 2 MB shared text: %s, want error.listen.too_much_text", got)
	}
}

func TestParseTimeAndCount(t *testing.T) {
	for _, s := range []string{"2024-01-02 15:04", "2024/1/2 15:04", "2024年1月2日 15:04", "2024-01-02T15:04:00+08:00", "1704179040",
		"2024-01-02 07:04:00+00:00", "2024-01-02 15:04:00+08", "2024-01-02T15:04:00+0800", "2024-01-02 07:04:00 +0000",
		"2024-01-02 07:04:00Z", "2024-01-02 15:04:00 +08:00", "2024-01-02T15:04:00+08"} {
		if tm, ok := listen.ParseTime(s, shanghai); !ok || !tm.Equal(time.Date(2024, 1, 2, 7, 4, 0, 0, time.UTC)) {
			t.Errorf("ParseTime(%q) = %v, %v", s, tm, ok)
		}
	}
	for s, want := range map[string]int64{"1,234": 1234, "1.2万": 12000, "3w": 30000, "": 0} {
		if n, ok := listen.ParseCount(s); !ok || n != want {
			t.Errorf("ParseCount(%q) = %d, %v", s, n, ok)
		}
	}
}

func FuzzReadImportCSV(f *testing.F) {
	f.Add("内容,发布时间\n好,2024-01-02\n", "")
	f.Add("text,published_at\n\"unclosed,2024\n", "text")
	f.Add("\xff\xfe,\x00\n", "")
	f.Fuzz(func(t *testing.T, data, textCol string) {
		file, err := listen.ReadImport(strings.NewReader(data), listen.Mapping{Text: textCol}, importOpts("f.csv"))
		if err != nil {
			return
		}
		if len(file.Rows)+file.ErrorCount < file.Total || len(file.Rows) > file.Total {
			t.Fatalf("rows %d errors %d total %d", len(file.Rows), file.ErrorCount, file.Total)
		}
	})
}

func FuzzReadImportJSONL(f *testing.F) {
	f.Add(`{"text":"好","published_at":"2024-01-02"}` + "\n")
	f.Add("{\"text\":1}\n[]\nnull\n")
	f.Fuzz(func(t *testing.T, data string) {
		file, err := listen.ReadImport(strings.NewReader(data), listen.Mapping{}, importOpts("f.jsonl"))
		if err != nil {
			return
		}
		if len(file.Rows) > file.Total {
			t.Fatalf("rows %d total %d", len(file.Rows), file.Total)
		}
	})
}

// xlsxBytes is a workbook whose first sheet holds rows, from A1.
func xlsxBytes(tb testing.TB, rows ...[]any) []byte {
	tb.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			tb.Fatal(err)
		}
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			tb.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// rewriteZip is the zip data with the file named name passed through edit.
func rewriteZip(tb testing.TB, data []byte, name string, edit func(string) string) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		if f.Name == name {
			b = []byte(edit(string(b)))
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// sheetXML is the XML of the first sheet of an xlsxBytes workbook.
func sheetXML(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var out []byte
	rewriteZip(tb, data, "xl/worksheets/sheet1.xml", func(s string) string {
		out = []byte(s)
		return s
	})
	return out
}

// xlsxSeeds are workbooks for the XLSX fuzz tests: a valid sheet, one
// whose rows a mapping refuses, an empty workbook.
func xlsxSeeds(tb testing.TB) (valid, refused, empty []byte) {
	tb.Helper()
	valid = xlsxBytes(tb,
		[]any{"内容", "作者", "发布时间", "点赞"},
		[]any{"闲岚咖啡真好喝", "小美", "2024-01-02 15:04", 3},
		[]any{"序列号日期", "阿哲", 45293.5, "1.2万"},
	)
	// A bad date, no text, a count that is not one.
	refused = xlsxBytes(tb,
		[]any{"内容", "发布时间", "点赞"},
		[]any{"时间坏了", "昨天", 1},
		[]any{"", "2024-01-02", 1},
		[]any{"赞数坏了", "2024-01-02", "很多"},
	)
	return valid, refused, xlsxBytes(tb)
}

// brokenRows are sheet XMLs with a row the XML gets wrong: a cell
// reference that is no cell, a row number past the last row Excel has.
func brokenRows(sheet []byte) []string {
	return []string{
		strings.Replace(string(sheet), `r="A3"`, `r="3A"`, 1),
		strings.Replace(string(sheet), `<row r="3"`, `<row r="1048577"`, 1),
	}
}

func randomBytes(n int) []byte {
	rnd := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rnd.UintN(256))
	}
	return b
}

// checkImport fails t unless ReadImport gave either rows within the
// import's limits, or an Invalid error saying what is wrong with the file
// or the mapping.
func checkImport(t *testing.T, file *listen.ImportFile, err error) {
	t.Helper()
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
			t.Fatalf("error %v is not an Invalid error on a field", err)
		}
		for _, fe := range ae.Fields {
			if fe.Key == "" || !(fe.Field == "file" || strings.HasPrefix(fe.Field, "mapping.")) {
				t.Fatalf("error %v: field %q key %q", err, fe.Field, fe.Key)
			}
		}
		return
	}
	if len(file.Columns) == 0 {
		t.Fatalf("no columns")
	}
	if file.Total > listen.MaxImportRows || len(file.Rows) > file.Total || len(file.Rows)+file.ErrorCount < file.Total {
		t.Fatalf("rows %d errors %d total %d", len(file.Rows), file.ErrorCount, file.Total)
	}
	if len(file.Errors) > listen.MaxRowErrors || len(file.Errors) > file.ErrorCount {
		t.Fatalf("%d row errors kept of %d", len(file.Errors), file.ErrorCount)
	}
	for _, r := range file.Rows {
		if r.Row < 2 || strings.TrimSpace(r.Post.Text) == "" || len(r.Post.Text) > listen.MaxPostBytes || r.Post.PublishedAt.IsZero() {
			t.Fatalf("row %+v", r)
		}
	}
}

// FuzzReadImportXLSX: whatever the bytes of an uploaded workbook, reading
// it does not panic and gives either rows within the import's limits, or
// an Invalid error saying what is wrong with the file or the mapping.
func FuzzReadImportXLSX(f *testing.F) {
	valid, refused, empty := xlsxSeeds(f)
	f.Add(valid)
	f.Add(refused)
	f.Add(empty)
	for _, sheet := range brokenRows(sheetXML(f, valid)) {
		f.Add(rewriteZip(f, valid, "xl/worksheets/sheet1.xml", func(string) string { return sheet }))
	}
	f.Add(valid[:len(valid)/2])
	f.Add([]byte("PK\x03\x04"))
	f.Add(randomBytes(512))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := listen.ReadImport(bytes.NewReader(data), listen.Mapping{}, importOpts("f.xlsx"))
		checkImport(t, file, err)
		if err == nil && file.Format != "xlsx" {
			t.Fatalf("format %q", file.Format)
		}
	})
}

// FuzzReadImportSheetXML is FuzzReadImportXLSX on the XML of the first
// sheet of a valid workbook: mutated zip bytes rarely get past the zip's
// checksums, mutated XML reaches the rows.
func FuzzReadImportSheetXML(f *testing.F) {
	valid, refused, empty := xlsxSeeds(f)
	for _, b := range [][]byte{valid, refused, empty} {
		f.Add(sheetXML(f, b))
	}
	for _, sheet := range brokenRows(sheetXML(f, valid)) {
		f.Add([]byte(sheet))
	}
	f.Add([]byte(wideSheet(3)))
	f.Add(randomBytes(512))
	f.Fuzz(func(t *testing.T, sheet []byte) {
		data := rewriteZip(t, valid, "xl/worksheets/sheet1.xml", func(string) string { return string(sheet) })
		file, err := listen.ReadImport(bytes.NewReader(data), listen.Mapping{}, importOpts("f.xlsx"))
		checkImport(t, file, err)
	})
}

// TestReadImportCSVEncodings: a CSV in GB18030 (Excel's Chinese default)
// is decoded; one in UTF-8 with a character cut short (exports that
// shorten texts by bytes) stays UTF-8, the cut character as U+FFFD, where
// the whole file was decoded as GB18030 and its header no longer named
// any column.
func TestReadImportCSVEncodings(t *testing.T) {
	t.Parallel()
	const csv = "内容,发布时间\n闲岚新品发布，质量很好,2026-03-01 10:00\n评论截断,2026-03-01 11:00\n"
	gbk, err := simplifiedchinese.GB18030.NewEncoder().String(csv)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, file, want string }{
		{"GB18030", gbk, "评论截断"},
		{"UTF-8 with a cut character", strings.Replace(csv, "评论截断", "评论截断\xe5\x93", 1), "评论截断\uFFFD"},
		{"UTF-8 with a BOM", "\uFEFF" + csv, "评论截断"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := listen.ReadImport(strings.NewReader(tt.file), listen.Mapping{}, importOpts("export.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Rows) != 2 || f.Rows[0].Post.Text != "闲岚新品发布，质量很好" || f.Rows[1].Post.Text != tt.want {
				t.Errorf("rows %+v, errors %+v; want 闲岚新品发布，质量很好 and %q", f.Rows, f.Errors, tt.want)
			}
		})
	}
}

// TestReadImportCSVUnclosedQuote: a CSV cell that opens a quote it never
// closes is refused with the line it starts on, where it took every line
// after it as its text and those rows vanished without an error; bare
// quotes inside a cell and quoted cells across lines are still read.
func TestReadImportCSVUnclosedQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		line, rows int
	}{
		{"unclosed, rows after it", "内容,发布时间\nx,2026-03-01\n\"unclosed,2026-03-01\nok,2026-03-01\nok too,2026-03-01\n", 3, 0},
		{"unclosed, no last newline", "内容,发布时间\n\"unclosed,2026-03-01\nok,2026-03-01", 2, 0},
		{"bare quotes in a cell", "内容,发布时间\n他说\"好\",2026-03-01\n\"abc\"def\",2026-03-01\n", 0, 2},
		{"a quoted cell across lines", "内容,发布时间\nx,2026-03-01\n\"multi\nline\",2026-03-01\n", 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := listen.ReadImport(strings.NewReader(tt.file), listen.Mapping{}, importOpts("export.csv"))
			if tt.line == 0 {
				if err != nil || len(f.Rows) != tt.rows {
					t.Fatalf("ReadImport = %v; want %d rows", err, tt.rows)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Key != "error.listen.csv" || ae.Fields[0].Args["Line"] != tt.line {
				t.Errorf("ReadImport = %v; want error.listen.csv at line %d", err, tt.line)
			}
		})
	}
}

// TestImportRowShowsAllItsErrors: a row wrong in several ways shows every
// mistake in the preview, where a date or count that did not parse hid
// the rest (a missing text, a link that is not http), so that fixing one
// only revealed the next; a date that did not parse is not also missing.
func TestImportRowShowsAllItsErrors(t *testing.T) {
	for _, tt := range []struct {
		name, row string
		want      []string
	}{
		{"bad date, no text", ",x,昨天,1,https://a.example", []string{"published_at error.listen.date", "text error.required"}},
		{"bad count, bad link", "正文,x,2024-01-02,很多,ftp://a.example", []string{"likes error.listen.number", "url error.listen.url"}},
		{"no date, no text", ",x,,1,", []string{"text error.required", "published_at error.required"}},
		{"only a bad date", "正文,x,昨天,1,", []string{"published_at error.listen.date"}},
		{"a scheme in capitals", "正文,x,2024-01-02,1,HTTPS://a.example/1", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := listen.ReadImport(strings.NewReader("内容,作者,发布时间,点赞,链接\n"+tt.row+"\n"), listen.Mapping{}, importOpts("x.csv"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range f.Errors {
				got = append(got, e.Field+" "+e.Key)
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") || f.ErrorCount != len(tt.want) {
				t.Errorf("errors %q (count %d), want %q", got, f.ErrorCount, tt.want)
			}
		})
	}
}
