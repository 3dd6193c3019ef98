package mnist

import (
	"embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tensile-ml/tensile/data"
)

//go:embed data/*.gz
var files embed.FS

// File names of the MNIST distribution.
const (
	TrainImages = "train-images-idx3-ubyte"
	TrainLabels = "train-labels-idx1-ubyte"
	TestImages  = "t10k-images-idx3-ubyte"
	TestLabels  = "t10k-labels-idx1-ubyte"
)

// Sizes of the MNIST sets.
const (
	NumTrain = 60000
	NumTest  = 10000
	Height   = 28
	Width    = 28
	Classes  = 10
)

// Load returns the embedded MNIST training (60000) and test (10000) sets:
// X scaled to [0, 1] with per-sample shape [28 28 1] (NHWC), Y the digit
// as a class id (YShape []).
func Load() (train, test *data.Dataset, err error) {
	open := func(name string) (io.ReadCloser, string, error) {
		p := "data/" + name + ".gz"
		f, err := files.Open(p)
		return f, p, err
	}
	return load(open)
}

// LoadDir reads MNIST-format data (the four files named as in the MNIST
// distribution, each either plain or gzipped with a ".gz" suffix) from dir.
// It also reads Fashion-MNIST, which uses the same names and format.
func LoadDir(dir string) (train, test *data.Dataset, err error) {
	open := func(name string) (io.ReadCloser, string, error) {
		p := filepath.Join(dir, name)
		if f, err := os.Open(p + ".gz"); err == nil {
			return f, p + ".gz", nil
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, p, fmt.Errorf("mnist: %s: neither %s nor %s.gz can be opened: %w", dir, name, name, err)
		}
		return f, p, nil
	}
	return load(open)
}

func load(open func(name string) (io.ReadCloser, string, error)) (train, test *data.Dataset, err error) {
	read := func(name string) (*data.IDX, error) {
		f, p, err := open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return data.ReadIDXFrom(p, f, strings.HasSuffix(p, ".gz"))
	}
	set := func(images, labels string) (*data.Dataset, error) {
		xi, err := read(images)
		if err != nil {
			return nil, err
		}
		yi, err := read(labels)
		if err != nil {
			return nil, err
		}
		if len(xi.Dims) != 3 || xi.Dims[1] != Height || xi.Dims[2] != Width || xi.Type != data.IDXUbyte {
			return nil, fmt.Errorf("mnist: %s: want N×28×28 unsigned bytes, got %v of type 0x%02x", images, xi.Dims, xi.Type)
		}
		if len(yi.Dims) != 1 || yi.Type != data.IDXUbyte {
			return nil, fmt.Errorf("mnist: %s: want N unsigned bytes, got %v of type 0x%02x", labels, yi.Dims, yi.Type)
		}
		for i, v := range yi.Raw {
			if v >= Classes {
				return nil, fmt.Errorf("mnist: %s: label %d of entry %d is not a digit", labels, v, i)
			}
		}
		ds, err := data.IDXDataset(xi, yi)
		if err != nil {
			return nil, fmt.Errorf("mnist: %s, %s: %w", images, labels, err)
		}
		ds.Classes = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
		return ds, nil
	}
	if train, err = set(TrainImages, TrainLabels); err != nil {
		return nil, nil, err
	}
	if test, err = set(TestImages, TestLabels); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}
