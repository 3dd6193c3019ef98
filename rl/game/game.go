// Package game holds two-player board games for reinforcement learning:
// tic-tac-toe and Connect Four (7 columns × 6 rows), with legal-move masks,
// and the classical opponents an agent is measured against: perfect-play
// minimax for tic-tac-toe and depth-limited alpha-beta search for Connect
// Four.
//
// Players are numbered 0 (moves first: X, or red) and 1. Actions are cell
// indices 0..8 for tic-tac-toe and column indices 0..6 for Connect Four.
// Play returns an error for an illegal move, so a user's bad input is never
// a panic. AuditTicTacToe measures a deterministic tic-tac-toe player
// exactly: its result probabilities against a random opponent and whether
// it ever plays a move that loses value against best play.
package game

import (
	"fmt"
	"math/rand/v2"
)

// Game is the state of a two-player, zero-sum, perfect-information game.
type Game interface {
	// Name returns "tictactoe" or "connect4".
	Name() string
	// NumActions returns the size of the action space.
	NumActions() int
	// ToMove returns the player to move, 0 or 1.
	ToMove() int
	// Legal returns the legal-move mask (all false once the game is over).
	Legal() []bool
	// Play makes a move for the player to move; an illegal move or a move
	// after the end is an error and leaves the state unchanged.
	Play(action int) error
	// Outcome reports whether the game is over and the winner (0 or 1), or
	// -1 for a draw or an unfinished game.
	Outcome() (done bool, winner int)
	// Clone returns an independent copy.
	Clone() Game
	// Encode writes the board from the view of the player to move: one
	// plane of that player's stones followed by one of the opponent's,
	// 1 where a stone lies. It returns dst grown to EncodedSize.
	Encode(dst []float32) []float32
	// EncodedSize returns the length of Encode's output.
	EncodedSize() int
	// Cells returns the board, row-major from the top-left: 0 empty,
	// 1 player 0's stone, 2 player 1's.
	Cells() []int8
	// Rows and Cols give the board's shape.
	Rows() int
	Cols() int
	// Key identifies the position (for transposition tables).
	Key() string
	// String draws the board as text.
	String() string
}

// New returns the named game in its start position: "tictactoe" or
// "connect4".
func New(name string) (Game, error) {
	switch name {
	case "tictactoe":
		return NewTicTacToe(), nil
	case "connect4":
		return NewConnect4(), nil
	}
	return nil, fmt.Errorf("game: unknown game %q (have tictactoe, connect4)", name)
}

// Player chooses a move for the player to move in a game that is not over.
type Player interface {
	Move(g Game) int
}

// PlayerFunc adapts a function to Player.
type PlayerFunc func(g Game) int

// Move implements Player.
func (f PlayerFunc) Move(g Game) int { return f(g) }

// Random returns a player that picks uniformly among the legal moves.
func Random(rng *rand.Rand) Player {
	return PlayerFunc(func(g Game) int {
		legal := LegalMoves(g)
		return legal[rng.IntN(len(legal))]
	})
}

// LegalMoves returns the legal actions in increasing order.
func LegalMoves(g Game) []int {
	var out []int
	for a, ok := range g.Legal() {
		if ok {
			out = append(out, a)
		}
	}
	return out
}

// PlayOut plays a game between players[0] (moves first) and players[1]
// from g's position and returns the winner (-1 for a draw). An illegal
// move by a player is an error.
func PlayOut(g Game, players [2]Player) (int, error) {
	for {
		if done, w := g.Outcome(); done {
			return w, nil
		}
		p := g.ToMove()
		a := players[p].Move(g)
		if err := g.Play(a); err != nil {
			return -1, fmt.Errorf("game: player %d: %w", p, err)
		}
	}
}

// Record counts wins, draws and losses from one player's point of view.
type Record struct {
	Wins   int `json:"wins"`
	Draws  int `json:"draws"`
	Losses int `json:"losses"`
}

// Add adds another record.
func (r *Record) Add(o Record) { r.Wins += o.Wins; r.Draws += o.Draws; r.Losses += o.Losses }

// Games returns the number of games.
func (r Record) Games() int { return r.Wins + r.Draws + r.Losses }

// String formats the record as "W-D-L".
func (r Record) String() string { return fmt.Sprintf("%d-%d-%d", r.Wins, r.Draws, r.Losses) }

// Match plays n games of newGame between agent and opponent, with the
// agent moving first when agentFirst is set, and returns the agent's record.
func Match(newGame func() Game, agent, opponent Player, n int, agentFirst bool) (Record, error) {
	var r Record
	players, me := [2]Player{agent, opponent}, 0
	if !agentFirst {
		players, me = [2]Player{opponent, agent}, 1
	}
	for range n {
		w, err := PlayOut(newGame(), players)
		if err != nil {
			return r, err
		}
		switch w {
		case me:
			r.Wins++
		case -1:
			r.Draws++
		default:
			r.Losses++
		}
	}
	return r, nil
}
