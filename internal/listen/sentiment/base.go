package sentiment

import "fmt"

// BaseExamples pools the training parts of the shared corpora into one
// training set. SMP and VADER teach all three classes; the binary review
// sets teach positive against negative only (Example.Binary), so neutral is
// learnt from Weibo and tweets. The three-class sets count double (chosen
// on the dev parts, see MODEL_CARD.md).
func BaseExamples(corpora []Corpus) []Example {
	var out []Example
	for _, c := range corpora {
		w := float32(1)
		switch {
		case c.Binary:
			w = 1
		default:
			w = 2 // SMP: the only large neutral source; VADER: English is scarce
		}
		for _, e := range c.Train {
			e.Weight = w
			out = append(out, e)
		}
	}
	return out
}

// BaseNote describes the shipped model's training data for the file header.
func BaseNote(corpora []Corpus) string {
	s := "chorus sentiment base model; trained on:"
	for _, c := range corpora {
		if len(c.Train) == 0 {
			continue
		}
		s += fmt.Sprintf(" %s train %d;", c.Name, len(c.Train))
	}
	return s
}
