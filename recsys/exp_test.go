package recsys

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func TestExp(t *testing.T) {
	if os.Getenv("RX") == "" {
		t.Skip()
	}
	r, err := ReadRatingsFile("../../../shared/datasets/movielens-small/ratings.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(os.Getenv("RX"))
	if v := os.Getenv("EP"); v != "" {
		cfg.Epochs, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("REG"); v != "" {
		f, _ := strconv.ParseFloat(v, 32)
		cfg.Reg = float32(f)
	}
	if v := os.Getenv("LR"); v != "" {
		f, _ := strconv.ParseFloat(v, 32)
		cfg.LR = float32(f)
	}
	if v := os.Getenv("F"); v != "" {
		cfg.Factors, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("B"); v != "" {
		cfg.Batch, _ = strconv.Atoi(v)
	}
	tr, te := KFold(r.Len(), 5, 1)
	t0 := time.Now()
	m, err := trainExplicit(cfg, r.Subset(tr[0]), nil, func(e int, l float64) {
		if e%5 == 0 {
			t.Logf("epoch %d loss %.4f %v", e, l, time.Since(t0))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	rm, ma := m.Errors(r.Subset(te[0]), 0.5, 5)
	t.Logf("%+v rmse %.4f mae %.4f %v", cfg, rm, ma, time.Since(t0))
}
