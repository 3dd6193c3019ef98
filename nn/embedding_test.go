package nn_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func TestEmbeddingLookupMatchesForward(t *testing.T) {
	l := nn.NewEmbedding(6, 3, nn.EmbeddingConfig{})
	if err := l.Build([]int{3}, tensor.NewRNG(2)); err != nil {
		t.Fatal(err)
	}
	ids := []int32{5, 0, 5, 2, 1, 4}
	fl := make([]float32, len(ids))
	for i, v := range ids {
		fl[i] = float32(v)
	}
	a := l.Lookup(ids, 2, 3)
	b := l.Forward(tensor.FromSlice(fl, 2, 3), false)
	if !slices.Equal(a.Shape(), []int{2, 3, 3}) || !slices.Equal(a.Data(), b.Data()) {
		t.Fatalf("Lookup %v %v != Forward %v %v", a.Shape(), a.Data(), b.Shape(), b.Data())
	}
	if got := l.Lookup(ids).Shape(); !slices.Equal(got, []int{6, 3}) {
		t.Errorf("Lookup without shape: %v", got)
	}
}

// TestEmbeddingLookupGradCheck checks the table's gradient through the int32
// path (row-sparse, densified by Grad) by finite differences.
func TestEmbeddingLookupGradCheck(t *testing.T) {
	l := nn.NewEmbedding(5, 4, nn.EmbeddingConfig{})
	ids := []int32{1, 4, 1, 0, 1, 3}
	l.Lookup(ids, 2, 3) // builds
	tensortest.GradCheck(t, "embedding lookup", func(...*tensor.Tensor) *tensor.Tensor {
		return l.Lookup(ids, 2, 3)
	}, tensortest.GradCheckOptions{Eps: 1e-3}, l.Embeddings)
}

// TestEmbeddingRowGrad checks that a training step leaves a row-sparse
// gradient with the touched rows, duplicates summed.
func TestEmbeddingRowGrad(t *testing.T) {
	l := nn.NewEmbedding(1000, 2, nn.EmbeddingConfig{})
	y := l.Lookup([]int32{7, 999, 7}, 3)
	tensor.Sum(y, nil, false).Backward()
	rg := l.Embeddings.RowGrad()
	if rg == nil || !slices.Equal(rg.Rows, []int32{7, 999}) || !slices.Equal(rg.Values, []float32{2, 2, 1, 1}) {
		t.Fatalf("RowGrad = %+v", rg)
	}
}

// TestEmbeddingL2 checks an L2 regularizer on the table: its gradient is
// dense, so the table's gradient is the dense sum of both parts.
func TestEmbeddingL2(t *testing.T) {
	l := nn.NewEmbedding(4, 2, nn.EmbeddingConfig{EmbeddingsRegularizer: nn.L2(0.5)})
	y := l.Lookup([]int32{3, 3}, 2)
	tensor.Add(tensor.Sum(y, nil, false), l.RegularizationLoss()).Backward()
	if l.Embeddings.RowGrad() != nil {
		t.Error("RowGrad with an L2 term is not nil")
	}
	w := l.Embeddings.Data()
	for i, g := range l.Embeddings.Grad().Data() {
		want := w[i] // d(0.5·w²)/dw
		if i/2 == 3 {
			want += 2
		}
		if d := g - want; d > 1e-6 || d < -1e-6 {
			t.Errorf("grad[%d] = %g, want %g", i, g, want)
		}
	}
}

// TestEmbeddingLargeIDs shows why ids need int32: id 2^24+1 is exact as an
// int32 but rounds to 2^24 as a float32, so Forward rejects ids from 2^24.
func TestEmbeddingLargeIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a 2^24-row table")
	}
	const big = 1<<24 + 1
	l := nn.NewEmbedding(big+1, 1, nn.EmbeddingConfig{EmbeddingsInitializer: nn.Zeros()})
	l.Lookup([]int32{0})
	d := l.Embeddings.Data()
	d[big-1], d[big] = 1, 2
	if got := l.Lookup([]int32{big}).Data()[0]; got != 2 {
		t.Errorf("Lookup(%d) = %g, want 2", big, got)
	}
	err := catchShape(func() { l.Forward(tensor.FromSlice([]float32{big}, 1, 1), false) })
	if err == nil || !strings.Contains(err.Error(), "2^24") {
		t.Errorf("Forward(float %d): error %v, want one about 2^24", big, err)
	}
}

func TestEmbeddingBadIDs(t *testing.T) {
	l := nn.NewEmbedding(5, 2, nn.EmbeddingConfig{})
	l.Lookup([]int32{0})
	nan := float32(0)
	nan /= nan
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"fraction", func() { l.Forward(tensor.FromSlice([]float32{1, 1.5}, 1, 2), false) }, "id 1.5 at flat position 1 is not an integer in [0, 5)"},
		{"negative", func() { l.Forward(tensor.FromSlice([]float32{-1}, 1, 1), false) }, "id -1 at flat position 0"},
		{"too big", func() { l.Forward(tensor.FromSlice([]float32{0, 5}, 1, 2), false) }, "id 5 at flat position 1"},
		{"nan", func() { l.Forward(tensor.FromSlice([]float32{nan}, 1, 1), false) }, "NaN"},
		{"int negative", func() { l.Lookup([]int32{2, -3}) }, "id -3 at flat position 1 is not in [0, 5)"},
		{"int too big", func() { l.Lookup([]int32{5}) }, "id 5 at flat position 0"},
		{"shape", func() { l.Lookup([]int32{1, 2, 3}, 2, 2) }, "3 ids do not fill the shape"},
	} {
		err := catchShape(tc.f)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), l.Name()) {
			t.Errorf("%s: error %v, want one naming the layer and containing %q", tc.name, err, tc.want)
		}
	}
}

// catchShape runs f and returns the *tensor.ShapeError it panics with.
func catchShape(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, _ := r.(error)
			var se *tensor.ShapeError
			if !errors.As(e, &se) {
				err = fmt.Errorf("panic %v is not a *tensor.ShapeError", r)
				return
			}
			err = se
		}
	}()
	f()
	return nil
}

// ExampleEmbedding_Lookup looks up int32 ids laid out as a [2, 3] batch.
func ExampleEmbedding_Lookup() {
	emb := nn.NewEmbedding(100_000, 8, nn.EmbeddingConfig{EmbeddingsInitializer: nn.Zeros()})
	y := emb.Lookup([]int32{99_999, 17, 0, 5, 5, 20_001}, 2, 3)
	fmt.Println(y.Shape())
	// Output: [2 3 8]
}
