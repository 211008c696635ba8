package web

import (
	"encoding/json"
	"fmt"
	"slices"
)

// chartOption is an ECharts option as the server builds it; the browser
// draws it from the container's data-chart attribute. Its Table is the
// same figures as text (the "chart" partial), for a screen reader and for
// a page whose script did not run.
type chartOption map[string]any

// chartTable is a chart's figures as a table: Head names the columns, and
// each row begins with what it counts.
type chartTable struct {
	Head []string
	Rows [][]string
}

// Table reads the figures back from the option as the browser receives
// it (JSON), in the order the chart shows them: a row for each category,
// a pie's slice or a time axis's line. head names, in order, the rows and
// then each column the option leaves unnamed: a series without a name, a
// pie's shares, a line's start, end and days.
func (o chartOption) Table(head []string) (chartTable, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return chartTable{}, fmt.Errorf("chart table: %w", err)
	}
	var opt struct {
		XAxis  chartAxis `json:"xAxis"`
		YAxis  chartAxis `json:"yAxis"`
		Series []struct {
			Name string `json:"name"`
			Type string `json:"type"`
			Data []any  `json:"data"`
		} `json:"series"`
	}
	if err := json.Unmarshal(b, &opt); err != nil {
		return chartTable{}, fmt.Errorf("chart table: %w", err)
	}
	next := func() string {
		if len(head) == 0 {
			return ""
		}
		h := head[0]
		head = head[1:]
		return h
	}
	t := chartTable{Head: []string{next()}}
	switch {
	case len(opt.Series) == 1 && opt.Series[0].Type == "pie":
		s := opt.Series[0]
		t.Head = append(t.Head, orNext(s.Name, next), next())
		var total float64
		for _, d := range s.Data {
			v, _ := chartValue(d)
			total += v
		}
		for _, d := range s.Data {
			name, _ := d.(map[string]any)["name"].(string)
			share := "—"
			if v, ok := chartValue(d); ok && total > 0 {
				share = percent(v / total)
			}
			t.Rows = append(t.Rows, []string{name, chartCell(d), share})
		}
	case opt.XAxis.Type == "time":
		// A line on a time axis is a span of days (timelineChart): its
		// points are the days' starts, the last one the end of its last day.
		t.Head = append(t.Head, next(), next(), next())
		for _, s := range opt.Series {
			if len(s.Data) < 2 {
				continue
			}
			first, _ := s.Data[0].([]any)
			end, _ := s.Data[len(s.Data)-2].([]any)
			if len(first) < 2 || len(end) < 1 {
				return chartTable{}, fmt.Errorf("chart table: a time series' point is not [day, category]")
			}
			t.Rows = append(t.Rows, []string{fmt.Sprint(first[1]), fmt.Sprint(first[0]), fmt.Sprint(end[0]), fmt.Sprint(len(s.Data) - 1)})
		}
	default:
		cats := opt.XAxis.Data
		if opt.YAxis.Type == "category" {
			cats = slices.Clone(opt.YAxis.Data)
			// A category y axis lists its first category at the bottom.
			if !opt.YAxis.Inverse {
				slices.Reverse(cats)
			}
		}
		for _, s := range opt.Series {
			t.Head = append(t.Head, orNext(s.Name, next))
		}
		for i, c := range cats {
			row := []string{c}
			at := i
			if opt.YAxis.Type == "category" && !opt.YAxis.Inverse {
				at = len(cats) - 1 - i
			}
			for _, s := range opt.Series {
				cell := ""
				if at < len(s.Data) {
					cell = chartCell(s.Data[at])
				}
				row = append(row, cell)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t, nil
}

// chartAxis is what Table reads of an axis.
type chartAxis struct {
	Type    string   `json:"type"`
	Data    []string `json:"data"`
	Inverse bool     `json:"inverse"`
}

// orNext is name, or the next header when the option leaves it unnamed.
func orNext(name string, next func() string) string {
	if name != "" {
		return name
	}
	return next()
}

// chartValue is a data item's number: a bare one or an item's "value".
// ok is false for an item without one (null, "-"), which ECharts leaves
// out of the chart rather than drawing it as 0.
func chartValue(d any) (v float64, ok bool) {
	if item, isItem := d.(map[string]any); isItem {
		d = item["value"]
	}
	v, ok = d.(float64)
	return v, ok
}

// chartCell is a data item's figure as the table writes it: "—" where
// the chart shows none.
func chartCell(d any) string {
	v, ok := chartValue(d)
	if !ok {
		return "—"
	}
	return number(v, 2)
}
