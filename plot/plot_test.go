package plot

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/model"
)

func TestParseCSV(t *testing.T) {
	cases := []struct {
		in, err string
		n       int
	}{
		{"epoch,accuracy,loss,val_loss\n0,0.5,1.2,1.3\n1,0.7,0.8,0.9\n", "", 3},
		{"", "reading the header", 0},
		{"step,loss\n0,1\n", "want a CSVLogger file", 0},
		{"epoch,loss\n", "no rows", 0},
		{"epoch,loss\nx,1\n", "row 2: epoch \"x\"", 0},
		{"epoch,loss\n0,abc\n", "row 2, column \"loss\"", 0},
		{"epoch,loss\n0,1,2\n", "wrong number of fields", 0},
	}
	for _, c := range cases {
		s, err := ParseCSV(strings.NewReader(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || len(s) != c.n {
			t.Fatalf("%q: %d series, %v", c.in, len(s), err)
		}
		if s[1].Name != "loss" || s[1].X[1] != 2 || s[1].Y[1] != 0.8 {
			t.Errorf("loss series %+v", s[1])
		}
	}
}

func TestParseReport(t *testing.T) {
	good := `{"model":"x","history":{"Epochs":[0,1],"Values":{"loss":[1,0.5],"accuracy":[0.5,0.8]}}}`
	s, err := ParseReport([]byte(good))
	if err != nil || len(s) != 2 || s[1].Name != "loss" || s[1].Y[1] != 0.5 {
		t.Fatalf("%+v %v", s, err)
	}
	for in, want := range map[string]string{
		`{"model":"x"}`: "no \"history\"",
		`[`:             "not report JSON",
		`{"history":{"Epochs":[0,1],"Values":{"loss":[1]}}}`: "1 values for 2 epochs",
	} {
		if _, err := ParseReport([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}

// TestCSVLoggerRoundTrip checks that what CSVLogger writes during training
// reads back as the history's curves.
func TestCSVLoggerRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.csv")
	cl := &model.CSVLogger{Path: path}
	h := &model.History{Epochs: []int{0, 1, 2}, Values: map[string][]float64{"loss": {1, 0.6, 0.4}, "val_loss": {1.1, 0.7, 0.5}}}
	if err := cl.OnTrainBegin(nil); err != nil {
		t.Fatal(err)
	}
	for i, e := range h.Epochs {
		if err := cl.OnEpochEnd(e, model.Logs{"loss": h.Values["loss"][i], "val_loss": h.Values["val_loss"][i]}); err != nil {
			t.Fatal(err)
		}
	}
	cl.OnTrainEnd(nil)
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := FromHistory(h)
	if len(got) != len(want) {
		t.Fatalf("%d series, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || !slices.Equal(got[i].X, want[i].X) || !slices.Equal(got[i].Y, want[i].Y) {
			t.Errorf("series %+v, want %+v", got[i], want[i])
		}
	}
}

func TestCurvesFiles(t *testing.T) {
	dir := t.TempDir()
	s := []Series{{"loss", []float64{1, 2, 3}, []float64{1, .6, .4}}, {"val_loss", []float64{1, 2, 3}, []float64{1.1, .7, .5}},
		{"accuracy", []float64{1, 2, 3}, []float64{.5, .7, .8}}}
	pngPath := filepath.Join(dir, "c.png")
	if err := Curves(pngPath, "run", s); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(pngPath)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 1100 || h != 396 {
		t.Errorf("two panels of 5×3.6 in at 110 dpi: got %d×%d", w, h)
	}
	svg := filepath.Join(dir, "c.svg")
	if err := Curves(svg, "run", s); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(svg)
	for _, want := range []string{"<svg", ">val_loss<", ">accuracy<", ">run: loss<"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if err := Curves(filepath.Join(dir, "c.gif"), "", s); err == nil || !strings.Contains(err.Error(), "want a .png, .svg or .pdf") {
		t.Errorf("gif: %v", err)
	}
	if err := Curves(filepath.Join(dir, "e.png"), "", nil); err == nil {
		t.Error("no series accepted")
	}
}

func TestConfusion(t *testing.T) {
	m, err := Confusion([]int{0, 0, 1, 2, 2, 2}, []int{0, 1, 1, 2, 2, 0}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 1, 0}, {0, 1, 0}, {1, 0, 2}}
	for i := range want {
		for j := range want[i] {
			if m[i][j] != want[i][j] {
				t.Fatalf("confusion %v, want %v", m, want)
			}
		}
	}
	if _, err := Confusion([]int{3}, []int{0}, 3); err == nil {
		t.Error("label 3 of 3 classes accepted")
	}
	dir := t.TempDir()
	svg := filepath.Join(dir, "cm.svg")
	if err := ConfusionMatrix(svg, "test", [][]int{{37, 2}, {5, 41}}, []string{"cat", "dog"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(svg)
	for _, w := range []string{">37<", ">41<", ">cat<", ">dog<", ">predicted<"} {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("confusion SVG lacks %q", w)
		}
	}
	if err := ConfusionMatrix(filepath.Join(dir, "cm.png"), "", m, nil); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add("epoch,loss,val_loss\n0,1,2\n1,0.5,0.7\n")
	f.Add("epoch,loss\n0,NaN\n")
	f.Fuzz(func(t *testing.T, s string) {
		ParseCSV(strings.NewReader(s))
	})
}

func FuzzParseReport(f *testing.F) {
	f.Add([]byte(`{"history":{"Epochs":[0,1],"Values":{"loss":[1,0.5]}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseReport(b)
	})
}
