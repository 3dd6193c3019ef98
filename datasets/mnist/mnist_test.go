package mnist

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	train, test, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if train.N != NumTrain || test.N != NumTest {
		t.Fatalf("sizes %d/%d, want %d/%d", train.N, test.N, NumTrain, NumTest)
	}
	for _, ds := range []struct {
		name string
		x, y []float32
		n    int
		shp  []int
	}{{"train", train.X, train.Y, train.N, train.XShape}, {"test", test.X, test.Y, test.N, test.XShape}} {
		if len(ds.shp) != 3 || ds.shp[0] != 28 || ds.shp[1] != 28 || ds.shp[2] != 1 {
			t.Errorf("%s: XShape %v, want [28 28 1]", ds.name, ds.shp)
		}
		if len(ds.x) != ds.n*784 || len(ds.y) != ds.n {
			t.Fatalf("%s: len(X)=%d len(Y)=%d", ds.name, len(ds.x), len(ds.y))
		}
		var count [10]int
		for _, v := range ds.y {
			if v < 0 || v > 9 || v != float32(int(v)) {
				t.Fatalf("%s: label %v", ds.name, v)
			}
			count[int(v)]++
		}
		for d, c := range count {
			if c < ds.n/20 {
				t.Errorf("%s: only %d samples of digit %d", ds.name, c, d)
			}
		}
		lo, hi := float32(1), float32(0)
		for _, v := range ds.x {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixel range [%v, %v], want [0, 1]", ds.name, lo, hi)
		}
	}
	if train.NumClasses() != 10 {
		t.Errorf("NumClasses %d", train.NumClasses())
	}
	// Well-known facts of the MNIST files: the first training labels are
	// 5 0 4 1 9 and the first test labels are 7 2 1 0 4.
	for i, want := range []float32{5, 0, 4, 1, 9} {
		if train.Y[i] != want {
			t.Errorf("train label %d = %v, want %v", i, train.Y[i], want)
		}
	}
	for i, want := range []float32{7, 2, 1, 0, 4} {
		if test.Y[i] != want {
			t.Errorf("test label %d = %v, want %v", i, test.Y[i], want)
		}
	}
	// The mean pixel of the training set is 0.1307 (the usual normalization constant).
	var sum float64
	for _, v := range train.X {
		sum += float64(v)
	}
	if mean := sum / float64(len(train.X)); mean < 0.1306 || mean > 0.1308 {
		t.Errorf("train mean pixel %v, want 0.1307", mean)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{TrainImages, TrainLabels, TestImages, TestLabels} {
		b, err := files.ReadFile("data/" + name + ".gz")
		if err != nil {
			t.Fatal(err)
		}
		if name == TrainLabels {
			b = b[:len(b)/2] // corrupt: truncated gzip
		}
		if err := os.WriteFile(filepath.Join(dir, name+".gz"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), TrainLabels) {
		t.Fatalf("truncated labels: err = %v, want one naming %s", err, TrainLabels)
	}
	t.Log(err)
	if _, _, err := LoadDir(t.TempDir()); err == nil {
		t.Fatal("empty dir: no error")
	}
}
