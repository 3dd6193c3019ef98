package charlm_test

import (
	"fmt"
	"log"
	"os"

	"github.com/tensile-ml/tensile/charlm"
	"github.com/tensile-ml/tensile/text"
)

// Train an LSTM character model on a text file, report held-out bits per
// character, save it and sample from a prompt.
func Example() {
	corpus, err := text.ReadText("corpus.txt", text.ReadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	lm, rep, err := charlm.Train(corpus, charlm.Config{Arch: charlm.LSTM, Units: 128, Epochs: 10}, os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.2f bits/char (unigram %.2f)\n", rep.ValBPC, rep.UnigramBPC)
	if err := lm.Save("lm.safetensors"); err != nil { // one file, vocabulary included
		log.Fatal(err)
	}
	s, err := lm.Sample("The ", charlm.SampleOptions{Length: 200, Temperature: 0.8, TopK: 10, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("The " + s)
}
