package sentiment

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// features returns the multiset of feature hashes of text.
func features(text string) map[uint64]int {
	got := map[uint64]int{}
	extract(text, func(h uint64) { got[h]++ })
	return got
}

func charUnit(r rune) uint64 { return mix(uint64(r) ^ saltChar) }

func wordUnit(w string) uint64 {
	var u uint64
	extractUnits(w, func(h uint64) { u = h })
	return u
}

func negated(u uint64) uint64 { return mix(u ^ saltNeg) }

func TestExtract(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		text string
		want []uint64 // features that must be present
		not  []uint64 // features that must be absent
	}{
		{"negation scopes the next characters", "不太好吃", []uint64{negated(charUnit('好')), negated(charUnit('吃')), metaHashes[metaNegation]}, nil},
		{"no negation without a negator", "好吃", []uint64{charUnit('好')}, []uint64{negated(charUnit('好')), metaHashes[metaNegation]}},
		{"a comma ends the scope", "不，好", []uint64{metaHashes[metaNegation]}, []uint64{negated(charUnit('好'))}},
		{"scope is four characters", "没有一二三四五", []uint64{negated(charUnit('四'))}, []uint64{negated(charUnit('五'))}},
		{"毫无 negates", "毫无新意", []uint64{negated(charUnit('新'))}, nil},
		{"非常 is a degree word, not a negation", "非常好", []uint64{metaHashes[metaDegree], metaHashes[metaLexPos]}, []uint64{negated(charUnit('好')), metaHashes[metaLexPosNegated]}},
		{"negated positive cue flips", "不满意", []uint64{metaHashes[metaLexNeg]}, nil},
		{"a cue holding its negator does not flip", "不错", []uint64{metaHashes[metaLexPos]}, []uint64{metaHashes[metaLexPosNegated]}},
		{"English n't scopes three words", "I don't like it at all", []uint64{negated(wordUnit("like")), negated(wordUnit("it")), negated(wordUnit("at")), metaHashes[metaLexPosNegated]}, []uint64{negated(wordUnit("all"))}},
		{"English never", "never again", []uint64{negated(wordUnit("again"))}, nil},
		{"Weibo emoticon is one unit", "好[哈哈]", []uint64{wordUnit("[哈哈]"), metaHashes[metaBracket], metaHashes[metaLexStrongPos]}, []uint64{charUnit('哈')}},
		{"[doge] too", "[doge]", []uint64{wordUnit("[doge]"), metaHashes[metaBracket]}, []uint64{wordUnit("doge")}},
		{"a long bracket is punctuation", "[这不是一个表情符号啊]", []uint64{charUnit('这')}, []uint64{metaHashes[metaBracket]}},
		{"emoji", "好😡", []uint64{metaHashes[metaEmoji], metaHashes[metaLexStrongNeg]}, nil},
		{"emoticon", "great :)", []uint64{wordUnit(":)")}, nil},
		{"mixed zh/en: words and characters", "iPhone很好用", []uint64{wordUnit("iphone"), charUnit('很'), metaHashes[metaHasCJK]}, []uint64{metaHashes[metaLatinOnly]}},
		{"case and width folded", "ＧＯＯＤ", []uint64{wordUnit("good"), metaHashes[metaLatinOnly]}, nil},
		{"exclamations", "好！！！", []uint64{metaHashes[metaExcl1], metaHashes[metaExcl3]}, []uint64{metaHashes[metaQuest1]}},
		{"question", "真的吗?", []uint64{metaHashes[metaQuest1]}, nil},
		{"invalid UTF-8 is skipped", "好\xff\xfe吃", []uint64{charUnit('好'), charUnit('吃')}, []uint64{ngram2(charUnit('好'), charUnit('吃'))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := features(c.text)
			for i, h := range c.want {
				if got[h] == 0 {
					t.Errorf("%q lacks wanted feature #%d", c.text, i)
				}
			}
			for i, h := range c.not {
				if got[h] != 0 {
					t.Errorf("%q has unwanted feature #%d", c.text, i)
				}
			}
		})
	}
}

