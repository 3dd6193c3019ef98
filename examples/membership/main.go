// Command membership measures what DP-SGD buys against membership
// inference: it trains the Keras MNIST CNN on a small subset of MNIST with
// and without DP-SGD and runs the loss-threshold attack (Yeom et al. 2018)
// on both, printing test accuracy, ε and the attack's AUC.
//
//	go run ./examples/membership -members 1000 -epochs 30
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/privacy"
	"github.com/tensile-ml/tensile/zoo"
)

func main() {
	n := flag.Int("members", 1000, "training examples (members); as many test examples are non-members")
	epochs := flag.Int("epochs", 30, "training epochs")
	eps := flag.Float64("epsilon", 3, "DP-SGD target ε (δ = 1e-5)")
	flag.Parse()
	train, test, err := mnist.Load()
	if err != nil {
		log.Fatal(err)
	}
	members, others := train.Take(*n), test.Take(*n)
	mk := func() *model.Model {
		m := zoo.MNISTCNN()
		m.SetSeed(1)
		if err := m.CompileNames("adam", "sparse_categorical_crossentropy", "accuracy"); err != nil {
			log.Fatal(err)
		}
		return m
	}
	report := func(name string, m *model.Model, extra string) {
		logs, err := m.Evaluate(test, model.EvalConfig{BatchSize: 256, Verbose: model.VerboseSilent})
		if err != nil {
			log.Fatal(err)
		}
		auc, err := privacy.MembershipAUC(m, members, others)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-8s test_accuracy=%.4f attack_auc=%.3f %s\n", name, logs["accuracy"], auc, extra)
	}
	m := mk()
	if _, err := m.Fit(members, model.FitConfig{Epochs: *epochs, BatchSize: 32, Seed: 1, Verbose: model.VerboseSilent}); err != nil {
		log.Fatal(err)
	}
	report("plain", m, "")
	d := mk()
	res, err := privacy.Train(d, members, privacy.TrainConfig{Epochs: *epochs, BatchSize: 32, TargetEpsilon: *eps, L2Clip: 1, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	report("dp-sgd", d, fmt.Sprintf("epsilon=%.2f delta=%g noise_multiplier=%.3f", res.Epsilon, res.Delta, res.NoiseMultiplier))
}
