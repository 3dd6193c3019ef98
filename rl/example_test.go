package rl_test

import (
	"fmt"

	"github.com/tensile-ml/tensile/rl"
)

// ExampleCartPole steps CartPole-v1 with a fixed push to the right until
// the pole falls.
func ExampleCartPole() {
	env := rl.NewCartPole()
	env.Reset(0)
	steps := 0
	for {
		_, _, terminated, truncated := env.Step(1)
		steps++
		if terminated || truncated {
			break
		}
	}
	fmt.Println("fell:", steps < 50)
	// Output:
	// fell: true
}

// ExampleNewVec steps four CartPole copies together.
func ExampleNewVec() {
	v := rl.NewVec(func() rl.Env { return rl.NewCartPole() }, 4, 0)
	rewards, _, _ := v.Step([]int{0, 1, 0, 1})
	fmt.Println(len(v.Obs), rewards)
	// Output:
	// 4 [1 1 1 1]
}
