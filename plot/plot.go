// Package plot draws training curves and confusion matrices to PNG, SVG or
// PDF files with gonum.org/v1/plot ("tensile train --plot", "tensile plot",
// "tensile evaluate --plot").
//
// Curves come from a model.History (FromHistory), a CSVLogger file
// (ReadCSV) or a "tensile train --report" JSON file (ReadReport). Losses
// (keys ending in "loss") go in the left panel, other metrics in the
// right; validation values ("val_" keys) are dashed next to their
// training values.
//
// Errors: a file that does not parse is an error naming it and the
// problem; nothing here panics on user data.
package plot

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/tensile-ml/tensile/internal/atomicfile"
	"github.com/tensile-ml/tensile/model"
)

// Series is one named curve: Y[i] at epoch X[i].
type Series struct {
	Name string
	X, Y []float64
}

// FromHistory returns one series per logged key of h, over its epochs
// (numbered from 1).
func FromHistory(h *model.History) []Series {
	if h == nil {
		return nil
	}
	var out []Series
	for _, k := range sortedKeys(h.Values) {
		s := Series{Name: k}
		for i, v := range h.Values[k] {
			if i < len(h.Epochs) && !math.IsNaN(v) && !math.IsInf(v, 0) {
				s.X = append(s.X, float64(h.Epochs[i]+1))
				s.Y = append(s.Y, v)
			}
		}
		out = append(out, s)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// maxRows bounds the rows read from a history file.
const maxRows = 1 << 20

// ParseCSV reads a CSVLogger file: a header "epoch,key,...", then one row
// per epoch (0-based, as CSVLogger writes them).
func ParseCSV(r io.Reader) ([]Series, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	if len(header) < 2 || header[0] != "epoch" {
		return nil, errors.New(`want a CSVLogger file: a header "epoch,loss,..."`)
	}
	h := &model.History{Values: map[string][]float64{}}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if row > maxRows {
			return nil, fmt.Errorf("more than %d rows", maxRows)
		}
		e, err := strconv.Atoi(rec[0])
		if err != nil || e < 0 {
			return nil, fmt.Errorf("row %d: epoch %q is not a non-negative integer", row, rec[0])
		}
		h.Epochs = append(h.Epochs, e)
		for i, k := range header[1:] {
			v, err := strconv.ParseFloat(rec[i+1], 64)
			if err != nil {
				return nil, fmt.Errorf("row %d, column %q: %q is not a number", row, k, rec[i+1])
			}
			h.Values[k] = append(h.Values[k], v)
		}
	}
	if len(h.Epochs) == 0 {
		return nil, errors.New("no rows")
	}
	return FromHistory(h), nil
}

// ParseReport reads the JSON of "tensile train --report", whose "history"
// holds every epoch's logs.
func ParseReport(b []byte) ([]Series, error) {
	var rep struct {
		History *struct {
			Epochs []int
			Values map[string][]float64
		} `json:"history"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("not report JSON: %w", err)
	}
	if rep.History == nil || len(rep.History.Epochs) == 0 {
		return nil, errors.New(`no "history" (written by tensile train --report)`)
	}
	for k, v := range rep.History.Values {
		if len(v) != len(rep.History.Epochs) {
			return nil, fmt.Errorf("history %q has %d values for %d epochs", k, len(v), len(rep.History.Epochs))
		}
	}
	return FromHistory(&model.History{Epochs: rep.History.Epochs, Values: rep.History.Values}), nil
}

// ReadFile reads training curves from a CSVLogger .csv file or a report
// .json file.
func ReadFile(path string) ([]Series, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s []Series
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		s, err = ParseCSV(bytes.NewReader(b))
	case ".json":
		s, err = ParseReport(b)
	default:
		return nil, fmt.Errorf("%s: want a CSVLogger .csv or a report .json", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

var palette = []color.Color{
	color.RGBA{59, 125, 221, 255}, color.RGBA{229, 102, 58, 255}, color.RGBA{42, 157, 75, 255},
	color.RGBA{155, 89, 182, 255}, color.RGBA{192, 57, 43, 255}, color.RGBA{22, 160, 133, 255},
}

// panel draws series in one plot; a "val_" series takes its training
// series' colour, dashed.
func panel(title string, series []Series, legendTop bool) (*gplot.Plot, error) {
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Add(plotter.NewGrid())
	p.Legend.Top = legendTop // losses fall, metrics mostly rise: keep the legend off the curves' ends
	colorOf := map[string]color.Color{}
	for _, s := range series {
		base := strings.TrimPrefix(s.Name, "val_")
		c, ok := colorOf[base]
		if !ok {
			c = palette[len(colorOf)%len(palette)]
			colorOf[base] = c
		}
		xy := make(plotter.XYs, len(s.X))
		for i := range s.X {
			xy[i] = plotter.XY{X: s.X[i], Y: s.Y[i]}
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, fmt.Errorf("series %q: %w", s.Name, err)
		}
		l.Color, pts.Color = c, c
		l.Width = vg.Points(1.5)
		pts.Radius = vg.Points(2)
		if strings.HasPrefix(s.Name, "val_") {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			pts.Shape = draw.BoxGlyph{}
		}
		p.Add(l, pts)
		p.Legend.Add(s.Name, l, pts)
	}
	return p, nil
}

// Curves writes the training curves to path (.png, .svg or .pdf): losses
// on the left, other metrics on the right.
func Curves(path, title string, series []Series) error {
	var loss, other []Series
	for _, s := range series {
		if len(s.X) == 0 {
			continue
		}
		if strings.HasSuffix(s.Name, "loss") {
			loss = append(loss, s)
		} else {
			other = append(other, s)
		}
	}
	if len(loss)+len(other) == 0 {
		return errors.New("plot: no values to draw")
	}
	var row []*gplot.Plot
	for _, g := range []struct {
		name string
		s    []Series
	}{{"loss", loss}, {"metrics", other}} {
		if len(g.s) == 0 {
			continue
		}
		t := g.name
		if title != "" {
			t = title + ": " + g.name
		}
		p, err := panel(t, g.s, g.name == "loss")
		if err != nil {
			return err
		}
		row = append(row, p)
	}
	return save(path, [][]*gplot.Plot{row}, vg.Length(len(row))*5*vg.Inch, 3.6*vg.Inch)
}

// save draws the plots, tiled, into a file whose extension picks the
// format.
func save(path string, plots [][]*gplot.Plot, w, h vg.Length) error {
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))}
	case ".svg":
		c = vgsvg.New(w, h)
	case ".pdf":
		c = vgpdf.New(w, h)
	default:
		return fmt.Errorf("plot: %s: want a .png, .svg or .pdf file", path)
	}
	dc := draw.New(c)
	cols := 0
	for _, r := range plots {
		cols = max(cols, len(r))
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := gplot.Align(plots, tiles, dc)
	for i, r := range plots {
		for j, p := range r {
			p.Draw(canvases[i][j])
		}
	}
	return writeAtomic(path, c)
}

// writeAtomic writes through a temporary file renamed into place.
func writeAtomic(path string, w io.WriterTo) error {
	err := atomicfile.Write(path, func(f io.Writer) error {
		_, err := w.WriteTo(f)
		return err
	})
	if err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	return nil
}

// Confusion counts predictions: m[t][p] is how many samples of class t
// were predicted as p. Labels or predictions outside [0, k) are an error.
func Confusion(labels, preds []int, k int) ([][]int, error) {
	if len(labels) != len(preds) {
		return nil, fmt.Errorf("plot: %d labels for %d predictions", len(labels), len(preds))
	}
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	for i, t := range labels {
		p := preds[i]
		if t < 0 || t >= k || p < 0 || p >= k {
			return nil, fmt.Errorf("plot: sample %d: label %d or prediction %d outside [0, %d)", i, t, p, k)
		}
		m[t][p]++
	}
	return m, nil
}

// grid shows a confusion matrix as a heat map: column c is the predicted
// class, row r the true class, drawn top to bottom.
type grid struct{ m [][]int }

func (g grid) Dims() (c, r int)   { return len(g.m), len(g.m) }
func (g grid) Z(c, r int) float64 { return float64(g.m[len(g.m)-1-r][c]) }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// ConfusionMatrix draws m (from Confusion) with class names (or the
// class numbers when classes is nil) to path (.png, .svg or .pdf).
func ConfusionMatrix(path, title string, m [][]int, classes []string) error {
	k := len(m)
	if k == 0 {
		return errors.New("plot: empty confusion matrix")
	}
	if k > 200 {
		return fmt.Errorf("plot: %d classes are too many for a confusion matrix picture (at most 200)", k)
	}
	names := slices.Clone(classes)
	if len(names) != k {
		names = make([]string, k)
		for i := range names {
			names[i] = strconv.Itoa(i)
		}
	}
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text = "predicted"
	p.Y.Label.Text = "true"
	hm := plotter.NewHeatMap(grid{m}, moreland.Kindlmann().Palette(255))
	hm.Min = 0
	mx := 1.0
	for _, r := range m {
		for _, v := range r {
			mx = max(mx, float64(v))
		}
	}
	hm.Max = mx
	p.Add(hm)
	if k <= 30 {
		var xys plotter.XYs
		var labels []string
		for t := range k {
			for q := range k {
				xys = append(xys, plotter.XY{X: float64(q), Y: float64(k - 1 - t)})
				labels = append(labels, strconv.Itoa(m[t][q]))
			}
		}
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return err
		}
		for i := range lb.TextStyle {
			t, q := i/k, i%k
			lb.TextStyle[i].XAlign, lb.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
			if float64(m[t][q]) > mx*0.6 {
				lb.TextStyle[i].Color = color.Black
			} else {
				lb.TextStyle[i].Color = color.White
			}
		}
		p.Add(lb)
	}
	var xt, yt []gplot.Tick
	for i, n := range names {
		xt = append(xt, gplot.Tick{Value: float64(i), Label: n})
		yt = append(yt, gplot.Tick{Value: float64(k - 1 - i), Label: n})
	}
	p.X.Tick.Marker = gplot.ConstantTicks(xt)
	p.Y.Tick.Marker = gplot.ConstantTicks(yt)
	p.X.Min, p.X.Max = -0.5, float64(k)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(k)-0.5
	side := vg.Length(max(4, min(12, 0.45*float64(k)+2))) * vg.Inch
	return save(path, [][]*gplot.Plot{{p}}, side, side)
}
