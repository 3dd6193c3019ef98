package recsys_test

import (
	"fmt"
	"strings"

	"github.com/tensile-ml/tensile/recsys"
)

// Example reads ratings in the MovieLens layout, cross-validates a biased
// matrix factorisation and asks it for recommendations.
func Example() {
	r, err := recsys.ReadRatingsFile("testdata/synthetic_ratings.csv", recsys.ReadOptions{MinRating: 0.5, MaxRating: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := recsys.Config{Kind: recsys.KindMF, Factors: 16, Epochs: 40, Batch: 64, LR: 0.02, Reg: 0.05}
	folds, err := recsys.CrossValidate(cfg, r, nil, 3, 1, 0.5, 5, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for k, f := range folds {
		fmt.Printf("fold %d: RMSE below 0.8: %v\n", k+1, f.RMSE < 0.8)
	}
	m, err := recsys.Train(cfg, r, nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("recommendations for user 1:", len(m.Top(m.UserIndex(1), 5)))
	// Output:
	// fold 1: RMSE below 0.8: true
	// fold 2: RMSE below 0.8: true
	// fold 3: RMSE below 0.8: true
	// recommendations for user 1: 5
}

// ExampleReadRatings reads the classic tab-separated layout without a
// header; a duplicate pair is an error naming the lines.
func ExampleReadRatings() {
	r, err := recsys.ReadRatings(strings.NewReader("196\t242\t3\t881250949\n186\t302\t3\t891717742\n"), recsys.ReadOptions{})
	fmt.Println(r.Len(), r.NumUsers(), r.NumItems(), err)
	_, err = recsys.ReadRatings(strings.NewReader("1,2,3\n1,2,4\n"), recsys.ReadOptions{Name: "r.csv"})
	fmt.Println(err)
	// Output:
	// 2 2 2 <nil>
	// recsys: r.csv:2: user 1 rated item 2 twice (first on line 1)
}
