// Command speech trains a spoken-digit classifier on the Free Spoken Digit
// Dataset with package speech and reports its test accuracy on FSDD's
// standard split (takes 0-4 of each speaker and digit held out).
//
//	go run ./examples/speech -data ../shared/datasets/fsdd
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/speech"
)

func main() {
	dir := flag.String("data", "../shared/datasets/fsdd", "FSDD folder (or its recordings/ sub-folder)")
	arch := flag.String("arch", "cnn", "cnn or crnn")
	epochs := flag.Int("epochs", 12, "training epochs")
	out := flag.String("out", "", "save the model to FILE")
	noAug := flag.Bool("no-augment", false, "train without augmentation")
	lr := flag.Float64("lr", 2e-3, "Adam learning rate")
	flag.Parse()

	clips, err := speech.ListFSDD(*dir)
	if err != nil {
		log.Fatal(err)
	}
	train, test := speech.SplitFSDD(clips)
	load := func(cs []speech.Clip) ([][]float32, []int) {
		w, err := speech.LoadMono(cs, 8000)
		if err != nil {
			log.Fatal(err)
		}
		l := make([]int, len(cs))
		for i, c := range cs {
			l[i] = c.Label
		}
		return w, l
	}
	trW, trL := load(train)
	teW, teL := load(test)
	fmt.Printf("%d training clips, %d test clips\n", len(trW), len(teW))
	start := time.Now()
	r, _, err := speech.Train(trW, trL, speech.DigitClasses, speech.Config{Arch: *arch, Epochs: *epochs, Seed: 1, NoAugment: *noAug, LearningRate: float32(*lr), Verbose: model.VerboseEpoch, Output: os.Stdout})
	if err != nil {
		log.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	acc, err := r.Accuracy(teW, teL)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: trained in %.0fs, test accuracy %.4f (%d clips)\n", *arch, secs, acc, len(teW))
	if *out != "" {
		if err := r.Save(*out); err != nil {
			log.Fatal(err)
		}
	}
}
