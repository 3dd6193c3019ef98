// Package alphazero trains board-game agents by AlphaZero-style self-play:
// Monte-Carlo tree search whose PUCT rule is guided by a policy-value
// network, and a network trained on the search's visit counts and the
// outcomes of its own games.
//
// The network is an ordinary tensile model (a Sequential MLP) with
// NumActions+1 outputs: policy logits, then the value before its tanh. It
// reads game.Game.Encode (the board from the view of the player to move)
// and its value is from that player's view, in [-1, 1].
package alphazero

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/rl"
	"github.com/tensile-ml/tensile/rl/game"
)

// Net wraps a policy-value model with a cache of its evaluations per
// position (the network is deterministic between updates). It evaluates
// every position under all the board's symmetries in one batch (8 for
// tic-tac-toe, 2 for Connect Four) and averages the outputs mapped back,
// so that its priors and values are exactly symmetric and an error the
// network makes in one orientation is diluted by the others (AlphaGo Zero
// evaluates a random symmetry; averaging all is the deterministic form).
type Net struct {
	Model *model.Model
	cache map[string]eval
	buf   []float32
	syms  []symmetry
	sname string
}

type eval struct {
	prior []float32
	value float32
}

// NewNet wraps m.
func NewNet(m *model.Model) *Net { return &Net{Model: m, cache: map[string]eval{}} }

// Reset forgets cached evaluations; call it after the weights change.
func (n *Net) Reset() { clear(n.cache) }

// Evaluate returns the prior over legal moves (0 on illegal ones, summing
// to 1) and the value of g for the player to move.
func (n *Net) Evaluate(g game.Game) ([]float32, float32, error) {
	key := g.Key()
	if e, ok := n.cache[key]; ok {
		return e.prior, e.value, nil
	}
	if n.sname != g.Name() {
		n.syms, n.sname = symmetries(g), g.Name()
	}
	x := g.Encode(nil)
	d, k := len(x), len(n.syms)
	n.buf = slices.Grow(n.buf[:0], k*d)[:k*d] // reused across evaluations
	for i, sy := range n.syms {
		sy.applyX(n.buf[i*d:(i+1)*d], x)
	}
	outs, err := rl.Forward(n.Model, n.buf, k)
	if err != nil {
		return nil, 0, err
	}
	na := g.NumActions()
	if len(outs) != k*(na+1) {
		return nil, 0, fmt.Errorf("alphazero: the network has %d outputs, %s needs %d", len(outs)/k, g.Name(), na+1)
	}
	out := make([]float32, na+1)
	for i, sy := range n.syms {
		o := outs[i*(na+1) : (i+1)*(na+1)]
		for a := range na {
			out[a] += o[sy.action[a]] / float32(k)
		}
		out[na] += o[na] / float32(k)
	}
	legal := g.Legal()
	prior := make([]float32, na)
	mx := float32(math.Inf(-1))
	for a, ok := range legal {
		if ok && out[a] > mx {
			mx = out[a]
		}
	}
	var s float32
	for a, ok := range legal {
		if ok {
			prior[a] = float32(math.Exp(float64(out[a] - mx)))
			s += prior[a]
		}
	}
	for a := range prior {
		prior[a] /= s
	}
	e := eval{prior, float32(math.Tanh(float64(out[na])))}
	if len(n.cache) > 1<<20 {
		clear(n.cache)
	}
	n.cache[key] = e
	return e.prior, e.value, nil
}

// node is a search-tree node: the position after its parent's move.
type node struct {
	g        game.Game
	prior    float32
	n        int
	w        float64 // total value, from the view of the player who moved into this node
	children []*node // by action; nil until expanded
	terminal bool
	tv       float64 // terminal value for the player who moved into this node
}

// SearchConfig configures one search.
type SearchConfig struct {
	Simulations    int     // [100]
	CPuct          float64 // exploration constant [1.5]
	DirichletAlpha float64 // root noise concentration; 0: no noise
	NoiseFrac      float64 // weight of the noise in the root prior [0.25]
}

