package game

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Connect Four's board: 7 columns, 6 rows.
const (
	C4Cols = 7
	C4Rows = 6
)

// Connect4 is a Connect Four position. Action c drops a stone into column
// c; cell (r, c) is index r*7+c with row 0 at the bottom.
type Connect4 struct {
	cells  [C4Rows * C4Cols]int8
	height [C4Cols]int8
	moves  int
	winner int8
}

// NewConnect4 returns the empty board.
func NewConnect4() *Connect4 { return &Connect4{winner: -1} }

// Name implements Game.
func (*Connect4) Name() string { return "connect4" }

// NumActions implements Game.
func (*Connect4) NumActions() int { return C4Cols }

// ToMove implements Game.
func (b *Connect4) ToMove() int { return b.moves % 2 }

// Rows implements Game.
func (*Connect4) Rows() int { return C4Rows }

// Cols implements Game.
func (*Connect4) Cols() int { return C4Cols }

// Cells implements Game: row-major from the top row.
func (b *Connect4) Cells() []int8 {
	out := make([]int8, 0, len(b.cells))
	for r := C4Rows - 1; r >= 0; r-- {
		out = append(out, b.cells[r*C4Cols:(r+1)*C4Cols]...)
	}
	return out
}

// Outcome implements Game.
func (b *Connect4) Outcome() (bool, int) {
	if b.winner >= 0 {
		return true, int(b.winner)
	}
	return b.moves == C4Rows*C4Cols, -1
}

// Legal implements Game.
func (b *Connect4) Legal() []bool {
	m := make([]bool, C4Cols)
	if done, _ := b.Outcome(); done {
		return m
	}
	for c := range m {
		m[c] = b.height[c] < C4Rows
	}
	return m
}

// Play implements Game.
func (b *Connect4) Play(c int) error {
	if done, _ := b.Outcome(); done {
		return fmt.Errorf("the game is over")
	}
	if c < 0 || c >= C4Cols {
		return fmt.Errorf("column %d is not on the board (0-6)", c)
	}
	if b.height[c] >= C4Rows {
		return fmt.Errorf("column %d is full", c)
	}
	b.play(c)
	return nil
}

// play drops a stone in column c, which must have room.
func (b *Connect4) play(c int) {
	r := int(b.height[c])
	p := int8(b.ToMove() + 1)
	b.cells[r*C4Cols+c] = p
	b.height[c]++
	b.moves++
	if b.connects(r, c, p) {
		b.winner = p - 1
	}
}

// undo takes back the last stone of column c (for search).
func (b *Connect4) undo(c int) {
	b.height[c]--
	b.cells[int(b.height[c])*C4Cols+c] = 0
	b.moves--
	b.winner = -1
}

func (b *Connect4) at(r, c int) int8 {
	if r < 0 || r >= C4Rows || c < 0 || c >= C4Cols {
		return -1
	}
	return b.cells[r*C4Cols+c]
}

// connects reports whether the stone p at (r, c) completes four in a row.
func (b *Connect4) connects(r, c int, p int8) bool {
	for _, d := range [4][2]int{{0, 1}, {1, 0}, {1, 1}, {1, -1}} {
		n := 1
		for k := 1; b.at(r+k*d[0], c+k*d[1]) == p; k++ {
			n++
		}
		for k := 1; b.at(r-k*d[0], c-k*d[1]) == p; k++ {
			n++
		}
		if n >= 4 {
			return true
		}
	}
	return false
}

// Clone implements Game.
func (b *Connect4) Clone() Game { c := *b; return &c }

// EncodedSize implements Game.
func (*Connect4) EncodedSize() int { return 2 * C4Rows * C4Cols }

// Encode implements Game (cells in Cells order: top row first).
func (b *Connect4) Encode(dst []float32) []float32 { return encodePlanes(dst, b.Cells(), b.ToMove()) }

// Key implements Game.
func (b *Connect4) Key() string { return cellsKey(b.cells[:]) }

