package serve_test

import (
	"fmt"

	"github.com/tensile-ml/tensile/serve"
)

func ExampleParseModelArg() {
	for _, a := range []string{"models/mnist.tsm", "digits=models/mnist.tsm"} {
		name, path, _ := serve.ParseModelArg(a)
		fmt.Println(name, path)
	}
	// Output:
	// mnist models/mnist.tsm
	// digits models/mnist.tsm
}