// Search runs MCTS from g and returns the visit counts of the root's moves.
func Search(net *Net, g game.Game, cfg SearchConfig, rng *rand.Rand) ([]float64, error) {
	if cfg.Simulations <= 0 {
		cfg.Simulations = 100
	}
	if cfg.CPuct == 0 {
		cfg.CPuct = 1.5
	}
	if cfg.NoiseFrac == 0 {
		cfg.NoiseFrac = 0.25
	}
	root := &node{g: g.Clone()}
	if _, err := expand(net, root); err != nil {
		return nil, err
	}
	if cfg.DirichletAlpha > 0 {
		var kids []*node
		for _, c := range root.children {
			if c != nil {
				kids = append(kids, c)
			}
		}
		noise := dirichlet(rng, cfg.DirichletAlpha, len(kids))
		for i, c := range kids {
			c.prior = float32((1-cfg.NoiseFrac)*float64(c.prior) + cfg.NoiseFrac*noise[i])
		}
	}
	path := make([]*node, 0, 64)
	for range cfg.Simulations {
		path = append(path[:0], root)
		cur := root
		for cur.children != nil && !cur.terminal {
			cur = selectChild(cur, cfg.CPuct)
			path = append(path, cur)
		}
		// v: value of cur's position for the player who moved into cur.
		var v float64
		if cur.terminal {
			v = cur.tv
		} else {
			leaf, err := expand(net, cur)
			if err != nil {
				return nil, err
			}
			v = -leaf // leaf is for the player to move at cur
		}
		for i := len(path) - 1; i >= 0; i-- {
			path[i].n++
			path[i].w += v
			v = -v
		}
	}
	visits := make([]float64, g.NumActions())
	for a, c := range root.children {
		if c != nil {
			visits[a] = float64(c.n)
		}
	}
	return visits, nil
}

// expand creates nd's children with the network's priors and returns the
// network's value of nd for the player to move there.
func expand(net *Net, nd *node) (float64, error) {
	prior, v, err := net.Evaluate(nd.g)
	if err != nil {
		return 0, err
	}
	nd.children = make([]*node, nd.g.NumActions())
	mover := nd.g.ToMove()
	for a, ok := range nd.g.Legal() {
		if !ok {
			continue
		}
		cg := nd.g.Clone()
		if err := cg.Play(a); err != nil {
			return 0, err
		}
		c := &node{g: cg, prior: prior[a]}
		if done, w := cg.Outcome(); done {
			c.terminal = true
			switch w {
			case -1:
				c.tv = 0
			case mover:
				c.tv = 1
			default:
				c.tv = -1
			}
		}
		nd.children[a] = c
	}
	return float64(v), nil
}

// selectChild picks the child maximising Q + U (PUCT).
func selectChild(nd *node, cpuct float64) *node {
	var best *node
	bestScore := math.Inf(-1)
	sq := math.Sqrt(float64(nd.n))
	for _, c := range nd.children {
		if c == nil {
			continue
		}
		q := 0.0
		if c.n > 0 {
			q = c.w / float64(c.n)
		}
		s := q + cpuct*float64(c.prior)*sq/float64(1+c.n)
		if s > bestScore {
			best, bestScore = c, s
		}
	}
	return best
}

// dirichlet draws from a symmetric Dirichlet distribution.
func dirichlet(rng *rand.Rand, alpha float64, k int) []float64 {
	out := make([]float64, k)
	s := 0.0
	for i := range out {
		out[i] = gamma(rng, alpha)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

// gamma draws from Gamma(a, 1) (Marsaglia and Tsang, with the a < 1 boost).
func gamma(rng *rand.Rand, a float64) float64 {
	if a < 1 {
		return gamma(rng, a+1) * math.Pow(rng.Float64(), 1/a)
	}
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// Player is an agent that plays by search with its network.
type Player struct {
	Net    *Net
	Config SearchConfig
	rng    *rand.Rand
	err    error
}

// NewPlayer returns a search player with no root noise that plays the most
// visited move.
func NewPlayer(net *Net, simulations int, seed uint64) *Player {
	return &Player{Net: net, Config: SearchConfig{Simulations: simulations}, rng: rand.New(rand.NewPCG(seed, 7))}
}

// Move implements game.Player. A network error is kept (see Err) and the
// first legal move is played.
func (p *Player) Move(g game.Game) int {
	visits, err := Search(p.Net, g, p.Config, p.rng)
	if err != nil {
		p.err = err
		return game.LegalMoves(g)[0]
	}
	best := -1
	for a, v := range visits {
		if g.Legal()[a] && (best < 0 || v > visits[best]) {
			best = a
		}
	}
	return best
}

// Err returns the first network error Move met.
func (p *Player) Err() error { return p.err }
