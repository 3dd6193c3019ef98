// Command recommend trains a biased matrix factorisation on a ratings file,
// reports its 5-fold cross-validated RMSE, then prints the top-10 unseen
// movies for a user and the movies nearest to one movie.
//
//	go run ./examples/recommend                      # ../shared/datasets/movielens-small
//	go run ./examples/recommend --ratings r.csv --movies m.csv --user 1 --item 1
//	go run ./examples/recommend --model neumf        # leave-one-out HR@10 and NDCG@10
//
// Without --ratings it reads MovieLens ml-latest-small from
// ../shared/datasets/movielens-small when that exists (GroupLens' research
// licence; see its SOURCE.md), else the synthetic file the recsys tests use.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tensile-ml/tensile/recsys"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "recommend:", err)
		os.Exit(1)
	}
}

func run() error {
	ratings := flag.String("ratings", "", "ratings CSV/TSV (default: MovieLens small, else the synthetic test file)")
	movies := flag.String("movies", "", "movies.csv for titles")
	kind := flag.String("model", "mf", "mf, svdpp (5-fold RMSE) or gmf, mlp, neumf (leave-one-out ranking)")
	user := flag.Int64("user", 1, "user id to recommend for")
	item := flag.Int64("item", 1, "item id to find neighbours of")
	flag.Parse()
	if *ratings == "" {
		ml := filepath.Join("..", "shared", "datasets", "movielens-small")
		if _, err := os.Stat(filepath.Join(ml, "ratings.csv")); err == nil {
			*ratings = filepath.Join(ml, "ratings.csv")
			if *movies == "" {
				*movies = filepath.Join(ml, "movies.csv")
			}
		} else {
			*ratings = filepath.Join("recsys", "testdata", "synthetic_ratings.csv")
		}
	}
	r, err := recsys.ReadRatingsFile(*ratings, recsys.ReadOptions{MinRating: 0.5, MaxRating: 5})
	if err != nil {
		return err
	}
	var cat *recsys.Genres
	if *movies != "" {
		if cat, err = recsys.ReadMoviesFile(*movies); err != nil {
			return err
		}
	}
	fmt.Printf("%s: %d ratings, %d users, %d items\n", *ratings, r.Len(), r.NumUsers(), r.NumItems())
	cfg := recsys.Config{Kind: *kind, Genres: cat != nil} // genres as side features (mf, svdpp)
	start := time.Now()
	switch *kind {
	case recsys.KindMF, recsys.KindSVDPP:
		folds, err := recsys.CrossValidate(cfg, r, cat, 5, 1, 0.5, 5, 0)
		if err != nil {
			return err
		}
		var rmse float64
		for _, f := range folds {
			rmse += f.RMSE / float64(len(folds))
		}
		fmt.Printf("5-fold RMSE %.4f (%.1f s)\n", rmse, time.Since(start).Seconds())
	default:
		train, test := recsys.LeaveOneOut(r)
		m, err := recsys.Train(cfg, r.Subset(train), nil, nil)
		if err != nil {
			return err
		}
		res := recsys.EvalLeaveOneOut(m, r, test, 99, 10, 1)
		pop := recsys.EvalLeaveOneOut(recsys.Popularity(m.ItemCount), r, test, 99, 10, 1)
		fmt.Printf("leave-one-out HR@10 %.3f NDCG@10 %.3f (popularity %.3f / %.3f; %.1f s)\n",
			res.HR, res.NDCG, pop.HR, pop.NDCG, time.Since(start).Seconds())
	}
	m, err := recsys.Train(cfg, r, cat, nil)
	if err != nil {
		return err
	}
	// The recommender is an ordinary model of nn layers, trained by
	// model.TrainStep: its summary lists them.
	if err := m.Net().Summary(os.Stdout); err != nil {
		return err
	}
	fmt.Printf("top 10 for user %d:\n", *user)
	for k, i := range m.Top(m.UserIndex(*user), 10) {
		fmt.Printf("%3d  %s\n", k+1, cat.Title(m.ItemIDs[i]))
	}
	if i := m.ItemIndex(*item); i >= 0 {
		ids, sims := m.Similar(i, 5)
		fmt.Printf("nearest to %s:\n", cat.Title(*item))
		for k, j := range ids {
			fmt.Printf("%3d  %.3f  %s\n", k+1, sims[k], cat.Title(m.ItemIDs[j]))
		}
	}
	return nil
}
