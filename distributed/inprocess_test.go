package distributed

import (
	"sync"
)

// group is an in-process communicator of n ranks (goroutines) for tests:
// each collective waits for every rank, then each rank sums the ranks'
// buffers in rank order, so that every rank gets bit-identical results,
// as MPI's reductions do.
type group struct {
	n     int
	mu    sync.Mutex
	cond  *sync.Cond
	gen   int
	count int
	f32   [][]float32
	f64   [][]float64
}

func newGroup(n int) []Comm {
	g := &group{n: n, f32: make([][]float32, n), f64: make([][]float64, n)}
	g.cond = sync.NewCond(&g.mu)
	cs := make([]Comm, n)
	for r := range cs {
		cs[r] = &member{g: g, rank: r}
	}
	return cs
}

// wait is a cyclic barrier.
func (g *group) wait() {
	g.mu.Lock()
	gen := g.gen
	g.count++
	if g.count == g.n {
		g.count = 0
		g.gen++
		g.cond.Broadcast()
	} else {
		for gen == g.gen {
			g.cond.Wait()
		}
	}
	g.mu.Unlock()
}

type member struct {
	g    *group
	rank int
}

func (m *member) Rank() int { return m.rank }
func (m *member) Size() int { return m.g.n }

func (m *member) AllReduce(buf []float32, op Op) error {
	if err := checkOp(op); err != nil {
		return err
	}
	g := m.g
	g.f32[m.rank] = buf
	g.wait()
	sum := make([]float32, len(buf))
	for _, b := range g.f32 {
		for i, v := range b {
			sum[i] += v
		}
	}
	g.wait() // everyone has read every buffer
	copy(buf, sum)
	if op == Mean {
		for i := range buf {
			buf[i] /= float32(g.n)
		}
	}
	return nil
}

func (m *member) AllReduce64(buf []float64, op Op) error {
	if err := checkOp(op); err != nil {
		return err
	}
	g := m.g
	g.f64[m.rank] = buf
	g.wait()
	sum := make([]float64, len(buf))
	for _, b := range g.f64 {
		for i, v := range b {
			sum[i] += v
		}
	}
	g.wait()
	copy(buf, sum)
	if op == Mean {
		for i := range buf {
			buf[i] /= float64(g.n)
		}
	}
	return nil
}

func (m *member) Broadcast(buf []float32, root int) error {
	if err := checkRoot(root, m.g.n); err != nil {
		return err
	}
	g := m.g
	g.f32[m.rank] = buf
	g.wait()
	if m.rank != root {
		copy(buf, g.f32[root])
	}
	g.wait()
	return nil
}

func (m *member) Barrier() error  { m.g.wait(); return nil }
func (m *member) Abort(int) error { panic("abort") }
func (m *member) Finalize() error { return nil }
