package model

import (
	"fmt"
	"io"
	"strings"

	"github.com/tensile-ml/tensile/nn"
)

// fmtShapeNone formats a per-sample shape as Keras does, with None for the
// batch dimension: (None, 26, 26, 32).
func fmtShapeNone(s []int) string {
	var b strings.Builder
	b.WriteString("(None")
	for _, d := range s {
		fmt.Fprintf(&b, ", %d", d)
	}
	b.WriteString(")")
	return b.String()
}

// commas formats n with thousands separators: 93322 → "93,322".
func commas(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Summary writes Keras's model summary table: each layer with its type,
// output shape and parameter count, then the totals. The model must be built
// (give the input shape, or Fit once).
func (m *Model) Summary(w io.Writer) error {
	if err := m.Build(nil); err != nil {
		return err
	}
	functional := !m.sequential
	header := []string{"Layer (type)", "Output Shape", "Param #"}
	widths := []int{29, 26, 10}
	if functional {
		header = append(header, "Connected to")
		widths = []int{32, 21, 12, 33}
	}
	var rows [][]string
	for _, n := range m.nodes {
		l := n.layer
		if _, isIn := l.(*nn.Input); (isIn && !functional) || n.isOutputNode() {
			continue
		}
		shape := fmtShapeNone(n.shape)
		if mo, ok := l.(nn.MultiOutputLayer); ok && n.nout > 1 {
			if shapes, err := mo.OutputShapes(n.inputs[0].shape); err == nil {
				for _, s := range shapes[1:] {
					shape += ", " + fmtShapeNone(s)
				}
			}
		}
		row := []string{fmt.Sprintf("%s (%s)", l.Name(), l.ClassName()), shape, commas(nn.CountParams(nn.Weights(l)))}
		if functional {
			var con []string
			for _, in := range n.inputs {
				con = append(con, in.ref())
			}
			row = append(row, strings.Join(con, ", "))
		}
		rows = append(rows, row)
	}
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], len(c)+1)
		}
	}
	total := 0
	for _, wd := range widths {
		total += wd
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len(c)))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	rule := func(c string) { fmt.Fprintln(w, strings.Repeat(c, total)) }
	fmt.Fprintf(w, "Model: %q\n", m.name)
	rule("_")
	line(header)
	rule("=")
	for i, r := range rows {
		line(r)
		if i < len(rows)-1 {
			rule("_")
		}
	}
	rule("=")
	var trainable, all int
	for _, l := range m.layers {
		trainable += nn.CountParams(l.Params())
		all += nn.CountParams(nn.Weights(l))
	}
	fmt.Fprintf(w, "Total params: %s\n", commas(all))
	fmt.Fprintf(w, "Trainable params: %s\n", commas(trainable))
	fmt.Fprintf(w, "Non-trainable params: %s\n", commas(all-trainable))
	rule("_")
	return nil
}

// CountParams returns the number of trainable and of all weights' scalars.
func (m *Model) CountParams() (trainable, total int) {
	for _, l := range m.layers {
		trainable += nn.CountParams(l.Params())
		total += nn.CountParams(nn.Weights(l))
	}
	return trainable, total
}
