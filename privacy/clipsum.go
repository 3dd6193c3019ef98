package privacy

import (
	"fmt"

	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// canSum reports whether every layer with weights has a clipped-sum rule,
// so that a DP step can take its update from the per-example pass alone.
// The recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional) have none:
// models with them take the two-pass step.
func (p *PerExample) canSum() bool {
	for _, l := range p.layers {
		switch l.(type) {
		case *nn.Dense, *nn.Conv2D, *nn.Embedding, *nn.LayerNormalization:
		default:
			if len(l.Params()) > 0 {
				return false
			}
		}
	}
	return true
}

// clippedSum returns, for every weight of layer l, Σ_i s_i g_i: the sum of
// the examples' gradients g_i weighted by s (the clip factor over the
// expected batch size), from the layer's segment of the pass and its rule's
// output r. Where the rule materialised the per-example gradients (biases,
// LayerNorm, and the kernels whose norm came from the batched GEMM) the sum
// is a weighted sum of those; a Dense or Conv2D kernel whose norm came from
// a shortcut (‖x‖·‖dz‖, or the Gram matrices) takes one GEMM of the shape
// an ordinary backward pass has: Xᵀ·(s⊙dZ), X the inputs or the im2col
// patches.
func clippedSum(a *tensor.Arena, l nn.Layer, s *segment, r ruleOut, scale []float32) map[*tensor.Tensor]*tensor.Tensor {
	out := map[*tensor.Tensor]*tensor.Tensor{}
	b := len(scale)
	// Per-example gradients the rule already holds (biases, LayerNorm).
	for w, g := range r.grads {
		n := w.Size()
		sum := a.Zeros(w.Shape()...)
		sv := sum.Data()
		for i := 0; i < b; i++ {
			if scale[i] != 0 {
				kernels.Axpy(sv, scale[i], g[i*n:(i+1)*n])
			}
		}
		out[w] = sum
	}
	// scaledRows returns dZ with row block i (rows i·t … i·t+t−1) times s_i.
	scaledRows := func(dz []float32, t, u int) *tensor.Tensor {
		z := a.Uninit(b*t, u)
		zv := z.Data()
		for i := 0; i < b; i++ {
			kernels.ScaleTo(zv[i*t*u:(i+1)*t*u], dz[i*t*u:(i+1)*t*u], scale[i])
		}
		return z
	}
	switch l := l.(type) {
	case *nn.Dense:
		if out[l.Kernel] != nil {
			break // from the rule's per-example kernels
		}
		d, u := l.Kernel.Dim(0), l.Kernel.Dim(1)
		t := s.in.Size() / (b * d)
		x := s.in.Detach().Reshape(b*t, d)
		out[l.Kernel] = tensor.MatMul(x.Transpose(), scaledRows(s.gout.Data(), t, u)).Reshape(l.Kernel.Shape()...)
	case *nn.Conv2D:
		if out[l.Kernel] != nil {
			break
		}
		k, co := r.patches.Dim(2), l.Kernel.Dim(3)
		pp := r.patches.Dim(1)
		pt := r.patches.Reshape(b*pp, k)
		out[l.Kernel] = tensor.MatMul(pt.Transpose(), scaledRows(s.gout.Data(), pp, co)).Reshape(l.Kernel.Shape()...)
	case *nn.Embedding:
		es := l.Embeddings.Shape()
		V, D := es[0], es[1]
		sum := a.Zeros(V, D)
		sv, iv, gv := sum.Data(), s.in.Data(), s.gout.Data()
		t := s.in.Size() / b
		for i := 0; i < b; i++ {
			for j := 0; j < t; j++ {
				id := int(iv[i*t+j])
				if id < 0 || id >= V || scale[i] == 0 {
					continue
				}
				row := sv[id*D : (id+1)*D]
				for k, v := range gv[(i*t+j)*D : (i*t+j+1)*D] {
					row[k] += scale[i] * v
				}
			}
		}
		out[l.Embeddings] = sum
	}
	return out
}

// fusedStep is a DP-SGD step whose update comes from the per-example pass
// itself: one forward and one backward pass give the per-example norms, the
// clip factors, and the clipped gradient sum, with no second pass through
// TrainStep. It matches the two-pass step (TrainStep with sample weights
// c_i·B/E) up to float rounding: the same clipped sum over E, plus the
// layers' weight penalties, plus the noise, then one optimizer update; the
// compiled metrics see the pass's outputs.
func (d *DPSGD) fusedStep(x, y *tensor.Tensor, real int) (float64, error) {
	pe := d.pe
	defer pe.arena.Reset()
	segs, err := pe.pass(x, y)
	if err != nil {
		return 0, err
	}
	b := x.Dim(0)
	norms, rules, err := pe.norms(segs, b)
	if err != nil {
		return 0, err
	}
	w := d.ClipWeights(norms, real)
	scale := make([]float32, b)
	for i, v := range w {
		scale[i] = v / float32(b) // the mean loss's weight: c_i/E
	}
	params := d.m.Params()
	trainable := make(map[*tensor.Tensor]bool, len(params))
	for _, q := range params {
		trainable[q] = true
		q.ZeroGrad()
	}
	err = model.Guard(func() error {
		for i, l := range pe.layers {
			if len(l.Params()) == 0 {
				continue
			}
			for q, g := range clippedSum(pe.arena, l, &segs[i], rules[i], scale) {
				if trainable[q] {
					q.BackwardWith(g)
				}
			}
			if r, ok := l.(nn.Regularized); ok {
				if rl := r.RegularizationLoss(); rl != nil {
					rl.Backward()
				}
			}
		}
		for _, q := range params {
			if q.Grad() == nil {
				return fmt.Errorf("privacy: weight %q has no gradient", q.Name())
			}
		}
		if err := d.addNoise(params); err != nil {
			return err
		}
		d.m.Optimizer().Step(params)
		if ms := d.m.Metrics(); len(ms) > 0 {
			pred := segs[len(segs)-1].out.Detach()
			for _, mt := range ms {
				mt.Update(y, pred)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return pe.lastLoss, nil
}
