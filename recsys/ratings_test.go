package recsys

import (
	"math"
	"strings"
	"testing"
)

func TestReadRatingsLayouts(t *testing.T) {
	tests := []struct {
		name, in string
		opt      ReadOptions
		users    []int64
		items    []int64
		values   []float32
		times    bool
	}{
		{"ml-latest csv", "userId,movieId,rating,timestamp\n1,10,4.0,964982703\n2,10,3.5,964982704\n1,20,5,964982705\n", ReadOptions{},
			[]int64{1, 2}, []int64{10, 20}, []float32{4, 3.5, 5}, true},
		{"classic tsv", "196\t242\t3\t881250949\n186\t302\t3\t891717742\r\n\n196\t377\t1\t878887116\n", ReadOptions{},
			[]int64{196, 186}, []int64{242, 302, 377}, []float32{3, 3, 1}, true},
		{"byte-order mark", "\ufeffuserId,movieId,rating\n1,2,3\n", ReadOptions{}, []int64{1}, []int64{2}, []float32{3}, false},
		{"no timestamps", "1,2,3\n2,2,4\n", ReadOptions{}, []int64{1, 2}, []int64{2}, []float32{3, 4}, false},
		{"reordered header", "rating;movieId;userId\n4;7;1\n2;8;1\n", ReadOptions{}, []int64{1}, []int64{7, 8}, []float32{4, 2}, false},
		{"overrides by name", "who,what,stars,extra\n5,6,2.5,x\n", ReadOptions{UserCol: "who", ItemCol: "what", RatingCol: "stars"},
			[]int64{5}, []int64{6}, []float32{2.5}, false},
		{"overrides by index", "x|6|5|2\ny|7|5|3\n", ReadOptions{UserCol: "2", ItemCol: "1", RatingCol: "3"},
			[]int64{5}, []int64{6, 7}, []float32{2, 3}, false},
		{"scale", "1\t1\t1\n1\t2\t5\n", ReadOptions{MinRating: 1, MaxRating: 5}, []int64{1}, []int64{1, 2}, []float32{1, 5}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ReadRatings(strings.NewReader(tc.in), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(r.UserIDs, tc.users) || !equal(r.ItemIDs, tc.items) || !equal(r.Value, tc.values) {
				t.Fatalf("got users %v items %v values %v", r.UserIDs, r.ItemIDs, r.Value)
			}
			if (r.Time != nil) != tc.times {
				t.Fatalf("timestamps %v, want %v", r.Time != nil, tc.times)
			}
			for k := range r.Value {
				if r.UserIDs[r.User[k]] == 0 && r.ItemIDs[r.Item[k]] == 0 {
					t.Fatal("index tables do not map back")
				}
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadRatingsHostile(t *testing.T) {
	scale := ReadOptions{MinRating: 0.5, MaxRating: 5}
	tests := []struct {
		name, in string
		opt      ReadOptions
		want     string
	}{
		{"empty", "", ReadOptions{}, "no ratings"},
		{"header only", "userId,movieId,rating\n", ReadOptions{}, "no ratings"},
		{"blank", "\n\n  \n", ReadOptions{}, "no ratings"},
		{"out of scale", "1,1,4\n1,2,6\n", scale, "ratings:2: rating 6 is outside the scale [0.5, 5]"},
		{"below scale", "1,1,0\n", scale, "outside the scale"},
		{"duplicate", "1,1,4\n2,1,3\n1,1,5\n", ReadOptions{}, "ratings:3: user 1 rated item 1 twice (first on line 1)"},
		{"non-numeric user", "1,1,4\nbob,1,3\n", ReadOptions{}, "ratings:2: user id: \"bob\" is not a non-negative integer"},
		{"non-numeric item", "1,x,4\n", ReadOptions{}, "item id"},
		{"negative id", "-1,1,4\n", ReadOptions{}, "user id"},
		{"huge id", "1,99999999999999999999,4\n", ReadOptions{}, "item id"},
		{"nan rating", "1,1,4\n1,2,NaN\n", ReadOptions{}, "rating \"NaN\" is not a finite number"},
		{"inf rating", "1,1,+Inf\n", ReadOptions{}, "not a finite number"},
		{"short row", "1,1,4,5\n1,2,4\n", ReadOptions{}, "ratings:2: 3 fields, the first line has 4"},
		{"too few columns", "1,1\n", ReadOptions{}, "need at least user, item and rating"},
		{"bad timestamp", "1,1,4,yesterday\n", ReadOptions{}, "timestamp \"yesterday\" is not an integer"},
		{"header without rating", "user,item,foo\n1,2,3\n", ReadOptions{}, "no rating column in the header"},
		{"override out of range", "1,2,3\n", ReadOptions{UserCol: "7"}, "user column 7 is out of range"},
		{"override name without header", "1,2,3\n", ReadOptions{UserCol: "who", RatingCol: "2"}, "is a name but the file has no header"},
		{"unknown name", "a,b,rating\n1,2,3\n", ReadOptions{UserCol: "who"}, "user column \"who\" is not in the header"},
		{"same column twice", "1,2,3\n", ReadOptions{ItemCol: "0"}, "user and item are the same column 0"},
		{"empty scale", "1,2,3\n", ReadOptions{MinRating: 5, MaxRating: 1}, "rating scale [5, 1] is empty"},
		{"long line", "1,2,3\n1,3," + strings.Repeat("9", MaxLineBytes+10) + "\n", ReadOptions{}, "line longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRatings(strings.NewReader(tc.in), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Fatalf("error spans lines: %q", err)
			}
		})
	}
}

// FuzzReadRatings checks that any input gives ratings with consistent
// tables or an error, never a panic.
func FuzzReadRatings(f *testing.F) {
	f.Add("userId,movieId,rating,timestamp\n1,10,4.0,964982703\n", "", float32(0.5), float32(5))
	f.Add("196\t242\t3\t881250949\n", "", float32(0), float32(0))
	f.Add("rating;movieId;userId\n4;7;1\n", "userId", float32(1), float32(5))
	f.Add("1,1,4\n1,1,4\n", "", float32(0), float32(0))
	f.Fuzz(func(t *testing.T, in, userCol string, lo, hi float32) {
		r, err := ReadRatings(strings.NewReader(in), ReadOptions{UserCol: userCol, MinRating: lo, MaxRating: hi})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if r.Len() == 0 || len(r.User) != r.Len() || len(r.Item) != r.Len() || (r.Time != nil && len(r.Time) != r.Len()) {
			t.Fatal("inconsistent lengths")
		}
		seen := map[[2]int32]bool{}
		for k, v := range r.Value {
			u, i := r.User[k], r.Item[k]
			if u < 0 || int(u) >= r.NumUsers() || i < 0 || int(i) >= r.NumItems() {
				t.Fatal("index out of range")
			}
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || ((lo != 0 || hi != 0) && (v < lo || v > hi)) {
				t.Fatalf("rating %v accepted", v)
			}
			if seen[[2]int32{u, i}] {
				t.Fatal("duplicate accepted")
			}
			seen[[2]int32{u, i}] = true
		}
	})
}

func TestReadMovies(t *testing.T) {
	in := "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children\n2,\"Heat, the (1995)\",Action|Crime\n3,Nothing,(no genres listed)\n"
	g, err := ReadMovies(strings.NewReader(in), "movies.csv")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Action", "Adventure", "Animation", "Children", "Crime"}; !equal(g.Names, want) {
		t.Fatalf("genres %v, want %v", g.Names, want)
	}
	if g.Title(2) != "Heat, the (1995)" || g.Title(99) != "99" {
		t.Fatalf("titles %q %q", g.Title(2), g.Title(99))
	}
	by := g.ForItems([]int64{1, 2, 3, 4})
	if !equal(by[0], []int32{1, 2, 3}) || !equal(by[1], []int32{0, 4}) || by[2] != nil || by[3] != nil {
		t.Fatalf("item genres %v", by)
	}
	for _, bad := range []struct{ in, want string }{
		{"", "empty file"},
		{"id,name\n1,x\n", "no movieId and title columns"},
		{"movieId,title\n1,x\n1,y\n", "movies.csv:3: movie 1 listed twice"},
		{"movieId,title\nx,y\n", "movie id"},
		{"movieId,title\n", "no movies"},
		{"movieId,title\n1,\"open\n", "movies.csv"},
	} {
		if _, err := ReadMovies(strings.NewReader(bad.in), "movies.csv"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.in, err, bad.want)
		}
	}
}

// FuzzReadMovies checks that any catalogue reads or fails cleanly.
func FuzzReadMovies(f *testing.F) {
	f.Add("movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n")
	f.Add("movieId,title\n1,\"a, b\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		g, err := ReadMovies(strings.NewReader(in), "m")
		if err != nil {
			return
		}
		for id, gs := range g.byItem {
			for _, k := range gs {
				if k < 0 || int(k) >= len(g.Names) {
					t.Fatalf("item %d genre %d out of range", id, k)
				}
			}
		}
	})
}
