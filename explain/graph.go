package explain

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/tensile-ml/tensile/model"
)

// GraphNode is one layer of a model graph.
type GraphNode struct {
	Name   string
	Class  string
	Output string   // per-sample output shape, e.g. "(26, 26, 32)"; "" when unknown
	Inputs []string // names of the layers feeding it
}

// Graph returns m's layers and their connections, from the Keras-style
// architecture the model saves; in a Sequential model each layer feeds the
// next. Output shapes are filled in for layer chains.
func Graph(m *model.Model) ([]GraphNode, error) {
	arch, err := m.Spec()
	if err != nil {
		return nil, err
	}
	var nodes []GraphNode
	for i, l := range arch.Config.Layers {
		n := GraphNode{Name: l.Name(), Class: l.ClassName}
		if arch.ClassName == "Sequential" {
			if i > 0 {
				n.Inputs = []string{nodes[i-1].Name}
			}
		} else {
			for _, in := range l.Inbound {
				n.Inputs = append(n.Inputs, strings.SplitN(in, ":", 2)[0])
			}
		}
		nodes = append(nodes, n)
	}
	// Output shapes of chains: run OutputShape layer by layer.
	if ins := m.InputShapes(); len(ins) == 1 {
		shape := ins[0]
		byName := map[string]int{}
		for i, n := range nodes {
			byName[n.Name] = i
		}
		for _, l := range m.Layers() {
			i, ok := byName[l.Name()]
			if !ok {
				break
			}
			if nodes[i].Class != "InputLayer" {
				s, err := l.OutputShape(shape)
				if err != nil {
					break
				}
				shape = s
			}
			nodes[i].Output = shapeString(shape)
		}
	}
	return nodes, nil
}

func shapeString(s []int) string {
	var b strings.Builder
	b.WriteString("(")
	for i, d := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		if d < 0 {
			b.WriteString("None")
		} else {
			fmt.Fprint(&b, d)
		}
	}
	if len(s) == 1 {
		b.WriteString(",")
	}
	b.WriteString(")")
	return b.String()
}

// WriteDOT writes the graph in Graphviz DOT (render with
// "dot -Tsvg model.dot").
func WriteDOT(w io.Writer, name string, nodes []GraphNode) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n\trankdir=TB;\n\tnode [shape=record, fontname=\"Helvetica\"];\n", name)
	for _, n := range nodes {
		label := fmt.Sprintf("%s: %s", n.Name, n.Class)
		if n.Output != "" {
			label += " | output: " + n.Output
		}
		fmt.Fprintf(&b, "\t%q [label=%q];\n", n.Name, "{"+dotEscape(label)+"}")
	}
	for _, n := range nodes {
		for _, in := range n.Inputs {
			fmt.Fprintf(&b, "\t%q -> %q;\n", in, n.Name)
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotEscape escapes record-label metacharacters except the field separator.
func dotEscape(s string) string {
	r := strings.NewReplacer("{", `\{`, "}", `\}`, "<", `\<`, ">", `\>`)
	return r.Replace(s)
}

// WriteSVG draws the graph as SVG without Graphviz: one box per layer
// (name, class, output shape), layers placed in rows by their depth from
// the inputs, arrows from each input.
func WriteSVG(w io.Writer, nodes []GraphNode) error {
	const bw, bh, gx, gy = 240, 46, 30, 34
	depth := map[string]int{}
	rows := map[int][]int{}
	maxd := 0
	for i, n := range nodes {
		d := 0
		for _, in := range n.Inputs {
			d = max(d, depth[in]+1)
		}
		depth[n.Name] = d
		rows[d] = append(rows[d], i)
		maxd = max(maxd, d)
	}
	widest := 1
	for _, r := range rows {
		widest = max(widest, len(r))
	}
	W := widest*(bw+gx) + gx
	H := (maxd+1)*(bh+gy) + gy
	pos := map[string][2]int{}
	for d := 0; d <= maxd; d++ {
		r := rows[d]
		off := (W - len(r)*(bw+gx) + gx) / 2
		for j, i := range r {
			pos[nodes[i].Name] = [2]int{off + j*(bw+gx), gy + d*(bh+gy)}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="Helvetica,Arial,sans-serif" font-size="12">`+"\n", W, H)
	b.WriteString(`<defs><marker id="a" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>` + "\n")
	for _, n := range nodes {
		p := pos[n.Name]
		for _, in := range n.Inputs {
			q, ok := pos[in]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333" marker-end="url(#a)"/>`+"\n", q[0]+bw/2, q[1]+bh, p[0]+bw/2, p[1]-2)
		}
	}
	for _, n := range nodes {
		p := pos[n.Name]
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="#eef3fb" stroke="#335"/>`+"\n", p[0], p[1], bw, bh)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n", p[0]+bw/2, p[1]+18, html.EscapeString(n.Name+": "+n.Class))
		if n.Output != "" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">output: %s</text>`+"\n", p[0]+bw/2, p[1]+36, html.EscapeString(n.Output))
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
