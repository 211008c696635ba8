package sentiment

// Metrics are the scores of a model on a labelled set.
type Metrics struct {
	N        int
	Accuracy float64
	// MacroF1 averages the F1 of each class present in the task: all three
	// labels, positive and negative for a binary set, or the six emotions.
	MacroF1 float64
	// Confusion[gold][predicted] counts examples, indexed by Label, or by
	// Emotion−1 for EvaluateEmotions.
	Confusion [numOutputs][numOutputs]int
}

// Evaluate scores m on examples. With binary, each text is predicted
// positive or negative by Result.Binary and macro-F1 averages those two
// classes.
func Evaluate(m *Model, examples []Example, binary bool) Metrics {
	var mt Metrics
	for _, e := range examples {
		r := m.Classify(e.Text)
		p := r.Label
		if binary {
			p = r.Binary()
		}
		mt.Confusion[e.Label][p]++
	}
	classes := []int{int(Negative), int(Neutral), int(Positive)}
	if binary {
		classes = []int{int(Negative), int(Positive)}
	}
	mt.score(classes)
	return mt
}

// EvaluateEmotions scores m's six-emotion predictions (Result.Emotion) on
// examples labelled with an Emotion.
func EvaluateEmotions(m *Model, examples []Example) Metrics {
	var mt Metrics
	for _, e := range examples {
		mt.Confusion[e.Emotion.output()][m.Classify(e.Text).Emotion.output()]++
	}
	mt.score([]int{0, 1, 2, 3, 4, 5})
	return mt
}

// score fills in N, Accuracy and MacroF1 from the confusion matrix;
// macro-F1 averages the given classes.
func (mt *Metrics) score(classes []int) {
	correct, n := 0, 0
	for g := range numOutputs {
		for p := range numOutputs {
			n += mt.Confusion[g][p]
			if g == p {
				correct += mt.Confusion[g][p]
			}
		}
	}
	mt.N = n
	if n == 0 {
		return
	}
	mt.Accuracy = float64(correct) / float64(n)
	var sum float64
	for _, c := range classes {
		tp := mt.Confusion[c][c]
		var gold, pred int
		for k := range numOutputs {
			gold += mt.Confusion[c][k]
			pred += mt.Confusion[k][c]
		}
		if tp == 0 {
			continue
		}
		prec := float64(tp) / float64(pred)
		rec := float64(tp) / float64(gold)
		sum += 2 * prec * rec / (prec + rec)
	}
	mt.MacroF1 = sum / float64(len(classes))
}