func TestDefaultModelClassifiesObviousTexts(t *testing.T) {
	t.Parallel()
	m := Default()
	cases := []struct {
		text    string
		want    Label
		emotion Emotion // UnknownEmotion: not checked
	}{
		{"太好吃了，强烈推荐[哈哈]", Positive, Happy},
		{"质量太差，再也不买了[怒]", Negative, Angry},
		{"I love it", Positive, UnknownEmotion},
		{"worst service ever", Negative, UnknownEmotion},
		{"不好吃，很失望", Negative, UnknownEmotion},
		{"客服态度非常好，物流也快", Positive, UnknownEmotion},
		{"好难过，外婆走了，哭了一晚上[泪]", Negative, Sad},
		{"好害怕，半夜楼道里有奇怪的声音，不敢出门", Negative, Fear},
		// Nothing to read is neutral, not the model's prior.
		{"", Neutral, Calm},
		{" \t\u3000", Neutral, Calm},
	}
	for _, c := range cases {
		r := m.Classify(c.text)
		if r.Label != c.want || (c.emotion != UnknownEmotion && r.Emotion != c.emotion) {
			t.Errorf("Classify(%q) = %v %v %+v, want %v %v", c.text, r.Label, r.Emotion, r.Scores, c.want, c.emotion)
		}
	}
}

