package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const synthRatings = "../../recsys/testdata/synthetic_ratings.csv"

func TestRecommendTrainTopSimilar(t *testing.T) {
	dir := t.TempDir()
	movies := filepath.Join(dir, "movies.csv")
	if err := os.WriteFile(movies, []byte("movieId,title,genres\n1,One (2001),Drama\n2,Two (2002),Comedy|Drama\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		keys []string
	}{
		{"mf folds", []string{"--folds", "3", "--epochs", "15", "--factors", "8", "--movies", movies}, []string{"rmse", "mae", "folds", "train_seconds", "per_fold"}},
		{"svdpp test file", []string{"--model", "svdpp", "--epochs", "5", "--factors", "8", "--test", synthRatings}, []string{"rmse", "mae", "test_ratings"}},
		{"neumf", []string{"--model", "neumf", "--epochs", "3", "--factors", "8"}, []string{"hr_at_10", "ndcg_at_10", "popularity_hr_at_10", "recall_at_k"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := filepath.Join(dir, "r.json")
			model := filepath.Join(dir, "m.recsys")
			args := append([]string{"recommend", "train", "--ratings", synthRatings, "--out", model, "--report", rep}, tc.args...)
			code, out, errs := run(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s%s", code, out, errs)
			}
			b, err := os.ReadFile(rep)
			if err != nil {
				t.Fatal(err)
			}
			var r map[string]any
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			for _, k := range tc.keys {
				if _, ok := r[k]; !ok {
					t.Errorf("report lacks %q: %s", k, b)
				}
			}
			if v, ok := r["rmse"].(float64); ok && !(v > 0.2 && v < 0.9) {
				t.Errorf("rmse %v out of the plausible range", v)
			}
			code, out, errs = run(t, "recommend", "top", model, "--user", "3", "-k", "4", "--items", movies)
			if code != 0 || strings.Count(out, "\n") != 4 {
				t.Fatalf("top: exit %d: %q %s", code, out, errs)
			}
			code, out, errs = run(t, "recommend", "similar", model, "--item", "2", "-k", "3", "--items", movies)
			if code != 0 || !strings.Contains(out, "nearest to Two (2002)") || strings.Count(out, "\n") != 4 {
				t.Fatalf("similar: exit %d: %q %s", code, out, errs)
			}
			code, out, _ = run(t, "recommend", "top", model, "--user", "99999")
			if code != 0 || !strings.Contains(out, "unknown to the model") {
				t.Fatalf("cold user: exit %d: %q", code, out)
			}
		})
	}
}

func TestRecommendBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	junk := write("junk.model", "not a model at all")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"recommend"}, "want a subcommand"},
		{[]string{"recommend", "fly"}, "unknown subcommand"},
		{[]string{"recommend", "train"}, "--ratings FILE is required"},
		{[]string{"recommend", "train", "--ratings", write("scale.csv", "1,1,4\n1,2,7\n")}, "scale.csv:2: rating 7 is outside the scale [0.5, 5]"},
		{[]string{"recommend", "train", "--ratings", write("dup.csv", "1,1,4\n1,1,3\n")}, "rated item 1 twice"},
		{[]string{"recommend", "train", "--ratings", write("ids.tsv", "1\tabc\t4\n")}, "item id: \"abc\" is not a non-negative integer"},
		{[]string{"recommend", "train", "--ratings", write("empty.csv", "")}, "no ratings"},
		{[]string{"recommend", "train", "--ratings", filepath.Join(dir, "none.csv")}, "no such file"},
		{[]string{"recommend", "train", "--ratings", synthRatings, "--model", "knn"}, "--model \"knn\""},
		{[]string{"recommend", "train", "--ratings", synthRatings, "--model", "neumf", "--folds", "5"}, "leave-one-out"},
		{[]string{"recommend", "train", "--ratings", synthRatings, "--folds", "1"}, "--folds must be 0 or at least 2"},
		{[]string{"recommend", "train", "--ratings", synthRatings, "--user-col", "9"}, "user column 9 is out of range"},
		{[]string{"recommend", "train", "--ratings", synthRatings, "--out", filepath.Join(dir, "no", "m")}, "does not exist"},
		{[]string{"recommend", "top", junk, "--user", "1"}, "not a tensile recommender model"},
		{[]string{"recommend", "top", "--user", "1"}, "want one MODEL file"},
		{[]string{"recommend", "similar", junk}, "not a tensile recommender model"},
	}
	for _, tc := range tests {
		code, out, errs := run(t, tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q (stdout %q), want one line containing %q", tc.args, code, errs, out, tc.want)
		}
	}
}
