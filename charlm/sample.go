package charlm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/text"
)

// SampleOptions control Sample.
type SampleOptions struct {
	// Length is the number of characters to generate.
	Length int
	// Temperature divides the logits before the softmax: below 1 is more
	// conservative, above 1 more varied; 0 picks the most likely character
	// (greedy).
	Temperature float64
	// TopK keeps only the K most likely characters (0: all).
	TopK int
	// Seed fixes the random stream: the same seed, model and prompt give
	// the same text.
	Seed uint64
}

// Sample continues prompt with opt.Length characters and returns them
// (without the prompt). Characters of the prompt that are not in the
// vocabulary read as the unknown id; the padding and unknown ids are never
// generated. An empty prompt starts from the most frequent character.
func (lm *LM) Sample(prompt string, opt SampleOptions) (out string, err error) {
	if opt.Length < 0 || opt.TopK < 0 || !(opt.Temperature >= 0) {
		return "", fmt.Errorf("charlm: sample: length, top-k and temperature must not be negative")
	}
	ids := lm.Encode(prompt)
	if len(ids) == 0 {
		if lm.Vocab().Size() <= 2 {
			return "", errors.New("charlm: sample: empty vocabulary")
		}
		ids = []int{2} // the most frequent character
	}
	rng := tensor.NewRNG(opt.Seed)
	var b strings.Builder
	err = model.Guard(func() error {
		next := lm.stepper(&ids)
		for range opt.Length {
			id := pick(next(), opt, rng)
			b.WriteString(lm.Vocab().Token(id))
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("charlm: sample: %w", err)
	}
	return b.String(), nil
}

// stepper returns a function that yields the logits [V] of the character
// after the ids in *ids; the caller appends to *ids between calls. The LSTM
// model reads the prompt once and then only the ids appended since the last
// call, carrying its states; other models re-run the last SeqLen ids.
func (lm *LM) stepper(ids *[]int) func() []float32 {
	var layers []nn.Layer
	for _, l := range lm.Model.Layers() {
		if _, ok := l.(*nn.Input); !ok {
			layers = append(layers, l)
		}
	}
	run := func(ids []int, states map[int][]*tensor.Tensor) []float32 {
		x := make([]float32, len(ids))
		for i, id := range ids {
			x[i] = float32(id)
		}
		h := tensor.FromSlice(x, 1, len(ids)).InferenceMode() // builds no graph
		for i, l := range layers {
			if r, ok := l.(*nn.LSTM); ok && states != nil {
				h, states[i] = r.ForwardState(h, nil, states[i], false)
				continue
			}
			h = l.Forward(h, false)
		}
		V := h.Dim(2)
		return h.Contiguous().Data()[(len(ids)-1)*V:]
	}
	if lm.Arch == LSTM {
		states := map[int][]*tensor.Tensor{}
		fed := 0
		return func() []float32 {
			logits := run((*ids)[fed:], states)
			fed = len(*ids)
			return logits
		}
	}
	return func() []float32 {
		return run((*ids)[max(0, len(*ids)-lm.SeqLen):], nil)
	}
}

// pick draws an id from logits with opt's temperature and top-k, never the
// padding or unknown id.
func pick(logits []float32, opt SampleOptions, rng *rand.Rand) int {
	type cand struct {
		id int
		z  float64
	}
	cs := make([]cand, 0, len(logits))
	for id := text.OOVID + 1; id < len(logits); id++ {
		cs = append(cs, cand{id, float64(logits[id])})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].z > cs[j].z })
	if opt.Temperature == 0 {
		return cs[0].id
	}
	if opt.TopK > 0 && opt.TopK < len(cs) {
		cs = cs[:opt.TopK]
	}
	p := make([]float64, len(cs))
	var sum float64
	for i, c := range cs {
		p[i] = math.Exp((c.z - cs[0].z) / opt.Temperature)
		sum += p[i]
	}
	u := rng.Float64() * sum
	for i := range p {
		u -= p[i]
		if u < 0 {
			return cs[i].id
		}
	}
	return cs[len(cs)-1].id
}