func TestEmotionSentiment(t *testing.T) {
	t.Parallel()
	cases := []struct {
		e    Emotion
		want Label
		ok   bool
	}{
		{Happy, Positive, true},
		{Angry, Negative, true},
		{Sad, Negative, true},
		{Fear, Negative, true},
		{Calm, Neutral, true},
		{Surprise, 0, false},
		{UnknownEmotion, 0, false},
		{Calm + 1, 0, false},
	}
	for _, c := range cases {
		if got, ok := c.e.Sentiment(); got != c.want || ok != c.ok {
			t.Errorf("%v.Sentiment() = %v, %v; want %v, %v", c.e, got, ok, c.want, c.ok)
		}
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	bit := func(es ...Emotion) uint8 {
		var b uint8
		for _, e := range es {
			b |= 1 << e.output()
		}
		return b
	}
	all := bit(Happy, Angry, Sad, Fear, Surprise, Calm)
	cases := []struct {
		name        string
		e           Example
		want, among uint8
	}{
		{"an emotion is its own output among all", Example{Label: Negative, Emotion: Sad}, bit(Sad), all},
		{"surprise", Example{Emotion: Surprise}, bit(Surprise), all},
		{"negative is the sum of three emotions", Example{Label: Negative}, bit(Angry, Sad, Fear), all &^ bit(Surprise)},
		{"neutral", Example{Label: Neutral}, bit(Calm), all &^ bit(Surprise)},
		{"binary leaves neutral out", Example{Label: Positive, Binary: true}, bit(Happy), bit(Happy, Angry, Sad, Fear)},
		{"binary negative", Example{Label: Negative, Binary: true}, bit(Angry, Sad, Fear), bit(Happy, Angry, Sad, Fear)},
	}
	for _, c := range cases {
		if want, among := targets(c.e); want != c.want || among != c.among {
			t.Errorf("%s: targets = %06b, %06b; want %06b, %06b", c.name, want, among, c.want, c.among)
		}
	}
}

func TestEvaluateEmotions(t *testing.T) {
	t.Parallel()
	m := Default()
	var es []Example
	for _, text := range []string{"太好吃了[哈哈]", "气死我了[怒]", "今天开会"} {
		es = append(es, Example{Text: text, Emotion: m.Classify(text).Emotion})
	}
	if mt := EvaluateEmotions(m, es); mt.N != 3 || mt.Accuracy != 1 {
		t.Errorf("labelled with its own predictions: %+v, want accuracy 1 on 3", mt)
	}
	es[0].Emotion = Surprise
	if mt := EvaluateEmotions(m, es); mt.Accuracy > 0.67 || mt.Confusion[Surprise.output()][m.Classify(es[0].Text).Emotion.output()] != 1 {
		t.Errorf("one wrong label: %+v", mt)
	}
}

func TestCalibrateShiftsTowardsTheDevPriors(t *testing.T) {
	t.Parallel()
	// A model that learnt happy 6 : neutral 5 for two ambiguous texts,
	// calibrated on a dev part that calls the Chinese one neutral: only a
	// higher neutral offset can raise the macro-F1.
	var train []Example
	for i := range 11 {
		e := Happy
		if i%2 == 1 {
			e = Calm
		}
		train = append(train, Example{Text: "嗯嗯还行", Emotion: e}, Example{Text: "hmm okay", Emotion: e})
	}
	m := Train(train, TrainOptions{Bits: 12})
	uncalibrated := *m
	dev := []Example{{Text: "嗯嗯还行", Emotion: Calm}, {Text: "嗯嗯还行", Emotion: Calm}}
	if got := m.Classify(dev[0].Text).Emotion; got != Happy {
		t.Fatalf("before calibration %q is %v, want happy", dev[0].Text, got)
	}
	before, after := Calibrate(m, dev)
	if after <= before || m.EmotionOffset(Calm) <= m.EmotionOffset(Happy) {
		t.Fatalf("macro-F1 %v → %v, offsets neutral %v happy %v: want a higher F1 from a larger neutral offset",
			before, after, m.EmotionOffset(Calm), m.EmotionOffset(Happy))
	}
	if got := EvaluateEmotions(m, dev).MacroF1; math.Abs(got-after) > 1e-9 {
		t.Errorf("calibrated model scores %v on dev, Calibrate said %v", got, after)
	}
	a, b := uncalibrated.Classify(dev[0].Text), m.Classify(dev[0].Text)
	if b.Emotion != Calm || a.Scores != b.Scores {
		t.Errorf("after calibration %q is %+v (before %+v): want neutral, same scores", dev[0].Text, b, a)
	}
	// The offsets are for Chinese posts: English keeps the trained priors.
	if a, b := uncalibrated.Classify("hmm okay"), m.Classify("hmm okay"); a != b {
		t.Errorf("offsets changed an English text: %+v then %+v", a, b)
	}
	again := roundTrip(t, m)
	if got := again.Classify(dev[0].Text); got != b {
		t.Errorf("round trip changed %q: %+v then %+v", dev[0].Text, b, got)
	}
}

// roundTrip saves m and loads it again.
func roundTrip(t *testing.T, m *Model) *Model {
	t.Helper()
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	again, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return again
}

func TestEmbeddedModel(t *testing.T) {
	t.Parallel()
	if len(embedded) >= 3<<20 {
		t.Errorf("model.bin is %d bytes, want < 3 MB", len(embedded))
	}
	// How fast it loads (< 1 s) is BenchmarkLoad's to measure: a timed
	// test fails on a busy machine.
	m, err := Load(bytes.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	again := roundTrip(t, m)
	for _, text := range []string{"太好吃了", "worst service ever", "今天开会"} {
		if a, b := m.Classify(text), again.Classify(text); a != b {
			t.Errorf("round trip changed %q: %+v then %+v", text, a, b)
		}
	}
}

func TestLoadRefusesOtherFiles(t *testing.T) {
	t.Parallel()
	for _, b := range [][]byte{nil, []byte("not gzip"), embedded[:len(embedded)/2]} {
		if _, err := Load(bytes.NewReader(b)); !errors.Is(err, ErrModelFormat) {
			t.Errorf("Load(%d bytes) = %v, want ErrModelFormat", len(b), err)
		}
	}
}

func TestSplitIsReproducible(t *testing.T) {
	t.Parallel()
	var all []Example
	for i := range 101 {
		all = append(all, Example{Text: strings.Repeat("x", i)})
	}
	tr1, te1 := Split(all, 0.2, 42)
	tr2, te2 := Split(all, 0.2, 42)
	if len(te1) != 21 || len(tr1) != 80 {
		t.Fatalf("split sizes %d/%d, want 80/21 (test = ceil(0.2·n))", len(tr1), len(te1))
	}
	for i := range te1 {
		if te1[i] != te2[i] {
			t.Fatal("same seed, different split")
		}
	}
	if len(tr2) != len(tr1) {
		t.Fatal("same seed, different split")
	}
	// The test indices are fixed by SplitMix64(42) and Fisher–Yates: pin
	// them, since a change would silently move the shared test splits.
	var got []int
	for _, e := range te1[:5] {
		got = append(got, len(e.Text))
	}
	if want := []int{0, 8, 11, 19, 21}; !slices.Equal(got, want) {
		t.Errorf("first test indices %v, want %v", got, want)
	}
}

func TestReadLabelledCSV(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		csv     string
		wantN   int
		wantRow int
		wantMsg string
	}{
		{"good", "text,label\n好吃,positive\n难吃,negative\n\"开会, 三点\",neutral\n", 3, 0, ""},
		{"columns in any order", "id,label,text\n1,neg,差\n", 1, 0, ""},
		{"bad label", "text,label\n好吃,positive\n难吃,bad\n", 0, 3, `label "bad"`},
		{"empty text", "text,label\n好吃,positive\n ,negative\n", 0, 3, "text is empty"},
		{"missing column", "text,label\n好吃,positive\n难吃\n", 0, 3, "1 columns"},
		{"no header", "好吃,positive\n", 0, 1, "lacks a text or a label column"},
		{"chinese labels", "text,label\n好吃,正面\n一般,中性\n难吃,负面\n", 3, 0, ""},
		{"empty file", "", 0, 1, "empty"},
		{"broken quote", "text,label\n\"好吃,positive\n", 0, 2, ""},
		{"broken quote after a text of two lines", "text,label\n\"好吃\n又便宜\",positive\n\"难\"吃,negative\n", 0, 3, "line 4 of the file"},
		{"bad label after a text of two lines", "text,label\n\"好吃\n又便宜\",positive\n难吃,bad\n", 0, 3, "label"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadLabelledCSV(strings.NewReader(c.csv))
			if c.wantRow == 0 {
				if err != nil || len(got) != c.wantN {
					t.Fatalf("got %d examples, %v; want %d, no error", len(got), err, c.wantN)
				}
				return
			}
			var re *RowError
			if !errors.As(err, &re) || re.Row != c.wantRow || !strings.Contains(re.Problem, c.wantMsg) {
				t.Fatalf("error %v, want row %d saying %q", err, c.wantRow, c.wantMsg)
			}
		})
	}
}

