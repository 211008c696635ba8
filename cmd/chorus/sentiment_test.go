package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chorus-hq/chorus/internal/listen/sentiment"
	"github.com/chorus-hq/chorus/internal/listen/textnorm"
)

// runIn executes the CLI in-process with stdin.
func runIn(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestSentimentCommand(t *testing.T) {
	t.Parallel()
	in := "太好吃了，强烈推荐[哈哈]\n质量太差，再也不买了[怒]\r\nI love it\n\n\xff\xfe broken\n" + strings.Repeat("好", 1<<20) + "\nworst service ever"
	out, err := runIn(t, in, "sentiment")
	if err != nil {
		t.Fatal(describe(err))
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{"positive", "negative", "positive", "neutral", "", "", "negative"}
	if len(lines) != len(want) {
		t.Fatalf("%d output lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, l := range lines {
		var got struct {
			Label  string             `json:"label"`
			Scores map[string]float64 `json:"scores"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
		sum := got.Scores["positive"] + got.Scores["neutral"] + got.Scores["negative"]
		if sum < 0.99995 || sum > 1.00005 || len(got.Scores) != 3 {
			t.Errorf("line %d scores %v sum to %v", i+1, got.Scores, sum)
		}
		if want[i] != "" && got.Label != want[i] {
			t.Errorf("line %d label %q, want %q", i+1, got.Label, want[i])
		}
	}
	if !strings.Contains(lines[0], `"positive":0.`) || strings.Count(lines[0], ".") != 3 {
		t.Errorf("line 1 %q: want 4-decimal scores", lines[0])
	}
}

// TestSentimentAsThePipeline: chorus sentiment gives a line the label and
// scores a stored mention of it gets, the pipeline classifying the
// normalized text without its links: a traditional complaint is as
// negative as its simplified reading, and the words of a link do not turn
// a happy post negative.
func TestSentimentAsThePipeline(t *testing.T) {
	t.Parallel()
	texts := []string{
		"太棒了 https://example.com/very/bad/awful/terrible",
		"這個手機真的很爛，軟體一直當機",
		"ＧＯＯＤ　ＪＯＢ",
	}
	out, err := runIn(t, strings.Join(texts, "\n"), "sentiment")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	m := sentiment.Default()
	for _, text := range texts {
		r := m.Classify(textnorm.Normalize(text).Norm)
		pos, neg := round4(r.Scores.Positive), round4(r.Scores.Negative)
		fmt.Fprintf(&want, `{"label":"%s","scores":{"positive":%s,"neutral":%s,"negative":%s}}`+"\n",
			r.Label, appendFixed4(nil, pos), appendFixed4(nil, 10000-pos-neg), appendFixed4(nil, neg))
	}
	if out != want.String() {
		t.Errorf("chorus sentiment printed\n%s\nwant what the pipeline gives\n%s", out, want.String())
	}
	if !strings.HasPrefix(out, `{"label":"positive"`) {
		t.Errorf("a happy post with a link reads %s", strings.SplitN(out, "\n", 2)[0])
	}
}

func TestListenTrainCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("text,label\n")
	for i := range 40 {
		n := string(rune('A' + i%26))
		csv.WriteString("小杯 zorbly 款 " + n + ",positive\n小杯 blargh 款 " + n + ",negative\n小杯 quoxen 款 " + n + ",neutral\n")
	}
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte(csv.String()), 0o600)
	os.WriteFile(bad, []byte("text,label\n好吃,positive\n难吃,terrible\n"), 0o600)
	model := filepath.Join(dir, "ws", "model.bin")
	data := filepath.Join(dir, "data")
	for _, args := range [][]string{
		{"migrate"},
		{"user", "create", "--email", "owner@example.com", "--password", "a long password"},
		{"workspace", "create", "--slug", "acme", "--name", "Acme", "--owner", "owner@example.com"},
	} {
		if _, err := runIn(t, "", append([]string{"--data", data}, args...)...); err != nil {
			t.Fatal(describe(err))
		}
	}
	train := func(args ...string) []string {
		return append([]string{"--data", data, "listen", "train"}, args...)
	}

	steps := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{"bad row", train("--workspace", "acme", "--in", bad), "", "row 3: label \"terrible\""},
		{"missing file", train("--workspace", "acme", "--in", filepath.Join(dir, "nope.csv")), "", "no such file"},
		{"unknown workspace", train("--workspace", "nope", "--in", good), "", "no workspace \"nope\""},
		// Refused before training: the next step finds the built-in model still current.
		{"--out not writable", train("--workspace", "acme", "--in", good, "--out", filepath.Join(good, "model.bin")), "", "--out"},
		{"retrain", train("--workspace", "acme", "--in", good, "--out", model), "current model (built-in)", ""},
		{"stored for every node", train("--workspace", "acme", "--in", good), "current model (the workspace's own)", ""},
		{"use the retrained model", []string{"sentiment", "--model", model}, `"label":"positive"`, ""},
	}
	for _, s := range steps {
		out, err := runIn(t, "小杯 zorbly 款 Q\n", s.args...)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(describe(err), s.wantErr) {
				t.Fatalf("%s: error = %v, want one saying %q", s.name, err, s.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %s", s.name, describe(err))
		}
		if !strings.Contains(out, s.wantOut) {
			t.Errorf("%s: output %q lacks %q", s.name, out, s.wantOut)
		}
		if slices.Contains(s.args, "train") && !strings.Contains(out, "macro-F1") {
			t.Errorf("%s: output %q lacks the scores", s.name, out)
		}
	}
}

// TestTrainBaseOut: train-base refuses an --out it could not write before
// it reads the corpus and trains for minutes, not after.
func TestTrainBaseOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for out, want := range map[string]string{
		filepath.Join(dir, "missing", "model.bin"): "cannot be written",
		filepath.Join(file, "model.bin"):           "cannot be written",
		dir:                                        "is a folder",
	} {
		_, err := runIn(t, "", "listen", "train-base", "--corpus", filepath.Join(dir, "no-corpus"), "--out", out)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--out") {
			t.Errorf("--out %s: error %v, want one saying %q", out, err, want)
		}
	}
}

func TestListenEvalCommand(t *testing.T) {
	// The evaluation reads every shared set (a few seconds), which sit
	// beside the repository wherever the project is worked on and tested.
	const corpus = "../../../shared/data"
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("the shared data folder is not beside the repository:", err)
	}
	out, err := runIn(t, "", "listen", "eval", "--corpus", corpus)
	if err != nil {
		t.Fatal(describe(err))
	}
	if !strings.Contains(out, "texts/s") {
		t.Errorf("eval output lacks the throughput:\n%s", out)
	}
	// Floors well below the model card's figures: they catch a model that
	// stopped working (a broken feature, a wrong label order), not noise.
	floors := []struct {
		split    string
		accuracy float64
	}{
		{"SMP2020-EWECT usual, 3 classes", 0.80},
		{"SMP2020-EWECT usual, 6 emotions", 0.65},
		{"ChnSentiCorp", 0.85},
		{"online_shopping", 0.90},
		{"VADER", 0.70},
	}
	for _, f := range floors {
		var line string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, f.split) {
				line = l
			}
		}
		fields := strings.Fields(strings.TrimPrefix(line, f.split))
		// After the split's name: the rest of the name, n, accuracy, "/", F1.
		i := slices.Index(fields, "/")
		if line == "" || i < 1 {
			t.Errorf("eval output has no row for %s:\n%s", f.split, out)
			continue
		}
		acc, err := strconv.ParseFloat(fields[i-1], 64)
		if err != nil || acc < f.accuracy || acc > 1 {
			t.Errorf("%s: accuracy %q, want a number in [%.2f, 1]", f.split, fields[i-1], f.accuracy)
		}
	}
}
