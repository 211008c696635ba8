package sentiment

// Metrics are the scores of a model on a labelled set.
type Metrics struct {
	N        int
	Accuracy float64
	// MacroF1 averages the F1 of each class present in the task: all three,
	// or positive and negative for a binary set.
	MacroF1 float64
	// Confusion[gold][predicted] counts examples.
	Confusion [numClasses][numClasses]int
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
	mt.score(binary)
	return mt
}

func (mt *Metrics) score(binary bool) {
	correct, n := 0, 0
	for g := range numClasses {
		for p := range numClasses {
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
	classes := 0
	for c := range numClasses {
		if binary && Label(c) == Neutral {
			continue
		}
		tp := mt.Confusion[c][c]
		var gold, pred int
		for k := range numClasses {
			gold += mt.Confusion[c][k]
			pred += mt.Confusion[k][c]
		}
		classes++
		if tp == 0 {
			continue
		}
		prec := float64(tp) / float64(pred)
		rec := float64(tp) / float64(gold)
		sum += 2 * prec * rec / (prec + rec)
	}
	mt.MacroF1 = sum / float64(classes)
}
