package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tensile-ml/tensile/recsys"
)

func init() {
	register(&command{name: "recommend", summary: "recommenders on ratings: recommend train|top|similar (see docs/recommend.md)", run: runRecommend})
}

// recommendReport is the JSON that recommend train --report writes.
type recommendReport struct {
	Model        string              `json:"model"`
	Config       recsys.Config       `json:"config"`
	Ratings      int                 `json:"ratings"`
	Users        int                 `json:"users"`
	Items        int                 `json:"items"`
	Folds        int                 `json:"folds"`
	FoldSeed     uint64              `json:"fold_seed,omitempty"`
	RMSE         *float64            `json:"rmse,omitempty"`
	MAE          *float64            `json:"mae,omitempty"`
	PerFold      []recsys.FoldResult `json:"per_fold,omitempty"`
	TestRatings  int                 `json:"test_ratings,omitempty"`
	HR           *float64            `json:"hr_at_10,omitempty"`
	NDCG         *float64            `json:"ndcg_at_10,omitempty"`
	RecallK      *float64            `json:"recall_at_k,omitempty"`
	K            int                 `json:"k,omitempty"`
	PopHR        *float64            `json:"popularity_hr_at_10,omitempty"`
	PopNDCG      *float64            `json:"popularity_ndcg_at_10,omitempty"`
	PopRecallK   *float64            `json:"popularity_recall_at_k,omitempty"`
	EvalUsers    int                 `json:"eval_users,omitempty"`
	TrainSeconds float64             `json:"train_seconds"`
	Output       string              `json:"output,omitempty"`
}

func runRecommend(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("want a subcommand: recommend train|top|similar (see docs/recommend.md)")
	}
	switch args[0] {
	case "train":
		return recommendTrain(args[1:], stdout)
	case "top":
		return recommendTop(args[1:], stdout, false)
	case "similar":
		return recommendTop(args[1:], stdout, true)
	}
	return fmt.Errorf("unknown subcommand %q: want train, top or similar", args[0])
}

func f64(v float64) *float64 { return &v }

