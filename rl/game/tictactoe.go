package game

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// TicTacToe is a 3×3 tic-tac-toe position. Action i places a stone on cell
// i (row-major from the top-left).
type TicTacToe struct {
	cells  [9]int8
	moves  int
	winner int8 // -1 none yet
}

// NewTicTacToe returns the empty board.
func NewTicTacToe() *TicTacToe { return &TicTacToe{winner: -1} }

var tttLines = [8][3]int{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6}, {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6}}

// Name implements Game.
func (*TicTacToe) Name() string { return "tictactoe" }

// NumActions implements Game.
func (*TicTacToe) NumActions() int { return 9 }

// ToMove implements Game.
func (t *TicTacToe) ToMove() int { return t.moves % 2 }

// Rows implements Game.
func (*TicTacToe) Rows() int { return 3 }

// Cols implements Game.
func (*TicTacToe) Cols() int { return 3 }

// Cells implements Game.
func (t *TicTacToe) Cells() []int8 { c := t.cells; return c[:] }

// Outcome implements Game.
func (t *TicTacToe) Outcome() (bool, int) {
	if t.winner >= 0 {
		return true, int(t.winner)
	}
	return t.moves == 9, -1
}

// Legal implements Game.
func (t *TicTacToe) Legal() []bool {
	m := make([]bool, 9)
	if done, _ := t.Outcome(); done {
		return m
	}
	for i, c := range t.cells {
		m[i] = c == 0
	}
	return m
}

// Play implements Game.
func (t *TicTacToe) Play(a int) error {
	if done, _ := t.Outcome(); done {
		return fmt.Errorf("the game is over")
	}
	if a < 0 || a > 8 {
		return fmt.Errorf("cell %d is not on the board (0-8)", a)
	}
	if t.cells[a] != 0 {
		return fmt.Errorf("cell %d is taken", a)
	}
	p := int8(t.ToMove() + 1)
	t.cells[a] = p
	t.moves++
	for _, l := range tttLines {
		if t.cells[l[0]] == p && t.cells[l[1]] == p && t.cells[l[2]] == p {
			t.winner = p - 1
		}
	}
	return nil
}

// Clone implements Game.
func (t *TicTacToe) Clone() Game { c := *t; return &c }

// EncodedSize implements Game.
func (*TicTacToe) EncodedSize() int { return 18 }

// Encode implements Game.
func (t *TicTacToe) Encode(dst []float32) []float32 { return encodePlanes(dst, t.cells[:], t.ToMove()) }

func encodePlanes(dst []float32, cells []int8, toMove int) []float32 {
	n := len(cells)
	dst = append(dst[:0], make([]float32, 2*n)...)
	me := int8(toMove + 1)
	for i, c := range cells {
		switch {
		case c == me:
			dst[i] = 1
		case c != 0:
			dst[n+i] = 1
		}
	}
	return dst
}

// Key implements Game.
func (t *TicTacToe) Key() string { return cellsKey(t.cells[:]) }

func cellsKey(cells []int8) string {
	b := make([]byte, len(cells))
	for i, c := range cells {
		b[i] = '0' + byte(c)
	}
	return string(b)
}

// String implements Game.
func (t *TicTacToe) String() string {
	var sb strings.Builder
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			i := 3*r + c
			switch t.cells[i] {
			case 1:
				sb.WriteString(" X")
			case 2:
				sb.WriteString(" O")
			default:
				fmt.Fprintf(&sb, " %d", i)
			}
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// Minimax is a perfect tic-tac-toe player: it searches the whole game tree
// (with a table of solved positions) and picks uniformly at random among
// the moves of best value, so repeated games differ.
type Minimax struct {
	rng  *rand.Rand
	memo map[[9]int8]int8
}

// NewMinimax returns a perfect player drawing ties from rng.
func NewMinimax(rng *rand.Rand) *Minimax {
	return &Minimax{rng: rng, memo: map[[9]int8]int8{}}
}

// Value returns the game-theoretic value of t for the player to move:
// 1 win, 0 draw, -1 loss.
func (m *Minimax) Value(t *TicTacToe) int {
	if done, w := t.Outcome(); done {
		if w < 0 {
			return 0
		}
		if w == t.ToMove() {
			return 1
		}
		return -1
	}
	if v, ok := m.memo[t.cells]; ok {
		return int(v)
	}
	best := -2
	for a := range 9 {
		if t.cells[a] != 0 {
			continue
		}
		c := *t
		_ = c.Play(a)
		if v := -m.Value(&c); v > best {
			best = v
		}
	}
	m.memo[t.cells] = int8(best)
	return best
}

// BestMoves returns every move of optimal value in a position that is not
// over.
func (m *Minimax) BestMoves(t *TicTacToe) []int {
	best, moves := -2, []int(nil)
	for a := range 9 {
		if t.cells[a] != 0 {
			continue
		}
		c := *t
		_ = c.Play(a)
		v := -m.Value(&c)
		if v > best {
			best, moves = v, moves[:0]
		}
		if v == best {
			moves = append(moves, a)
		}
	}
	return moves
}

// Move implements Player.
func (m *Minimax) Move(g Game) int {
	t, ok := g.(*TicTacToe)
	if !ok {
		panic(fmt.Errorf("game: Minimax plays tic-tac-toe, not %s", g.Name()))
	}
	moves := m.BestMoves(t)
	return moves[m.rng.IntN(len(moves))]
}
