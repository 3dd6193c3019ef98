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
