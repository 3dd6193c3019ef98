package explain

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// Score selects what an attribution explains.
type Score int

const (
	// Logit explains the pre-activation output of the target class (the
	// usual choice for saliency, Integrated Gradients and Grad-CAM).
	Logit Score = iota
	// Probability explains the model's output after its final activation.
	Probability
)

// Explainer computes attributions for a model whose layers form a chain
// (a Sequential model, or a functional model without branches).
type Explainer struct {
	m      *model.Model
	layers []nn.Layer // without input layers
	in     []int      // per-sample input shape
	// Score selects logit (default) or probability attributions.
	Score Score
}

// New returns an Explainer for m, which must be built. It is an error when
// m's layers do not form a single chain (checked by comparing a layer-by-
// layer forward pass with the model's own on a probe input).
func New(m *model.Model) (*Explainer, error) {
	if !m.Built() {
		if err := m.Build(nil); err != nil {
			return nil, err
		}
	}
	ins := m.InputShapes()
	if len(ins) != 1 || len(m.OutputShapes()) != 1 {
		return nil, errors.New("explain: the model must have one input and one output")
	}
	e := &Explainer{m: m, in: ins[0]}
	for _, l := range m.Layers() {
		switch l.(type) {
		case *nn.Input:
			continue
		case nn.MultiInputLayer:
			return nil, fmt.Errorf("explain: layer %q (%s) merges branches; only layer chains are supported", l.Name(), l.ClassName())
		}
		e.layers = append(e.layers, l)
	}
	for _, d := range e.in {
		if d <= 0 {
			return nil, fmt.Errorf("explain: input shape %v has an open dimension; give a concrete input", e.in)
		}
	}
	err := model.Guard(func() error {
		probe := tensor.RandUniform(tensor.NewRNG(1), 0, 1, append([]int{1}, e.in...)...)
		var want *tensor.Tensor
		var err error
		tensor.NoGrad(func() {
			var outs []*tensor.Tensor
			outs, err = m.Call([]*tensor.Tensor{probe}, false)
			if err == nil {
				want = outs[0]
			}
		})
		if err != nil {
			return err
		}
		var got *tensor.Tensor
		tensor.NoGrad(func() { got = e.output(e.forward(probe, 0, len(e.layers), false)) })
		g, w := got.Float32s(), want.Float32s()
		if len(g) != len(w) {
			return errors.New("explain: the model is not a layer chain")
		}
		for i := range g {
			if math.Abs(float64(g[i]-w[i])) > 1e-4*(1+math.Abs(float64(w[i]))) {
				return errors.New("explain: the model is not a layer chain (its graph branches)")
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Model returns the explained model.
func (e *Explainer) Model() *model.Model { return e.m }

// InputShape returns the per-sample input shape.
func (e *Explainer) InputShape() []int { return e.in }

// forward runs layers [from, to) on h in inference mode. With logits set
// and to == len(layers), the last layer returns its pre-activation.
func (e *Explainer) forward(h *tensor.Tensor, from, to int, logits bool) *tensor.Tensor {
	for i := from; i < to; i++ {
		l := e.layers[i]
		if logits && i == len(e.layers)-1 {
			if ll, ok := l.(nn.LogitsLayer); ok {
				h = ll.ForwardLogits(h, false)
				continue
			}
		}
		h = l.Forward(h, false)
	}
	return h
}

// output applies nothing: the layers' Forward already includes the final
// activation. It exists so New compares like with like.
func (e *Explainer) output(h *tensor.Tensor) *tensor.Tensor { return h }

// scores runs layers [from, end) and returns the output the Score selects,
// [N, K].
func (e *Explainer) scores(h *tensor.Tensor, from int) *tensor.Tensor {
	out := e.forward(h, from, len(e.layers), e.Score == Logit)
	if out.Dims() != 2 {
		n := out.Dim(0)
		out = out.Reshape(n, out.Size()/n)
	}
	return out
}

// targetSum returns Σ_n out[n, target], the scalar whose gradient the
// attributions use (samples are independent in inference mode).
func targetSum(out *tensor.Tensor, target int) *tensor.Tensor {
	n, k := out.Dim(0), out.Dim(1)
	if target < 0 || target >= k {
		panic(fmt.Errorf("explain: target class %d out of range [0, %d)", target, k))
	}
	oh := make([]float32, n*k)
	for i := 0; i < n; i++ {
		oh[i*k+target] = 1
	}
	return tensor.Sum(tensor.Mul(out, tensor.FromSlice(oh, n, k)), nil, false)
}

// checkInput validates x against the model's per-sample input shape and
// returns it as a fresh [1, ...] tensor.
func (e *Explainer) checkInput(x []float32) (*tensor.Tensor, error) {
	n := 1
	for _, d := range e.in {
		n *= d
	}
	if len(x) != n {
		return nil, fmt.Errorf("explain: input has %d values, the model takes %v (%d)", len(x), e.in, n)
	}
	return tensor.FromSlice(append([]float32(nil), x...), append([]int{1}, e.in...)...), nil
}

// Predict returns the model's output (after its final activation) for one
// input, and the index of the largest.
func (e *Explainer) Predict(x []float32) (out []float32, class int, err error) {
	t, err := e.checkInput(x)
	if err != nil {
		return nil, 0, err
	}
	err = model.Guard(func() error {
		tensor.NoGrad(func() { out = e.forward(t, 0, len(e.layers), false).Float32s() })
		return nil
	})
	for i, v := range out {
		if v > out[class] {
			class = i
		}
	}
	return out, class, err
}

// gradBatch returns the gradient of the target score with respect to each
// sample of the batch xs [N, ...] (one forward and one backward pass), and
// the scores.
func (e *Explainer) gradBatch(xs *tensor.Tensor, target int) (grad, score []float32, err error) {
	err = model.Guard(func() error {
		xs.SetRequiresGrad(true)
		out := e.scores(xs, 0)
		targetSum(out, target).Backward()
		g := xs.Grad()
		if g == nil {
			return errors.New("explain: the model's output does not depend on its input")
		}
		grad = g.Float32s()
		o := out.Detach().Float32s()
		k := out.Dim(1)
		for i := 0; i < out.Dim(0); i++ {
			score = append(score, o[i*k+target])
		}
		return nil
	})
	return grad, score, err
}

// Saliency returns the gradient of the target score with respect to the
// input (Simonyan et al. 2014), same shape as x.
func (e *Explainer) Saliency(x []float32, target int) ([]float32, error) {
	t, err := e.checkInput(x)
	if err != nil {
		return nil, err
	}
	g, _, err := e.gradBatch(t, target)
	return g, err
}

// GradientXInput returns gradient ⊙ input.
func (e *Explainer) GradientXInput(x []float32, target int) ([]float32, error) {
	g, err := e.Saliency(x, target)
	if err != nil {
		return nil, err
	}
	for i := range g {
		g[i] *= x[i]
	}
	return g, nil
}

// SmoothGrad returns the mean gradient over n copies of x with Gaussian
// noise of standard deviation noise·(max(x) − min(x)) (Smilkov et al.
// 2017), computed in one batch. Defaults: n = 25, noise = 0.15.
func (e *Explainer) SmoothGrad(x []float32, target, n int, noise float64, seed uint64) ([]float32, error) {
	if n <= 0 {
		n = 25
	}
	if noise <= 0 {
		noise = 0.15
	}
	if _, err := e.checkInput(x); err != nil {
		return nil, err
	}
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	sd := noise * float64(hi-lo)
	if sd == 0 {
		sd = noise
	}
	rng := rand.New(rand.NewPCG(seed, 0x5e00))
	d := len(x)
	buf := make([]float32, n*d)
	for i := 0; i < n; i++ {
		for j, v := range x {
			buf[i*d+j] = v + float32(rng.NormFloat64()*sd)
		}
	}
	g, _, err := e.gradBatch(tensor.FromSlice(buf, append([]int{n}, e.in...)...), target)
	if err != nil {
		return nil, err
	}
	out := make([]float32, d)
	for i := 0; i < n; i++ {
		for j := range out {
			out[j] += g[i*d+j] / float32(n)
		}
	}
	return out, nil
}

// IGResult holds Integrated Gradients attributions and their completeness
// check.
type IGResult struct {
	Attributions []float32 // same shape as the input
	Sum          float64   // Σ attributions
	Delta        float64   // f(x) − f(baseline) for the target score
	// CompletenessError is |Sum − Delta| / |Delta| (Sundararajan et al.
	// 2017, Proposition 1: the exact integral has error 0).
	CompletenessError float64
}

// IntegratedGradients returns (x − b) ⊙ ∫₀¹ ∇f(b + α(x − b)) dα for the
// target score, with the integral by the trapezoidal rule over steps
// intervals (default 100), all points in one batch of steps+1. baseline nil
// means all zeros (a black image).
func (e *Explainer) IntegratedGradients(x, baseline []float32, target, steps int) (*IGResult, error) {
	if steps <= 0 {
		steps = 100
	}
	if _, err := e.checkInput(x); err != nil {
		return nil, err
	}
	d := len(x)
	if baseline == nil {
		baseline = make([]float32, d)
	}
	if len(baseline) != d {
		return nil, fmt.Errorf("explain: baseline has %d values, the input %d", len(baseline), d)
	}
	n := steps + 1
	buf := make([]float32, n*d)
	for i := 0; i < n; i++ {
		a := float32(i) / float32(steps)
		for j := range x {
			buf[i*d+j] = baseline[j] + a*(x[j]-baseline[j])
		}
	}
	g, s, err := e.gradBatch(tensor.FromSlice(buf, append([]int{n}, e.in...)...), target)
	if err != nil {
		return nil, err
	}
	r := &IGResult{Attributions: make([]float32, d), Delta: float64(s[steps]) - float64(s[0])}
	for j := 0; j < d; j++ {
		var acc float64
		for i := 0; i < n; i++ {
			w := 1.0
			if i == 0 || i == steps {
				w = 0.5
			}
			acc += w * float64(g[i*d+j])
		}
		v := float64(x[j]-baseline[j]) * acc / float64(steps)
		r.Attributions[j] = float32(v)
		r.Sum += v
	}
	r.CompletenessError = math.Abs(r.Sum-r.Delta) / math.Max(math.Abs(r.Delta), 1e-12)
	return r, nil
}

// layerIndex returns the chain index of the named layer.
func (e *Explainer) layerIndex(name string) (int, error) {
	for i, l := range e.layers {
		if l.Name() == name {
			return i, nil
		}
	}
	var names []string
	for _, l := range e.layers {
		names = append(names, l.Name())
	}
	return 0, fmt.Errorf("explain: no layer %q (layers: %v)", name, names)
}

// LastConv returns the name of the last Conv2D layer, the usual Grad-CAM
// layer, or "" when there is none.
func (e *Explainer) LastConv() string {
	name := ""
	for _, l := range e.layers {
		if l.ClassName() == "Conv2D" {
			name = l.Name()
		}
	}
	return name
}

// Activations returns the output of the named layer for input x, with its
// per-sample shape.
func (e *Explainer) Activations(x []float32, layer string) (act []float32, shape []int, err error) {
	t, err := e.checkInput(x)
	if err != nil {
		return nil, nil, err
	}
	li, err := e.layerIndex(layer)
	if err != nil {
		return nil, nil, err
	}
	err = model.Guard(func() error {
		tensor.NoGrad(func() {
			a := e.forward(t, 0, li+1, false)
			act, shape = a.Float32s(), append([]int(nil), a.Shape()[1:]...)
		})
		return nil
	})
	return act, shape, err
}

// GradCAM returns the Grad-CAM map (Selvaraju et al. 2017) of the named
// layer, whose output must be [H', W', C]: ReLU(Σ_c α_c A_c) with α_c the
// spatial mean of ∂score/∂A_c. The map is [H', W']; Upsample scales it to
// the input.
func (e *Explainer) GradCAM(x []float32, target int, layer string) (cam []float32, h, w int, err error) {
	t, err := e.checkInput(x)
	if err != nil {
		return nil, 0, 0, err
	}
	li, err := e.layerIndex(layer)
	if err != nil {
		return nil, 0, 0, err
	}
	err = model.Guard(func() error {
		var a *tensor.Tensor
		tensor.NoGrad(func() { a = e.forward(t, 0, li+1, false) })
		if a.Dims() != 4 {
			return fmt.Errorf("explain: Grad-CAM layer %q has output %v; want [H, W, C]", layer, a.Shape()[1:])
		}
		a = a.Detach().Clone().SetRequiresGrad(true)
		targetSum(e.scores(a, li+1), target).Backward()
		if a.Grad() == nil {
			return fmt.Errorf("explain: the output does not depend on layer %q", layer)
		}
		h, w = a.Dim(1), a.Dim(2)
		c := a.Dim(3)
		g, av := a.Grad().Float32s(), a.Float32s()
		alpha := make([]float64, c)
		for p := 0; p < h*w; p++ {
			for k := 0; k < c; k++ {
				alpha[k] += float64(g[p*c+k]) / float64(h*w)
			}
		}
		cam = make([]float32, h*w)
		for p := range cam {
			var s float64
			for k := 0; k < c; k++ {
				s += alpha[k] * float64(av[p*c+k])
			}
			cam[p] = float32(max(s, 0))
		}
		return nil
	})
	return cam, h, w, err
}

// Occlusion returns, per input pixel, the mean drop of the target score
// when a window×window patch (all channels) around it is set to fill
// (Zeiler and Fergus 2014); patches move by stride. The input must be
// [H, W, C] or [H, W]. All occluded copies run in batches.
func (e *Explainer) Occlusion(x []float32, target, window, stride int, fill float32) ([]float32, error) {
	if _, err := e.checkInput(x); err != nil {
		return nil, err
	}
	if len(e.in) < 2 || len(e.in) > 3 {
		return nil, fmt.Errorf("explain: occlusion needs an image input [H, W, C], not %v", e.in)
	}
	if window <= 0 || stride <= 0 {
		return nil, fmt.Errorf("explain: occlusion window %d and stride %d must be > 0", window, stride)
	}
	H, W := e.in[0], e.in[1]
	C := 1
	if len(e.in) == 3 {
		C = e.in[2]
	}
	d := len(x)
	type patch struct{ y, x int }
	var ps []patch
	for y := 0; y+window <= H || y == 0; y += stride {
		for xx := 0; xx+window <= W || xx == 0; xx += stride {
			ps = append(ps, patch{y, xx})
		}
	}
	base, _, err := e.scoreOf(x, target)
	if err != nil {
		return nil, err
	}
	sum := make([]float64, H*W)
	cnt := make([]float64, H*W)
	const chunk = 64
	for s := 0; s < len(ps); s += chunk {
		part := ps[s:min(s+chunk, len(ps))]
		buf := make([]float32, len(part)*d)
		for i, p := range part {
			copy(buf[i*d:], x)
			for y := p.y; y < min(p.y+window, H); y++ {
				for xx := p.x; xx < min(p.x+window, W); xx++ {
					for c := 0; c < C; c++ {
						buf[i*d+(y*W+xx)*C+c] = fill
					}
				}
			}
		}
		sc, err := e.scoreBatch(tensor.FromSlice(buf, append([]int{len(part)}, e.in...)...), target)
		if err != nil {
			return nil, err
		}
		for i, p := range part {
			for y := p.y; y < min(p.y+window, H); y++ {
				for xx := p.x; xx < min(p.x+window, W); xx++ {
					sum[y*W+xx] += float64(base - sc[i])
					cnt[y*W+xx]++
				}
			}
		}
	}
	out := make([]float32, H*W)
	for i := range out {
		if cnt[i] > 0 {
			out[i] = float32(sum[i] / cnt[i])
		}
	}
	return out, nil
}

func (e *Explainer) scoreOf(x []float32, target int) (float32, []float32, error) {
	t, err := e.checkInput(x)
	if err != nil {
		return 0, nil, err
	}
	s, err := e.scoreBatch(t, target)
	if err != nil {
		return 0, nil, err
	}
	return s[0], s, nil
}

func (e *Explainer) scoreBatch(xs *tensor.Tensor, target int) (s []float32, err error) {
	err = model.Guard(func() error {
		tensor.NoGrad(func() {
			out := e.scores(xs, 0)
			k := out.Dim(1)
			if target < 0 || target >= k {
				panic(fmt.Errorf("explain: target class %d out of range [0, %d)", target, k))
			}
			o := out.Float32s()
			for i := 0; i < out.Dim(0); i++ {
				s = append(s, o[i*k+target])
			}
		})
		return nil
	})
	return s, err
}

// Upsample resizes a [h, w] map to [H, W] bilinearly with half-pixel
// centres (PyTorch's interpolate with align_corners=False).
func Upsample(m []float32, h, w, H, W int) []float32 {
	out := make([]float32, H*W)
	src := func(o, in, out int) (int, int, float32) {
		s := (float64(o)+0.5)*float64(in)/float64(out) - 0.5
		if s < 0 {
			s = 0
		}
		i0 := int(s)
		if i0 > in-1 {
			i0 = in - 1
		}
		i1 := min(i0+1, in-1)
		return i0, i1, float32(s - float64(i0))
	}
	for y := 0; y < H; y++ {
		y0, y1, fy := src(y, h, H)
		for x := 0; x < W; x++ {
			x0, x1, fx := src(x, w, W)
			top := m[y0*w+x0]*(1-fx) + m[y0*w+x1]*fx
			bot := m[y1*w+x0]*(1-fx) + m[y1*w+x1]*fx
			out[y*W+x] = top*(1-fy) + bot*fy
		}
	}
	return out
}
