// Command weightdiff compares the weights of two model files: it prints,
// for every weight, the largest difference relative to the weight's
// largest magnitude, and exits 1 when one exceeds -rtol (or the models do
// not have the same weights). CI uses it to check that data-parallel
// training over MPI gives the weights of one process.
//
//	go run ./distributed/internal/weightdiff -rtol 1e-5 a.safetensors b.safetensors
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tensile-ml/tensile/internal/wdiff"
)

func main() {
	rtol := flag.Float64("rtol", 1e-5, "largest allowed difference relative to each weight's largest magnitude")
	verbose := flag.Bool("v", false, "print every weight's difference")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: weightdiff [-rtol R] [-v] A.safetensors B.safetensors")
		os.Exit(2)
	}
	rep, err := wdiff.Files(flag.Arg(0), flag.Arg(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "weightdiff:", err)
		os.Exit(1)
	}
	if *verbose {
		for _, d := range rep {
			fmt.Printf("%-40s %v\n", d.Name, d.Rel)
		}
	}
	worst := wdiff.Worst(rep)
	fmt.Printf("largest relative difference %.3g (%s), tolerance %g\n", worst.Rel, worst.Name, *rtol)
	if !(worst.Rel <= *rtol) {
		os.Exit(1)
	}
}
