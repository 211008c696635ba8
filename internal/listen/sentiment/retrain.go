package sentiment

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// RowError says which row of a labelled CSV file is wrong and why. Rows
// count from 1 for the header, as a spreadsheet numbers them.
type RowError struct {
	Row     int
	Problem string
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %s", e.Row, e.Problem) }

// MinRetrainRows is the fewest labelled rows Retrain accepts: fewer leave
// too small a held-out part to compare models on.
const MinRetrainRows = 20

// MinLabelRows is the fewest rows each of at least two labels must have
// for Retrain: a model fine-tuned on one label learns to answer only that
// one, and a held-out part of one label cannot show it (every answer of
// that label scores perfectly there), so such a model would replace a
// good one.
const MinLabelRows = 5

// QuoteCSVText makes a text safe for a CSV file that people open in a
// spreadsheet: one starting with = + - @ or a tab or carriage return would
// be run as a formula (=HYPERLINK(…) in a mention's text), so it gets a
// leading apostrophe, which spreadsheets show as text and
// ReadLabelledCSV takes off again.
func QuoteCSVText(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 || strings.HasPrefix(s, "'") && len(s) > 1 && strings.IndexByte("=+-@\t\r'", s[1]) >= 0 {
		return "'" + s
	}
	return s
}

// UnquoteCSVText undoes QuoteCSVText.
func UnquoteCSVText(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.IndexByte("=+-@\t\r'", s[1]) >= 0 {
		return s[1:]
	}
	return s
}

// ReadLabelledCSV reads a workspace's labelled examples: a header naming
// the columns text and label (any order, other columns ignored), then one
// example per row with label positive, neutral or negative; a text
// quoted by QuoteCSVText is read without its apostrophe. Returns a
// *RowError for the first bad row.
func ReadLabelledCSV(r io.Reader) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return nil, &RowError{Row: 1, Problem: "the file is empty; want a header with columns text,label"}
	}
	if err != nil {
		return nil, csvRowError(err, 1)
	}
	textCol, labelCol := -1, -1
	for i, h := range head {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "text":
			textCol = i
		case "label":
			labelCol = i
		}
	}
	if textCol < 0 || labelCol < 0 {
		return nil, &RowError{Row: 1, Problem: fmt.Sprintf("the header %q lacks a text or a label column", strings.Join(head, ","))}
	}
	var out []Example
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvRowError(err, row)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) <= max(textCol, labelCol) {
			return nil, &RowError{Row: row, Problem: fmt.Sprintf("%d columns, want at least %d", len(rec), max(textCol, labelCol)+1)}
		}
		text := strings.TrimSpace(UnquoteCSVText(rec[textCol]))
		if text == "" {
			return nil, &RowError{Row: row, Problem: "the text is empty"}
		}
		if !utf8.ValidString(text) {
			return nil, &RowError{Row: row, Problem: "the text is not valid UTF-8"}
		}
		raw := strings.ToLower(strings.TrimSpace(rec[labelCol]))
		l, ok := ParseLabel(raw)
		if !ok {
			return nil, &RowError{Row: row, Problem: fmt.Sprintf("label %q is not positive, neutral or negative (正面, 中性, 负面)", rec[labelCol])}
		}
		out = append(out, Example{Text: text, Label: l})
	}
	return out, nil
}

// csvRowError is err, met reading row, as a RowError. The row is the
// record's, as a spreadsheet numbers it and the other errors of the file
// do, not the file's line, which a text spanning lines before it moves
// on; the line is told too.
func csvRowError(err error, row int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowError{Row: row, Problem: fmt.Sprintf("%v (line %d of the file)", pe.Err, pe.Line)}
	}
	return &RowError{Row: row, Problem: err.Error()}
}

// RetrainReport tells how a retrained model compares with the current one
// on the held-out part of a workspace's examples.
type RetrainReport struct {
	Train, HeldOut int
	Current, New   Metrics
	// Better is true when the new model's held-out macro-F1 is not worse:
	// only then should it replace the current one.
	Better bool
}

// Retrain fine-tunes current on a workspace's labelled examples: 20 % of
// each label's are held out (SplitByLabel), the rest continue current's
// training (opt.Init is set to current), and both models are scored on
// the held-out part. current is unchanged. It refuses fewer than
// MinRetrainRows examples, and examples without MinLabelRows of at least
// two labels.
func Retrain(current *Model, examples []Example, opt TrainOptions) (*Model, RetrainReport, error) {
	if len(examples) < MinRetrainRows {
		return nil, RetrainReport{}, fmt.Errorf("need at least %d labelled rows to retrain, got %d", MinRetrainRows, len(examples))
	}
	var counts [numClasses]int
	for _, e := range examples {
		counts[e.Label]++
	}
	enough := 0
	for _, n := range counts {
		if n >= MinLabelRows {
			enough++
		}
	}
	if enough < 2 {
		return nil, RetrainReport{}, fmt.Errorf("need at least %d rows of each of two labels or more to retrain, got %d positive, %d neutral and %d negative: "+
			"a model taught one label answers only that one, and rows of one label cannot show it",
			MinLabelRows, counts[Positive], counts[Neutral], counts[Negative])
	}
	train, held := SplitByLabel(examples)
	opt.Init = current
	if opt.Note == "" {
		opt.Note = current.note + fmt.Sprintf(" Fine-tuned on %d workspace examples.", len(train))
	}
	saved := Train(train, opt)
	rep := RetrainReport{
		Train:   len(train),
		HeldOut: len(held),
		Current: Evaluate(current, held, false),
		New:     Evaluate(saved, held, false),
	}
	rep.Better = rep.New.MacroF1 >= rep.Current.MacroF1
	return saved, rep, nil
}

// SplitByLabel holds out TestFraction of each label's examples (Split with
// SplitSeed), so that the held-out part has every label the examples have
// in their share, however few rows one of them has.
func SplitByLabel(examples []Example) (train, held []Example) {
	for l := range Label(numClasses) {
		tr, he := Split(slices.DeleteFunc(slices.Clone(examples), func(e Example) bool { return e.Label != l }), TestFraction, SplitSeed)
		train, held = append(train, tr...), append(held, he...)
	}
	return train, held
}
