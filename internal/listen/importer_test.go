package listen_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

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

func TestParseTimeAndCount(t *testing.T) {
	for _, s := range []string{"2024-01-02 15:04", "2024/1/2 15:04", "2024年1月2日 15:04", "2024-01-02T15:04:00+08:00", "1704179040"} {
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