func recommendTrain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("recommend train", flag.ContinueOnError)
	ratings := fs.String("ratings", "", "ratings file: CSV or tab-separated, with or without a header")
	testPath := fs.String("test", "", "test ratings file (same layout): report RMSE and MAE on it")
	folds := fs.Int("folds", 0, "k-fold cross-validation over the ratings (0: none)")
	foldSeed := fs.Uint64("fold-seed", 1, "seed of the fold shuffle")
	kind := fs.String("model", "mf", "model: mf, svdpp (ratings); gmf, mlp, neumf (implicit feedback)")
	movies := fs.String("movies", "", "catalogue CSV (movieId,title,genres): genres become side features of mf/svdpp")
	out := fs.String("out", "", "save the model trained on all ratings to FILE")
	reportPath := fs.String("report", "", "write a JSON report to FILE")
	var ro recsys.ReadOptions
	fs.StringVar(&ro.UserCol, "user-col", "", "user column: header name or 0-based index")
	fs.StringVar(&ro.ItemCol, "item-col", "", "item column: header name or 0-based index")
	fs.StringVar(&ro.RatingCol, "rating-col", "", "rating column: header name or 0-based index")
	fs.StringVar(&ro.TimeCol, "time-col", "", "timestamp column: header name or 0-based index")
	minR := fs.Float64("min-rating", 0.5, "lowest rating of the scale (a rating outside the scale is an error)")
	maxR := fs.Float64("max-rating", 5, "highest rating of the scale")
	cfg := recsys.Config{}
	fs.IntVar(&cfg.Epochs, "epochs", 0, "training epochs (0: the model's default)")
	fs.IntVar(&cfg.Factors, "factors", 0, "latent factors (0: default)")
	fs.IntVar(&cfg.Batch, "batch-size", 0, "ratings per step (0: default)")
	lr := fs.Float64("lr", 0, "learning rate (0: default)")
	reg := fs.Float64("reg", 0, "L2 penalty of the factor rows a rating touches (0: default)")
	fs.StringVar(&cfg.Optimizer, "optimizer", "", "sgd, adagrad or lazy_adam (default: sgd for mf/svdpp, lazy_adam for NCF)")
	fs.IntVar(&cfg.Negatives, "negatives", 0, "sampled negatives per positive (NCF; 0: 4)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed (weights, shuffling, negatives)")
	topK := fs.Int("k", 20, "K of the full-ranking recall@K (NCF evaluation)")
	noEval := fs.Bool("no-eval", false, "NCF: skip the leave-one-out evaluation")
	loo := fs.Bool("loo", false, "mf, svdpp: also run the leave-one-out top-K evaluation (ranking by predicted rating)")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if err := errors.Join(checkOutputPath("--out", *out), checkOutputPath("--report", *reportPath)); err != nil {
		return err
	}
	if *ratings == "" {
		return errors.New("--ratings FILE is required")
	}
	if *lr < 0 || *reg < 0 || *folds < 0 || *folds == 1 || *topK < 1 {
		return errors.New("--lr, --reg must not be negative, --folds must be 0 or at least 2, -k at least 1")
	}
	if !(*minR < *maxR) {
		return fmt.Errorf("--min-rating %g must be below --max-rating %g", *minR, *maxR)
	}
	cfg.Kind, cfg.LR, cfg.Reg = *kind, float32(*lr), float32(*reg)
	ro.MinRating, ro.MaxRating = float32(*minR), float32(*maxR)
	implicit := *kind == recsys.KindGMF || *kind == recsys.KindMLP || *kind == recsys.KindNeuMF
	if !implicit && *kind != recsys.KindMF && *kind != recsys.KindSVDPP {
		return fmt.Errorf("--model %q: want mf, svdpp, gmf, mlp or neumf", *kind)
	}
	if implicit && (*folds > 0 || *testPath != "") {
		return fmt.Errorf("--model %s is evaluated by leave-one-out ranking; --folds and --test are for mf and svdpp", *kind)
	}
	if *folds > 0 && *testPath != "" {
		return errors.New("give --folds or --test, not both")
	}
	r, err := recsys.ReadRatingsFile(*ratings, ro)
	if err != nil {
		return err
	}
	var genres *recsys.Genres
	if *movies != "" {
		if genres, err = recsys.ReadMoviesFile(*movies); err != nil {
			return err
		}
		cfg.Genres = !implicit
	}
	rep := recommendReport{Model: *kind, Ratings: r.Len(), Users: r.NumUsers(), Items: r.NumItems(), Folds: *folds}
	lo, hi := ro.MinRating, ro.MaxRating
	start := time.Now()
	switch {
	case *folds > 0:
		res, err := recsys.CrossValidate(cfg, r, genres, *folds, *foldSeed, lo, hi, 0)
		if err != nil {
			return err
		}
		var rm, ma float64
		for f, fr := range res {
			fmt.Fprintf(stdout, "fold %d: RMSE %.4f  MAE %.4f\n", f+1, fr.RMSE, fr.MAE)
			rm += fr.RMSE / float64(len(res))
			ma += fr.MAE / float64(len(res))
		}
		rep.RMSE, rep.MAE, rep.PerFold, rep.FoldSeed = f64(rm), f64(ma), res, *foldSeed
		fmt.Fprintf(stdout, "%d-fold mean: RMSE %.4f  MAE %.4f  (%.1f s)\n", *folds, rm, ma, time.Since(start).Seconds())
	}
	if (implicit && !*noEval) || *loo {
		trIdx, teIdx := recsys.LeaveOneOut(r)
		m, err := recsys.Train(cfg, r.Subset(trIdx), genres, nil)
		if err != nil {
			return err
		}
		res := recsys.EvalLeaveOneOut(m, r, teIdx, 99, *topK, 1)
		pop := recsys.EvalLeaveOneOut(recsys.Popularity(m.ItemCount), r, teIdx, 99, *topK, 1)
		rep.HR, rep.NDCG, rep.RecallK, rep.K, rep.EvalUsers = f64(res.HR), f64(res.NDCG), f64(res.Recall), *topK, res.Users
		rep.PopHR, rep.PopNDCG, rep.PopRecallK = f64(pop.HR), f64(pop.NDCG), f64(pop.Recall)
		fmt.Fprintf(stdout, "leave-one-out, %d users, 99 sampled negatives: HR@10 %.4f  NDCG@10 %.4f  recall@%d %.4f\n", res.Users, res.HR, res.NDCG, *topK, res.Recall)
		fmt.Fprintf(stdout, "popularity baseline:                           HR@10 %.4f  NDCG@10 %.4f  recall@%d %.4f\n", pop.HR, pop.NDCG, *topK, pop.Recall)
	}
	var final *recsys.Model
	if *out != "" || *testPath != "" || (*folds == 0 && !implicit) {
		final, err = recsys.Train(cfg, r, genres, nil)
		if err != nil {
			return err
		}
	}
	if *testPath != "" {
		test, err := recsys.ReadRatingsFile(*testPath, ro)
		if err != nil {
			return err
		}
		rm, ma := final.ErrorsIDs(test, lo, hi)
		rep.RMSE, rep.MAE, rep.TestRatings = f64(rm), f64(ma), test.Len()
		fmt.Fprintf(stdout, "test %s (%d ratings): RMSE %.4f  MAE %.4f\n", *testPath, test.Len(), rm, ma)
	} else if final != nil && *folds == 0 && !implicit {
		rm, ma := final.Errors(r, lo, hi)
		rep.RMSE, rep.MAE = f64(rm), f64(ma)
		fmt.Fprintf(stdout, "training RMSE %.4f  MAE %.4f (no held-out data: use --folds or --test)\n", rm, ma)
	}
	rep.TrainSeconds = time.Since(start).Seconds()
	if final != nil {
		rep.Config = final.Cfg
	} else if c, err := recsys.Resolve(cfg); err == nil {
		rep.Config = c
	}
	if *out != "" {
		if err := final.Save(*out); err != nil {
			return err
		}
		rep.Output = *out
		fmt.Fprintf(stdout, "saved %s\n", *out)
	}
	return writeReport(*reportPath, rep)
}

