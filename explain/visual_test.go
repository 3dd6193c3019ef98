package explain

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/zoo"
)

func TestGraphDOTSVG(t *testing.T) {
	m := zoo.MNISTCNN()
	if err := m.Build(nil); err != nil {
		t.Fatal(err)
	}
	nodes, err := Graph(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 9 {
		t.Fatalf("%d nodes, want 9 (input + 8 layers)", len(nodes))
	}
	if got := nodes[1].Output; got != "(26, 26, 32)" {
		t.Errorf("first conv output %q, want (26, 26, 32)", got)
	}
	if got := nodes[8].Output; got != "(10,)" {
		t.Errorf("last output %q, want (10,)", got)
	}
	var dot bytes.Buffer
	if err := WriteDOT(&dot, "mnist", nodes); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(dot.String(), "->"); n != 8 {
		t.Errorf("DOT has %d edges, want 8:\n%s", n, dot.String())
	}
	var svg bytes.Buffer
	if err := WriteSVG(&svg, nodes); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&svg)
	rects := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "rect" {
			rects++
		}
	}
	if rects != 9 {
		t.Errorf("SVG has %d boxes, want 9", rects)
	}
}

func TestFeatureMapsFiltersGrid(t *testing.T) {
	// Activations [2, 2, 3]: channel k at pixel p is 10p + k.
	act := make([]float32, 12)
	for p := 0; p < 4; p++ {
		for k := 0; k < 3; k++ {
			act[p*3+k] = float32(10*p + k)
		}
	}
	tiles, h, w, err := FeatureMaps(act, []int{2, 2, 3})
	if err != nil || len(tiles) != 3 || h != 2 || w != 2 {
		t.Fatalf("FeatureMaps: %v tiles %d %dx%d", err, len(tiles), h, w)
	}
	if tiles[2][3] != 32 {
		t.Errorf("tile 2 pixel 3 = %v, want 32", tiles[2][3])
	}
	// Kernel [1, 2, 2, 2] HWIO: value = 100·p + 10·i + o.
	k := make([]float32, 8)
	for p := 0; p < 2; p++ {
		for i := 0; i < 2; i++ {
			for o := 0; o < 2; o++ {
				k[(p*2+i)*2+o] = float32(100*p + 10*i + o)
			}
		}
	}
	ft, kh, kw, err := Filters(k, []int{1, 2, 2, 2})
	if err != nil || kh != 1 || kw != 2 {
		t.Fatal(err)
	}
	if ft[1][1] != 106 { // mean over i of 100 + 10i + 1
		t.Errorf("filter 1 tap 1 = %v, want 106", ft[1][1])
	}
	img := Grid(tiles, h, w, 2, 3)
	if b := img.Bounds(); b.Dx() != 2*(2*3+1)+1 || b.Dy() != 2*(2*3+1)+1 {
		t.Errorf("grid size %v", b)
	}
	// Tile 0 normalised: pixel 3 (value 30) is white, pixel 0 black.
	if img.GrayAt(1, 1).Y != 0 || img.GrayAt(1+3*1+1, 1+3*1+1).Y != 255 {
		t.Errorf("grid tile not normalised: %v %v", img.GrayAt(1, 1), img.GrayAt(5, 5))
	}
	var buf bytes.Buffer
	if err := WritePNG(&buf, HeatmapImage([]float32{0, 1, 2, 3}, 2, 2, []float32{1, 1, 0, 0}, 4)); err != nil {
		t.Fatal(err)
	}
	if im, err := png.Decode(&buf); err != nil || im.Bounds().Dx() != 8 {
		t.Errorf("heatmap PNG: %v", err)
	}
	if _, _, _, err := FeatureMaps(act, []int{12}); err == nil {
		t.Error("FeatureMaps on a vector: no error")
	}
	if _, _, _, err := Heatmap(act, []int{5, 5}); err == nil {
		t.Error("Heatmap with wrong size: no error")
	}
}
