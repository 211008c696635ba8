package apperr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fill func(fs *Fields)
		want []string // field:key
	}{
		{"nothing wrong", func(fs *Fields) { fs.Text("name", "茶", 1, true); fs.OneOf("k", "a", []string{"a", "b"}) }, nil},
		{"required", func(fs *Fields) { fs.Text("name", "  ", 10, true) }, []string{"name:error.required"}},
		{"too long counts runes", func(fs *Fields) { fs.Text("name", "好茶不贵", 3, false) }, []string{"name:error.too_long"}},
		{"not one of", func(fs *Fields) { fs.OneOf("kind", "x", []string{"a"}) }, []string{"kind:error.one_of"}},
		{"nested", func(fs *Fields) {
			var inner Fields
			inner.Add("start", "error.required")
			fs.Nest("phases[1].", inner.Err())
		}, []string{"phases[1].start:error.required"}},
		{"nested value wrong as a whole", func(fs *Fields) {
			var v struct{ Share int }
			fs.Nest("mix[2].", DecodeJSON([]byte(`"half"`), &v))
			fs.Nest("", DecodeJSON([]byte(`null`), &v))
		}, []string{"mix[2]:error.json_type", "body:error.json_type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var fs Fields
			tt.fill(&fs)
			var got []string
			for _, f := range fs {
				got = append(got, f.Field+":"+f.Key)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if (fs.Err() == nil) != (len(tt.want) == 0) || (fs.Err() != nil && CodeOf(fs.Err()) != Invalid) {
				t.Errorf("Err() = %v", fs.Err())
			}
		})
	}
}

// TestFieldsQuoteBounded: an error repeats at most a bounded part of the
// input it quotes, a value or a field named by a client's key, the cut
// marked; short ones stay as they are.
func TestFieldsQuoteBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("长", 100_000)
	tests := []struct {
		name      string
		fill      func(fs *Fields)
		field     string
		value     any
		wantField int // runes, with the ellipsis
		wantValue int
	}{
		{"one of", func(fs *Fields) { fs.OneOf("kind", long, []string{"a"}) }, "kind", nil, 4, maxValueRunes + 1},
		{"value of Add", func(fs *Fields) { fs.Add("start", "error.campaign.date", "Value", long) }, "start", nil, 5, maxValueRunes + 1},
		{"nested", func(fs *Fields) { var in Fields; in.OneOf("kind", long, nil); fs.Nest("mix[0].", in.Err()) }, "", nil, 11, maxValueRunes + 1},
		{"client's key", func(fs *Fields) { fs.Add("config."+long, "error.source_config_key") }, "", nil, maxFieldRunes + 1, -1},
		{"short stays", func(fs *Fields) { fs.OneOf("kind", "bribe", []string{"a"}) }, "kind", "bribe", 4, 5},
		{"not text stays", func(fs *Fields) { fs.Add("ids[0]", "error.duplicate", "Value", int64(7)) }, "ids[0]", int64(7), 6, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var fs Fields
			tt.fill(&fs)
			f := fs[0]
			if n := len([]rune(f.Field)); n != tt.wantField || (tt.field != "" && f.Field != tt.field) {
				t.Errorf("field %.40q… has %d runes, want %d", f.Field, n, tt.wantField)
			}
			v, isText := f.Args["Value"].(string)
			switch {
			case tt.wantValue < 0 && tt.value != nil && f.Args["Value"] != tt.value:
				t.Errorf("value = %v, want %v", f.Args["Value"], tt.value)
			case tt.wantValue >= 0 && (!isText || len([]rune(v)) != tt.wantValue):
				t.Errorf("value %.40q… has %d runes, want %d", v, len([]rune(v)), tt.wantValue)
			case tt.wantValue > 5 && !strings.HasSuffix(v, "…"):
				t.Errorf("value %.40q… does not mark the cut", v)
			}
		})
	}
}

// TestFieldsBounded: a million bad items give MaxFieldErrors errors and
// one saying there are more, directly or nested.
func TestFieldsBounded(t *testing.T) {
	t.Parallel()
	var inner Fields
	for i := range 1_000_000 {
		inner.Add(fmt.Sprintf("ids[%d]", i), "error.negative")
	}
	var fs Fields
	fs.Add("name", "error.required")
	fs.Nest("campaign.", inner.Err())
	if len(inner) != MaxFieldErrors+1 || len(fs) != MaxFieldErrors+1 {
		t.Fatalf("%d and %d errors; want %d each", len(inner), len(fs), MaxFieldErrors+1)
	}
	if last := fs[len(fs)-1]; last.Key != "error.too_many_errors" || fs[0].Field != "name" {
		t.Errorf("first %+v, last %+v; want name first and the too-many error last", fs[0], last)
	}
}

func TestCodeOfAndWrap(t *testing.T) {
	t.Parallel()
	cause := errors.New("disk on fire")
	w := Wrap(cause, "save campaign")
	if CodeOf(w) != Internal || !errors.Is(w, cause) || !strings.Contains(w.Error(), "save campaign") {
		t.Errorf("Wrap: %v", w)
	}
	nf := NotFoundf("campaign")
	if Wrap(nf, "x") != error(nf) || !Is(fmt.Errorf("ctx: %w", nf), NotFound) {
		t.Error("Wrap must keep application errors; Is must see through wrapping")
	}
	if CodeOf(nil) != "" || CodeOf(cause) != Internal {
		t.Error("CodeOf of nil and of foreign errors")
	}
}
