package speech

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

type ctcCase struct {
	B, T, K int
	Logits  []float32
	Targets [][]float32
	Loss    []float64
	Grad    []float64
}

func loadCTCGolden(t *testing.T) []ctcCase {
	t.Helper()
	b, err := os.ReadFile("../testdata/golden/ctc/ctc.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct{ Cases []ctcCase }
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g.Cases
}

func targetsTensor(c ctcCase) *tensor.Tensor {
	l := len(c.Targets[0])
	var flat []float32
	for _, row := range c.Targets {
		flat = append(flat, row...)
	}
	return tensor.FromSlice(flat, c.B, l)
}

func TestCTCGolden(t *testing.T) {
	for ci, c := range loadCTCGolden(t) {
		x := tensor.FromSlice(append([]float32(nil), c.Logits...), c.B, c.T, c.K).SetRequiresGrad(true)
		loss := NewCTCLoss().PerSample(targetsTensor(c), x)
		for i, want := range c.Loss {
			if got := float64(loss.Data()[i]); math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
				t.Errorf("case %d sample %d: loss %.6f, torch %.6f", ci, i, got, want)
			}
		}
		tensor.Sum(loss, nil, false).Backward()
		g := x.Grad().Data()
		for i, want := range c.Grad {
			if math.Abs(float64(g[i])-want) > 1e-4*math.Max(1e-2, math.Abs(want)) {
				t.Fatalf("case %d: grad[%d] = %.6g, torch %.6g", ci, i, g[i], want)
			}
		}
	}
}

func TestCTCGradCheck(t *testing.T) {
	c := loadCTCGolden(t)[0]
	y := targetsTensor(c)
	x := tensor.FromSlice(append([]float32(nil), c.Logits...), c.B, c.T, c.K)
	tensortest.GradCheck(t, "CTCLoss", func(xs ...*tensor.Tensor) *tensor.Tensor {
		return NewCTCLoss().PerSample(y, xs[0])
	}, tensortest.GradCheckOptions{Eps: 1e-3, Tol: 1e-2}, x)
}

func TestCTCBadTarget(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("a blank id as target did not panic")
		}
	}()
	NewCTCLoss().PerSample(tensor.FromSlice([]float32{2}, 1, 1), tensor.Zeros(1, 4, 3))
}

// onehot builds logits that strongly favour the given class per frame.
func onehot(path []int, k int) []float32 {
	out := make([]float32, len(path)*k)
	for f, c := range path {
		out[f*k+c] = 10
	}
	return out
}

func TestDecoders(t *testing.T) {
	const k = 4 // classes 0, 1, 2 and the blank 3
	for _, tc := range []struct {
		path []int
		want []int
	}{
		{[]int{3, 0, 0, 3, 1, 1, 1, 3}, []int{0, 1}},
		{[]int{0, 3, 0, 2, 2}, []int{0, 0, 2}},
		{[]int{3, 3, 3}, nil},
	} {
		s := onehot(tc.path, k)
		if got := GreedyDecode(s, len(tc.path), k); !slices.Equal(got, tc.want) {
			t.Errorf("greedy %v: %v, want %v", tc.path, got, tc.want)
		}
		if got, _ := BeamDecode(s, len(tc.path), k, 8); !slices.Equal(got, tc.want) {
			t.Errorf("beam %v: %v, want %v", tc.path, got, tc.want)
		}
	}
	// Beam search sums alignments: two frames that each prefer blank
	// slightly (0.4 blank, 0.35 "0", 0.25 "1") give "0" more probability in
	// total than the empty string, which greedy decoding outputs.
	lg := func(p ...float64) []float32 {
		out := make([]float32, len(p))
		for i, v := range p {
			out[i] = float32(math.Log(v))
		}
		return out
	}
	s := append(lg(0.35, 0.25, 0.4), lg(0.35, 0.25, 0.4)...)
	if got := GreedyDecode(s, 2, 3); len(got) != 0 {
		t.Errorf("greedy: %v, want empty", got)
	}
	got, lp := BeamDecode(s, 2, 3, 10)
	// p("0") = .35·.35 + .35·.4 + .4·.35 = 0.4025 > p("") = 0.16
	if !slices.Equal(got, []int{0}) || math.Abs(math.Exp(lp)-0.4025) > 1e-6 {
		t.Errorf("beam: %v with p %.4f, want [0] with 0.4025", got, math.Exp(lp))
	}
	// The beam's probability of a labelling matches the CTC loss.
	loss, _ := CTC(s, 2, 3, []int{0})
	if math.Abs(-loss-lp) > 1e-6 {
		t.Errorf("beam log p %.6f, CTC %.6f", lp, -loss)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b []int
		want int
	}{
		{nil, nil, 0},
		{[]int{1, 2, 3}, []int{1, 2, 3}, 0},
		{[]int{1, 2, 3}, []int{1, 3}, 1},
		{[]int{1, 2, 3}, []int{4, 2, 3, 5}, 2},
		{nil, []int{1, 2}, 2},
	} {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestTrainCTCLearnsTones trains the CTC recogniser on strings of three
// tone "words" (300, 900 and 2000 Hz) and checks the digit error rate on
// fresh strings.
func TestTrainCTCLearnsTones(t *testing.T) {
	if testing.Short() || purego {
		t.Skip("CTC learning test: skipped with -short and with -tags purego (slow pure-Go kernels)")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	freqs := []float64{300, 900, 2000}
	var clips [][]float32
	var labels []int
	for i := range 30 {
		c := i % 3
		x := make([]float32, 1600+rng.IntN(800))
		for j := range x {
			x[j] = float32(0.5*math.Sin(2*math.Pi*freqs[c]*float64(j)/8000) + 0.02*rng.NormFloat64())
		}
		clips, labels = append(clips, x), append(labels, c)
	}
	sc := StringConfig{MinLen: 2, MaxLen: 4}
	r, _, err := TrainCTC(clips, labels, []string{"a", "b", "c"}, CTCConfig{Epochs: 6, Strings: 160, Seconds: 2, Seed: 1,
		StringConfig: sc, Verbose: model.VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	waves, refs, err := Strings(clips, labels, 40, 8000, r.Settings.Samples, sc, rand.New(rand.NewPCG(9, 9)))
	if err != nil {
		t.Fatal(err)
	}
	for _, beam := range []int{1, 4} {
		hyp, err := r.Transcribe(waves, beam)
		if err != nil {
			t.Fatal(err)
		}
		der := ErrorRate(hyp, refs)
		t.Logf("beam %d: error rate %.3f; %v → %v", beam, der, refs[0], hyp[0])
		if der > 0.2 {
			t.Errorf("beam %d: error rate %.3f on tone strings, want <= 0.2", beam, der)
		}
	}
}