// String implements Game.
func (b *Connect4) String() string {
	var sb strings.Builder
	for r := C4Rows - 1; r >= 0; r-- {
		sb.WriteByte('|')
		for c := 0; c < C4Cols; c++ {
			switch b.cells[r*C4Cols+c] {
			case 1:
				sb.WriteString("X|")
			case 2:
				sb.WriteString("O|")
			default:
				sb.WriteString(" |")
			}
		}
		sb.WriteByte('\n')
	}
	sb.WriteString(" 0 1 2 3 4 5 6\n")
	return sb.String()
}

// AlphaBeta is a Connect Four player that searches Depth plies ahead with
// alpha-beta pruning (negamax form). Leaves are scored by a heuristic that
// counts the four-cell windows each side can still complete (3 stones and a
// gap 5, 2 stones and two gaps 2, centre stones 3 each); wins score 1e6,
// sooner wins more. Among moves of equal score it picks at random.
type AlphaBeta struct {
	Depth int
	rng   *rand.Rand
}

// NewAlphaBeta returns an alpha-beta player of the given depth (≥ 1).
func NewAlphaBeta(depth int, rng *rand.Rand) *AlphaBeta {
	if depth < 1 {
		depth = 1
	}
	return &AlphaBeta{Depth: depth, rng: rng}
}

const c4Win = 1_000_000

var c4Order = [C4Cols]int{3, 2, 4, 1, 5, 0, 6}

// Move implements Player.
func (s *AlphaBeta) Move(g Game) int {
	b0, ok := g.(*Connect4)
	if !ok {
		panic(fmt.Errorf("game: AlphaBeta plays connect4, not %s", g.Name()))
	}
	b := *b0
	best, moves := -2*c4Win, []int(nil)
	for _, c := range c4Order {
		if b.height[c] >= C4Rows {
			continue
		}
		b.play(c)
		v := -s.negamax(&b, s.Depth-1, -2*c4Win, 2*c4Win)
		b.undo(c)
		if v > best {
			best, moves = v, moves[:0]
		}
		if v == best {
			moves = append(moves, c)
		}
	}
	return moves[s.rng.IntN(len(moves))]
}

// negamax returns the value of b for the player to move. Ties at the root
// need exact values, so the root searches every move with a full window.
func (s *AlphaBeta) negamax(b *Connect4, depth, alpha, beta int) int {
	if b.winner >= 0 { // the previous mover won
		return -(c4Win + depth)
	}
	if b.moves == C4Rows*C4Cols {
		return 0
	}
	if depth == 0 {
		return b.heuristic(b.ToMove())
	}
	best := -2 * c4Win
	for _, c := range c4Order {
		if b.height[c] >= C4Rows {
			continue
		}
		b.play(c)
		v := -s.negamax(b, depth-1, -beta, -alpha)
		b.undo(c)
		if v > best {
			best = v
		}
		if v > alpha {
			alpha = v
		}
		if alpha >= beta {
			break
		}
	}
	return best
}

// heuristic scores the position for player p (0 or 1).
func (b *Connect4) heuristic(p int) int {
	me, op := int8(p+1), int8(2-p)
	score := 0
	for r := 0; r < C4Rows; r++ {
		switch b.cells[r*C4Cols+3] {
		case me:
			score += 3
		case op:
			score -= 3
		}
	}
	for _, d := range [4][2]int{{0, 1}, {1, 0}, {1, 1}, {1, -1}} {
		for r := 0; r < C4Rows; r++ {
			for c := 0; c < C4Cols; c++ {
				er, ec := r+3*d[0], c+3*d[1]
				if er < 0 || er >= C4Rows || ec < 0 || ec >= C4Cols {
					continue
				}
				nm, no := 0, 0
				for k := 0; k < 4; k++ {
					switch b.cells[(r+k*d[0])*C4Cols+c+k*d[1]] {
					case me:
						nm++
					case op:
						no++
					}
				}
				switch {
				case no == 0 && nm == 3:
					score += 5
				case no == 0 && nm == 2:
					score += 2
				case nm == 0 && no == 3:
					score -= 4
				case nm == 0 && no == 2:
					score -= 2
				}
			}
		}
	}
	return score
}