// workspaceExamples are texts in a workspace's own jargon: made-up product
// words the base model cannot know.
func workspaceExamples() []Example {
	var out []Example
	for i := range 60 {
		n := string(rune('A' + i%26))
		out = append(out,
			Example{Text: "小杯 zorbly 款 " + n, Label: Positive},
			Example{Text: "小杯 blargh 款 " + n, Label: Negative},
			Example{Text: "小杯 quoxen 款 " + n, Label: Neutral},
		)
	}
	return out
}

func TestRetrainKeepsTheBetterModel(t *testing.T) {
	t.Parallel()
	base := Default()
	t.Run("new model better", func(t *testing.T) {
		m, rep, err := Retrain(base, workspaceExamples(), TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Better || rep.New.MacroF1 <= rep.Current.MacroF1 || rep.HeldOut != 36 {
			t.Fatalf("report %+v, want the new model better on 36 held-out rows", rep)
		}
		if got := m.Classify("小杯 zorbly 款 Q").Label; got != Positive {
			t.Errorf("fine-tuned model says %v", got)
		}
	})
	t.Run("new model worse", func(t *testing.T) {
		// Teach the training part wrongly and keep the held-out part
		// right: the training rows' words move to another label's word,
		// their labels stay, so each label keeps its rows in order and
		// SplitByLabel holds out the same ones.
		all := workspaceExamples()
		for i := range all {
			all[i].Text += " #" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		}
		_, held := SplitByLabel(all)
		isHeld := map[string]bool{}
		for _, e := range held {
			isHeld[e.Text] = true
		}
		// First a model that knows the right answers…
		good, _, err := Retrain(base, all, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wrong := strings.NewReplacer("zorbly", "blargh", "blargh", "quoxen", "quoxen", "zorbly")
		for i := range all {
			if !isHeld[all[i].Text] {
				all[i].Text = wrong.Replace(all[i].Text)
			}
		}
		if _, again := SplitByLabel(all); !slices.Equal(again, held) {
			t.Fatal("the held-out rows changed")
		}
		// …then retraining it on wrong words must not replace it.
		_, rep, err := Retrain(good, all, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Better {
			t.Fatalf("report %+v: a worse model would replace the current one", rep)
		}
	})
	t.Run("too few rows", func(t *testing.T) {
		if _, _, err := Retrain(base, workspaceExamples()[:5], TrainOptions{}); err == nil {
			t.Fatal("no error for 5 rows")
		}
	})
	t.Run("one label", func(t *testing.T) {
		var one []Example
		for _, e := range workspaceExamples() {
			if e.Label == Positive {
				one = append(one, e)
			}
		}
		if _, _, err := Retrain(base, one[:30], TrainOptions{}); err == nil || !strings.Contains(err.Error(), "30 positive, 0 neutral and 0 negative") {
			t.Fatalf("30 positive rows: %v; want them refused, the counts named", err)
		}
	})
	t.Run("few of a second label", func(t *testing.T) {
		var ex []Example
		for _, e := range workspaceExamples() {
			if e.Label == Positive && len(ex) < 25 || e.Label == Negative && len(ex) >= 25 && len(ex) < 30 {
				ex = append(ex, e)
			}
		}
		_, rep, err := Retrain(base, ex, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, held := SplitByLabel(ex); rep.HeldOut != 6 || !slices.ContainsFunc(held, func(e Example) bool { return e.Label == Negative }) {
			t.Errorf("held out %d rows (%+v); want 6, a negative among them", rep.HeldOut, held)
		}
	})
}

func TestTrainIsDeterministic(t *testing.T) {
	t.Parallel()
	ex := workspaceExamples()
	var a, b bytes.Buffer
	Train(ex, TrainOptions{Bits: 12}).WriteTo(&a)
	Train(ex, TrainOptions{Bits: 12}).WriteTo(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two trainings on the same data differ")
	}
}

// BenchmarkClassify measures throughput on one core over the real SMP test
// texts (run with -cpu 1); it reports texts/s.
// BenchmarkLoad measures loading the embedded model: gunzip and decode
// into the in-memory tables (the model card records it; < 1 s wanted).
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(bytes.NewReader(embedded)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	texts, err := loadSMP("../../../../shared/data/smp2020_ewect/raw/usual_test_labeled.txt")
	if err != nil {
		if os.IsNotExist(err) || errors.Is(err, os.ErrNotExist) {
			b.Skip("shared data not found:", err)
		}
		b.Fatal(err)
	}
	m := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Classify(texts[i%len(texts)].Text)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}

// TestFineTuneKeepsUntouchedBuckets: fine-tuning trains only the buckets
// its examples reach; every other bucket keeps the initial model's
// weights (up to the new file's quantisation), and reached ones move.
func TestFineTuneKeepsUntouchedBuckets(t *testing.T) {
	t.Parallel()
	base := Default()
	ex := workspaceExamples()
	reached := map[uint64]bool{}
	shift := 64 - uint(base.bits)
	for _, e := range ex {
		extract(e.Text, func(h uint64) { reached[h>>shift] = true })
	}
	before, after := base.floats(), Train(ex, TrainOptions{Init: base}).floats()
	var top [numOutputs]float64
	for j, v := range before {
		top[j%numOutputs] = math.Max(top[j%numOutputs], math.Abs(float64(v)))
	}
	kept, moved := 0, 0
	for b := range uint64(1) << base.bits {
		for o := range numOutputs {
			j := int(b)*numOutputs + o
			diff := math.Abs(float64(after[j] - before[j]))
			switch {
			case reached[b] && diff > 0:
				moved++
			case !reached[b] && diff > 0.02*top[o]:
				t.Fatalf("bucket %d output %d was reached by no example but moved from %g to %g", b, o, before[j], after[j])
			case !reached[b] && before[j] != 0:
				kept++
			}
		}
	}
	if kept < 1_000_000 || moved == 0 {
		t.Errorf("%d untouched weights kept, %d reached weights moved; want the base model's and some moved", kept, moved)
	}
}

// TestQuoteCSVText: texts a spreadsheet would run as formulas get an
// apostrophe, and ReadLabelledCSV reads every text back as it was.
func TestQuoteCSVText(t *testing.T) {
	for _, tt := range []struct{ in, quoted string }{
		{`=HYPERLINK("http://evil.example","点我")`, `'=HYPERLINK("http://evil.example","点我")`},
		{"+86 138", "'+86 138"},
		{"-1 分", "'-1 分"},
		{"@闲岚咖啡 好喝", "'@闲岚咖啡 好喝"},
		{"\t=1", "'\t=1"},
		{"'=1", "''=1"},
		{"''", "'''"},
		{"好喝 = 推荐", "好喝 = 推荐"},
		{"'引号'", "'引号'"},
		{"", ""},
	} {
		if got := QuoteCSVText(tt.in); got != tt.quoted {
			t.Errorf("QuoteCSVText(%q) = %q; want %q", tt.in, got, tt.quoted)
		}
		if got := UnquoteCSVText(tt.quoted); got != tt.in {
			t.Errorf("UnquoteCSVText(%q) = %q; want %q", tt.quoted, got, tt.in)
		}
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	texts := []string{`=HYPERLINK("x")`, "@品牌 不错", "'=1", "普通的一句话"}
	_ = w.Write([]string{"text", "label"})
	for _, s := range texts {
		_ = w.Write([]string{QuoteCSVText(s), "neutral"})
	}
	w.Flush()
	got, err := ReadLabelledCSV(strings.NewReader(b.String()))
	if err != nil || len(got) != len(texts) {
		t.Fatalf("ReadLabelledCSV = %v, %v", got, err)
	}
	for i, s := range texts {
		if got[i].Text != s {
			t.Errorf("row %d read back as %q; want %q", i, got[i].Text, s)
		}
	}
}
