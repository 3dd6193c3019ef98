package game_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/rl/game"
)

// ExampleMatch plays perfect minimax against a random tic-tac-toe player.
func ExampleMatch() {
	rng := rand.New(rand.NewPCG(1, 2))
	newGame := func() game.Game { return game.NewTicTacToe() }
	r, err := game.Match(newGame, game.NewMinimax(rng), game.Random(rng), 100, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("losses:", r.Losses, "games:", r.Games())
	// Output:
	// losses: 0 games: 100
}

// ExampleConnect4_Play shows that an illegal move is an error, not a panic.
func ExampleConnect4_Play() {
	g := game.NewConnect4()
	fmt.Println(g.Play(9))
	// Output:
	// column 9 is not on the board (0-6)
}

// ExampleAuditTicTacToe audits a perfect player exactly: it never
// blunders, so it never loses, and it beats a uniformly random opponent
// with the probability printed.
func ExampleAuditTicTacToe() {
	mm := game.NewMinimax(nil)
	first := game.PlayerFunc(func(g game.Game) int { return mm.BestMoves(g.(*game.TicTacToe))[0] })
	a, err := game.AuditTicTacToe(first, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("as second player: win %.4f, loss %.0f, %d blunders\n", a.Win, a.Loss, a.Blunders)
	// Output:
	// as second player: win 0.8063, loss 0, 0 blunders
}
