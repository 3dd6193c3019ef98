package mnist_test

import (
	"fmt"
	"log"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/datasets/mnist"
)

func ExampleLoad() {
	train, test, err := mnist.Load()
	if err != nil {
		log.Fatal(err)
	}
	train, val := train.Split(0.1) // like Keras validation_split=0.1
	loader := data.NewLoader(train, data.LoaderOptions{BatchSize: 128, Shuffle: true, Seed: 1, Prefetch: 2})
	for b := range loader.Epoch(0) {
		fmt.Println(b.XShape, len(b.Y)) // [128 28 28 1] 128
		break
	}
	fmt.Println(train.N, val.N, test.N, train.NumClasses())
}
