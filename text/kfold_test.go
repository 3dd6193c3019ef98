package text

import (
	"slices"
	"strings"
	"testing"
)

// checkFolds verifies that folds partition 0..n-1 and that train is the
// complement of test, and returns the test-set sizes.
func checkPartition(t *testing.T, folds [][2][]int, n, k int) []int {
	t.Helper()
	if len(folds) != k {
		t.Fatalf("%d folds, want %d", len(folds), k)
	}
	seen := make([]int, n)
	sizes := make([]int, k)
	for f, fold := range folds {
		train, test := fold[0], fold[1]
		if !slices.IsSorted(train) || !slices.IsSorted(test) {
			t.Errorf("fold %d: indices not sorted", f)
		}
		if len(train)+len(test) != n {
			t.Errorf("fold %d: %d train + %d test != %d", f, len(train), len(test), n)
		}
		in := make([]bool, n)
		for _, i := range test {
			in[i] = true
			seen[i]++
		}
		for _, i := range train {
			if in[i] {
				t.Errorf("fold %d: index %d in train and test", f, i)
			}
		}
		sizes[f] = len(test)
	}
	for i, c := range seen {
		if c != 1 {
			t.Errorf("index %d is in %d test sets, want 1", i, c)
		}
	}
	return sizes
}

func TestKFold(t *testing.T) {
	tests := []struct{ n, k int }{{10, 2}, {10, 3}, {7, 7}, {10662, 10}, {23, 5}}
	for _, tt := range tests {
		folds := KFold(tt.n, tt.k, 42)
		sizes := checkPartition(t, folds, tt.n, tt.k)
		for f, s := range sizes {
			want := tt.n / tt.k
			if f < tt.n%tt.k {
				want++
			}
			if s != want {
				t.Errorf("KFold(%d, %d): fold %d has %d test items, want %d", tt.n, tt.k, f, s, want)
			}
		}
		if !slices.EqualFunc(folds, KFold(tt.n, tt.k, 42), func(a, b [2][]int) bool {
			return slices.Equal(a[0], b[0]) && slices.Equal(a[1], b[1])
		}) {
			t.Errorf("KFold(%d, %d) not deterministic", tt.n, tt.k)
		}
	}
	// Shuffled: the first test fold is not simply 0..n/k-1, and seeds differ.
	a, b := KFold(100, 10, 1), KFold(100, 10, 2)
	if slices.Equal(a[0][1], []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Error("KFold does not shuffle")
	}
	if slices.Equal(a[0][1], b[0][1]) {
		t.Error("KFold gives the same folds for seeds 1 and 2")
	}
}

func TestStratifiedKFold(t *testing.T) {
	tests := []struct {
		name   string
		labels []int
		k      int
	}{
		{"balanced", repeatLabels([]int{50, 50}), 10},
		{"imbalanced", repeatLabels([]int{90, 7, 3}), 3},
		{"unsorted", []int{2, 0, 1, 0, 2, 1, 0, 0, 1, 2, 0}, 4},
		{"mr", repeatLabels([]int{5331, 5331}), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(tt.labels)
			folds := StratifiedKFold(tt.labels, tt.k, 7)
			sizes := checkPartition(t, folds, n, tt.k)
			for f, s := range sizes {
				if s != n/tt.k && s != n/tt.k+1 {
					t.Errorf("fold %d has %d test items, want %d or %d", f, s, n/tt.k, n/tt.k+1)
				}
			}
			total := map[int]int{}
			for _, l := range tt.labels {
				total[l]++
			}
			for f, fold := range folds {
				per := map[int]int{}
				for _, i := range fold[1] {
					per[tt.labels[i]]++
				}
				for c, m := range total {
					if per[c] != m/tt.k && per[c] != (m+tt.k-1)/tt.k {
						t.Errorf("fold %d: class %d has %d test items of %d, want about %d", f, c, per[c], m, m/tt.k)
					}
				}
			}
		})
	}
}

func repeatLabels(counts []int) []int {
	var out []int
	for c, m := range counts {
		for range m {
			out = append(out, c)
		}
	}
	return out
}

func TestKFoldPanics(t *testing.T) {
	for _, f := range []func(){
		func() { KFold(10, 1, 0) },
		func() { KFold(3, 4, 0) },
		func() { StratifiedKFold([]int{0, 1}, 3, 0) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "2 <= k <= n") {
					t.Errorf("recover() = %v", r)
				}
			}()
			f()
		}()
	}
}

func TestSubset(t *testing.T) {
	if got := Subset([]string{"a", "b", "c"}, []int{2, 0, 2}); !slices.Equal(got, []string{"c", "a", "c"}) {
		t.Errorf("Subset = %q", got)
	}
	if got := Subset([]int{5}, nil); len(got) != 0 {
		t.Errorf("Subset(nil idx) = %v", got)
	}
}
