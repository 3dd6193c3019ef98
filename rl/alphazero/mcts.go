// Package alphazero trains board-game agents by AlphaZero-style self-play:
// Monte-Carlo tree search whose PUCT rule is guided by a policy-value
// network, and a network trained on the search's visit counts and the
// outcomes of its own games.
//
// The network is an ordinary tensile model (a Sequential MLP) with
// NumActions+1 outputs: policy logits, then the value before its tanh. It
// reads game.Game.Encode (the board from the view of the player to move)
// and its value is from that player's view, in [-1, 1].
//
// A network may have two more outputs, the fallible-opponent values (see
// Config.FallibleGames): the value of the position for the player to move
// when one side plays uniformly at random, first when the opponent is the
// random one, then when the player to move is. Search ignores them; the
// Player uses the second to choose among the moves that its search values
// equally (within SearchConfig.TieMargin), the one that leaves an opponent
// the most chances to go wrong. Their outcomes against perfect play are
// the same, so the tie-break costs nothing against a perfect opponent and
// wins more against a fallible one.
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
	prior    []float32
	value    float32
	fallible [2]float32 // fallible-opponent values: the opponent random, the player to move random
	hasF     bool
}

// NewNet wraps m.
func NewNet(m *model.Model) *Net { return &Net{Model: m, cache: map[string]eval{}} }

// Reset forgets cached evaluations; call it after the weights change.
func (n *Net) Reset() { clear(n.cache) }

// Evaluate returns the prior over legal moves (0 on illegal ones, summing
// to 1) and the value of g for the player to move.
func (n *Net) Evaluate(g game.Game) ([]float32, float32, error) {
	e, err := n.evaluate(g)
	return e.prior, e.value, err
}

// FallibleValues returns the network's fallible-opponent values of g for
// the player to move: when the opponent plays uniformly at random, and when
// the player to move does. ok is false for a network without those heads.
func (n *Net) FallibleValues(g game.Game) (oppRandom, selfRandom float32, ok bool, err error) {
	e, err := n.evaluate(g)
	return e.fallible[0], e.fallible[1], e.hasF, err
}

func (n *Net) evaluate(g game.Game) (eval, error) {
	key := g.Key()
	if e, ok := n.cache[key]; ok {
		return e, nil
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
		return eval{}, err
	}
	na := g.NumActions()
	no := len(outs) / k
	if no != na+1 && no != na+1+fallibleHeads {
		return eval{}, fmt.Errorf("alphazero: the network has %d outputs, %s needs %d (or %d with fallible-opponent values)", no, g.Name(), na+1, na+1+fallibleHeads)
	}
	out := make([]float32, no)
	for i, sy := range n.syms {
		o := outs[i*no : (i+1)*no]
		for a := range na {
			out[a] += o[sy.action[a]] / float32(k)
		}
		for j := na; j < no; j++ {
			out[j] += o[j] / float32(k)
		}
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
	e := eval{prior: prior, value: float32(math.Tanh(float64(out[na])))}
	if no > na+1 {
		e.hasF = true
		for j := range fallibleHeads {
			e.fallible[j] = float32(math.Tanh(float64(out[na+1+j])))
		}
	}
	if len(n.cache) > 1<<20 {
		clear(n.cache)
	}
	n.cache[key] = e
	return e, nil
}

// fallibleHeads is the number of fallible-opponent value outputs.
const fallibleHeads = 2

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
	// TieMargin: the Player chooses among the root moves whose mean search
	// value is within TieMargin of the most visited move's by the
	// fallible-opponent value (networks that have it) [0.2]; negative: off.
	// Each candidate other than the most visited is confirmed by a search
	// from the position after it (Simulations more simulations).
	TieMargin float64
}

// Search runs MCTS from g and returns the visit counts of the root's moves.
func Search(net *Net, g game.Game, cfg SearchConfig, rng *rand.Rand) ([]float64, error) {
	root, err := search(net, g, cfg, rng)
	if err != nil {
		return nil, err
	}
	visits := make([]float64, g.NumActions())
	for a, c := range root.children {
		if c != nil {
			visits[a] = float64(c.n)
		}
	}
	return visits, nil
}

// search runs MCTS from g and returns the root of the tree.
func search(net *Net, g game.Game, cfg SearchConfig, rng *rand.Rand) (*node, error) {
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
	return root, nil
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

// confirm searches g, a position after the caller's move, and returns its
// value for the caller: minus the mean value of the opponent's most
// visited reply.
func confirm(net *Net, g game.Game, cfg SearchConfig, rng *rand.Rand) (float64, error) {
	root, err := search(net, g, SearchConfig{Simulations: cfg.Simulations, CPuct: cfg.CPuct}, rng)
	if err != nil {
		return 0, err
	}
	var best *node
	for _, c := range root.children {
		if c != nil && (best == nil || c.n > best.n) {
			best = c
		}
	}
	if best == nil || best.n == 0 {
		return 0, nil
	}
	return -best.w / float64(best.n), nil
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

// Move implements game.Player: the most visited move of a search, or,
// when the network has fallible-opponent values, the move with the best of
// those (the opponent's value with the opponent playing at random, negated)
// among the moves whose mean search value is within TieMargin of the most
// visited one's and that a search of their own confirms within that margin.
// A network error is kept (see Err) and the first legal move is played.
func (p *Player) Move(g game.Game) int {
	a, err := choose(p.Net, g, p.Config, p.rng)
	if err != nil {
		p.err = err
		return game.LegalMoves(g)[0]
	}
	return a
}

// choose searches g and picks the move as Player.Move describes.
func choose(net *Net, g game.Game, cfg SearchConfig, rng *rand.Rand) (int, error) {
	root, err := search(net, g, cfg, rng)
	if err != nil {
		return 0, err
	}
	var best *node
	ba := -1
	for a, c := range root.children {
		if c != nil && (best == nil || c.n > best.n) {
			best, ba = c, a
		}
	}
	margin := cfg.TieMargin
	if margin == 0 {
		margin = 0.2
	}
	if margin < 0 || best.n == 0 {
		return ba, nil
	}
	if _, _, ok, err := net.FallibleValues(g); err != nil || !ok {
		return ba, err
	}
	qBest := best.w / float64(best.n)
	bestF := math.Inf(-1)
	pick := ba
	for a, c := range root.children {
		if c == nil || c.n == 0 || c.w/float64(c.n) < qBest-margin {
			continue
		}
		var f float64
		if c.terminal {
			f = c.tv
		} else {
			if c != best {
				// Confirm the candidate with a search of its own: a move
				// that loses to a reply the main search spent few visits on
				// must not pass for a safe one.
				q, err := confirm(net, c.g, cfg, rng)
				if err != nil {
					return 0, err
				}
				if q < qBest-margin {
					continue
				}
			}
			_, selfRandom, _, err := net.FallibleValues(c.g)
			if err != nil {
				return 0, err
			}
			f = -float64(selfRandom) // the opponent, to move in c, is the random one
		}
		if f > bestF {
			bestF, pick = f, a
		}
	}
	return pick, nil
}

// Err returns the first network error Move met.
func (p *Player) Err() error { return p.err }