func recommendTop(args []string, stdout io.Writer, similar bool) error {
	name := "recommend top"
	if similar {
		name = "recommend similar"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	user := fs.String("user", "", "user id")
	item := fs.String("item", "", "item id")
	k := fs.Int("k", 10, "how many items")
	items := fs.String("items", "", "catalogue CSV (movieId,title,...) for titles")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("want one MODEL file argument, got %d", len(pos))
	}
	if *k < 1 || *k > 1_000_000 {
		return fmt.Errorf("-k %d must be in [1, 1000000]", *k)
	}
	m, err := recsys.Load(pos[0])
	if err != nil {
		return err
	}
	var cat *recsys.Genres
	if *items != "" {
		if cat, err = recsys.ReadMoviesFile(*items); err != nil {
			return err
		}
	}
	if similar {
		if *item == "" {
			return errors.New("--item ID is required")
		}
		id, err := strconv.ParseInt(*item, 10, 64)
		if err != nil {
			return fmt.Errorf("--item %q is not an integer id", *item)
		}
		i := m.ItemIndex(id)
		if i < 0 || m.ItemCount[i] == 0 {
			return fmt.Errorf("--item %d: the model has no ratings of this item", id)
		}
		ids, sims := m.Similar(i, *k)
		fmt.Fprintf(stdout, "items nearest to %s:\n", cat.Title(id))
		for t, j := range ids {
			fmt.Fprintf(stdout, "%3d  %8d  %.3f  %s\n", t+1, m.ItemIDs[j], sims[t], cat.Title(m.ItemIDs[j]))
		}
		return nil
	}
	if *user == "" {
		return errors.New("--user ID is required")
	}
	id, err := strconv.ParseInt(*user, 10, 64)
	if err != nil {
		return fmt.Errorf("--user %q is not an integer id", *user)
	}
	u := m.UserIndex(id)
	if u < 0 {
		fmt.Fprintf(stdout, "user %d is unknown to the model: the most popular items\n", id)
	}
	top := m.Top(u, *k)
	sc := m.Scores(u, top)
	if u < 0 {
		sc = recsys.Popularity(m.ItemCount).Scores(u, top)
	}
	for t, j := range top {
		fmt.Fprintf(stdout, "%3d  %8d  %.3f  %s\n", t+1, m.ItemIDs[j], sc[t], cat.Title(m.ItemIDs[j]))
	}
	return nil
}
