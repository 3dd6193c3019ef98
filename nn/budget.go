package nn

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/tensile-ml/tensile/internal/limits"
)

// WeightLimitError is the panic value of an initializer asked, during a
// Build limited by LimitWeights, for weights beyond the limit. Model
// building turns it into an error naming the layer.
type WeightLimitError struct {
	Shape []int // the weight that did not fit
	Limit int64 // the limit, in values, for all weights of the build
	Used  int64 // values created before it
}

func (e *WeightLimitError) Error() string {
	return fmt.Sprintf("nn: a weight of shape %s does not fit: the build may create at most %d weight values and %d are taken", limits.Shape(e.Shape), e.Limit, e.Used)
}

type weightBudget struct {
	mu          sync.Mutex
	limit, used int64
}

// budgets maps the random source of a limited build to its budget.
var budgets sync.Map

// LimitWeights bounds the weights that initializers drawing from rng may
// create, max values in all, until release is called: a request beyond it
// panics with a *WeightLimitError before anything is allocated. Model
// building uses it so that an architecture read from a file cannot
// allocate more than the file holds (or than model.MaxWeightElements).
func LimitWeights(rng *rand.Rand, max int64) (release func()) {
	budgets.Store(rng, &weightBudget{limit: max})
	return func() { budgets.Delete(rng) }
}

// chargeWeights takes a weight of the given shape from rng's budget, if it
// has one.
func chargeWeights(rng *rand.Rand, shape []int) {
	v, ok := budgets.Load(rng)
	if !ok {
		return
	}
	b := v.(*weightBudget)
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := limits.Product(shape, b.limit-b.used)
	if err != nil {
		panic(&WeightLimitError{Shape: append([]int(nil), shape...), Limit: b.limit, Used: b.used})
	}
	b.used += n
}

// MaxSampleElements is the most values one sample's input shape may hold
// (default 2³¹−1); an InputLayer declaring more is an error.
var MaxSampleElements int64 = 1<<31 - 1
