// Command rl trains a DQN or PPO agent on CartPole-v1 (or Acrobot-v1) and
// evaluates its greedy policy over 100 episodes, the Gymnasium criterion.
//
//	go run ./examples/rl -algo ppo -seed 1
//	go run ./examples/rl -algo dqn -env acrobot
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/tensile-ml/tensile/rl"
)

func main() {
	algo := flag.String("algo", "ppo", "dqn or ppo")
	envName := flag.String("env", "cartpole", "cartpole or acrobot")
	steps := flag.Int("steps", 100000, "environment steps")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	mk := func() rl.Env {
		e, err := rl.New(*envName)
		if err != nil {
			log.Fatal(err)
		}
		return e
	}
	start := time.Now()
	var policy func([]float64) (int, error)
	switch *algo {
	case "dqn":
		res, err := rl.TrainDQN(mk(), mk(), rl.DQNConfig{Steps: *steps, Seed: *seed, Log: os.Stdout})
		if err != nil {
			log.Fatal(err)
		}
		policy = rl.GreedyPolicy(res.Q)
	case "ppo":
		res, err := rl.TrainPPO(func() rl.Env { return mk() }, rl.PPOConfig{Steps: *steps, Seed: *seed, Log: os.Stdout})
		if err != nil {
			log.Fatal(err)
		}
		policy = rl.GreedyPolicy(res.Actor)
	default:
		log.Fatalf("unknown -algo %q", *algo)
	}
	train := time.Since(start)
	rets, err := rl.Evaluate(mk(), policy, 100, 1<<40)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s seed %d: greedy mean return over 100 episodes %.2f (threshold %g), trained in %.1fs\n",
		*algo, *envName, *seed, rl.Mean(rets), rl.Threshold(*envName), train.Seconds())
}
