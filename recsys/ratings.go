package recsys

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Ratings holds explicit ratings as parallel slices. User and Item are
// dense indices into UserIDs and ItemIDs (the ids of the file, in order of
// first appearance); Time is nil when the file has no timestamp column.
// Subsets made by Subset share the id tables, so indices mean the same
// user or item in every fold.
type Ratings struct {
	User, Item []int32
	Value      []float32
	Time       []int64
	UserIDs    []int64
	ItemIDs    []int64
	userIdx    map[int64]int32
	itemIdx    map[int64]int32
}

// Len returns the number of ratings.
func (r *Ratings) Len() int { return len(r.Value) }

// NumUsers returns the number of distinct users of the id table.
func (r *Ratings) NumUsers() int { return len(r.UserIDs) }

// NumItems returns the number of distinct items of the id table.
func (r *Ratings) NumItems() int { return len(r.ItemIDs) }

// UserIndex returns the dense index of a user id.
func (r *Ratings) UserIndex(id int64) (int32, bool) {
	i, ok := r.userIdx[id]
	return i, ok
}

// ItemIndex returns the dense index of an item id.
func (r *Ratings) ItemIndex(id int64) (int32, bool) {
	i, ok := r.itemIdx[id]
	return i, ok
}

// Subset returns the ratings at positions idx, sharing the id tables.
func (r *Ratings) Subset(idx []int) *Ratings {
	s := &Ratings{UserIDs: r.UserIDs, ItemIDs: r.ItemIDs, userIdx: r.userIdx, itemIdx: r.itemIdx,
		User: make([]int32, len(idx)), Item: make([]int32, len(idx)), Value: make([]float32, len(idx))}
	if r.Time != nil {
		s.Time = make([]int64, len(idx))
	}
	for k, i := range idx {
		s.User[k], s.Item[k], s.Value[k] = r.User[i], r.Item[i], r.Value[i]
		if r.Time != nil {
			s.Time[k] = r.Time[i]
		}
	}
	return s
}

// Mean returns the mean rating (0 for no ratings).
func (r *Ratings) Mean() float64 {
	var s float64
	for _, v := range r.Value {
		s += float64(v)
	}
	if len(r.Value) == 0 {
		return 0
	}
	return s / float64(len(r.Value))
}

// ReadOptions controls ReadRatings. The zero value reads the ml-latest-small
// layout (userId,movieId,rating,timestamp with a header) and the classic
// headerless user<TAB>item<TAB>rating<TAB>timestamp layout alike.
type ReadOptions struct {
	// UserCol, ItemCol, RatingCol and TimeCol name a column by its header
	// name (case-insensitive) or by its 0-based index. Empty means: the
	// header names userId/user/user_id, movieId/itemId/item/item_id,
	// rating/score and timestamp/time when the file has a header, else
	// columns 0, 1, 2 and (when present) 3.
	UserCol, ItemCol, RatingCol, TimeCol string
	// MinRating and MaxRating declare the scale; a rating outside it is an
	// error. Both zero: any finite rating is accepted.
	MinRating, MaxRating float32
	// Name names the input in errors (a file name); "" means "ratings".
	Name string
}

// MaxLineBytes is the longest line ReadRatings accepts.
const MaxLineBytes = 1 << 16

// ReadRatingsFile reads a ratings file (see ReadRatings).
func ReadRatingsFile(path string, opt ReadOptions) (*Ratings, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recsys: %w", err)
	}
	defer f.Close()
	if opt.Name == "" {
		opt.Name = path
	}
	return ReadRatings(f, opt)
}

// ReadRatings reads ratings from CSV or tab-separated text. The delimiter
// is a tab when the first line has one, else a comma (';' and '|' are also
// recognised); a first line whose rating field is not a number is a header.
// Blank lines are skipped. Ids must be integers in [0, 2⁶³); ratings
// finite numbers within the declared scale; timestamps integers. A
// duplicate (user, item) pair, an empty file, a short row or a bad field is
// an error naming the input, the line and the field. Memory grows with the
// input, a line is at most MaxLineBytes long.
func ReadRatings(rd io.Reader, opt ReadOptions) (*Ratings, error) {
	name := opt.Name
	if name == "" {
		name = "ratings"
	}
	if opt.MinRating > opt.MaxRating || math.IsNaN(float64(opt.MinRating)) || math.IsNaN(float64(opt.MaxRating)) {
		return nil, fmt.Errorf("recsys: %s: rating scale [%g, %g] is empty", name, opt.MinRating, opt.MaxRating)
	}
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	r := &Ratings{userIdx: map[int64]int32{}, itemIdx: map[int64]int32{}}
	type pair struct{ u, i int32 }
	seen := map[pair]int{}
	var sep byte
	cols := [4]int{-1, -1, -1, -1} // user, item, rating, time
	ncols := 0
	lineNo := 0
	var fields [][]byte
	for sc.Scan() {
		lineNo++
		line := bytes.TrimRight(sc.Bytes(), "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if sep == 0 {
			line = bytes.TrimPrefix(line, []byte("\ufeff")) // a UTF-8 byte-order mark
			sep = detectSep(line)
			fields = splitFields(fields[:0], line, sep)
			ncols = len(fields)
			header := false
			rc := 2
			if opt.RatingCol != "" {
				if k, err := strconv.Atoi(opt.RatingCol); err == nil {
					rc = k
				} else {
					header = true // a column named by name needs a header
				}
			}
			if rc >= 0 && rc < len(fields) {
				if _, err := strconv.ParseFloat(string(bytes.TrimSpace(fields[rc])), 32); err != nil {
					header = true
				}
			}
			var names []string
			if header {
				for _, f := range fields {
					names = append(names, strings.ToLower(strings.TrimSpace(string(f))))
				}
			}
			var err error
			if cols, err = resolveCols(names, ncols, opt); err != nil {
				return nil, fmt.Errorf("recsys: %s: %w", name, err)
			}
			if header {
				continue
			}
		} else {
			fields = splitFields(fields[:0], line, sep)
		}
		if len(fields) != ncols {
			return nil, fmt.Errorf("recsys: %s:%d: %d fields, the first line has %d", name, lineNo, len(fields), ncols)
		}
		uid, err := parseID(fields[cols[0]])
		if err != nil {
			return nil, fmt.Errorf("recsys: %s:%d: user id: %w", name, lineNo, err)
		}
		iid, err := parseID(fields[cols[1]])
		if err != nil {
			return nil, fmt.Errorf("recsys: %s:%d: item id: %w", name, lineNo, err)
		}
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(fields[cols[2]])), 32)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("recsys: %s:%d: rating %q is not a finite number", name, lineNo, clip(fields[cols[2]]))
		}
		if (opt.MinRating != 0 || opt.MaxRating != 0) && (float32(v) < opt.MinRating || float32(v) > opt.MaxRating) {
			return nil, fmt.Errorf("recsys: %s:%d: rating %g is outside the scale [%g, %g]", name, lineNo, v, opt.MinRating, opt.MaxRating)
		}
		var ts int64
		if cols[3] >= 0 {
			ts, err = strconv.ParseInt(string(bytes.TrimSpace(fields[cols[3]])), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("recsys: %s:%d: timestamp %q is not an integer", name, lineNo, clip(fields[cols[3]]))
			}
		}
		u, ok := r.userIdx[uid]
		if !ok {
			if len(r.UserIDs) >= math.MaxInt32 {
				return nil, fmt.Errorf("recsys: %s:%d: more than %d users", name, lineNo, math.MaxInt32)
			}
			u = int32(len(r.UserIDs))
			r.userIdx[uid] = u
			r.UserIDs = append(r.UserIDs, uid)
		}
		it, ok := r.itemIdx[iid]
		if !ok {
			if len(r.ItemIDs) >= math.MaxInt32 {
				return nil, fmt.Errorf("recsys: %s:%d: more than %d items", name, lineNo, math.MaxInt32)
			}
			it = int32(len(r.ItemIDs))
			r.itemIdx[iid] = it
			r.ItemIDs = append(r.ItemIDs, iid)
		}
		if prev, dup := seen[pair{u, it}]; dup {
			return nil, fmt.Errorf("recsys: %s:%d: user %d rated item %d twice (first on line %d)", name, lineNo, uid, iid, prev)
		}
		seen[pair{u, it}] = lineNo
		r.User = append(r.User, u)
		r.Item = append(r.Item, it)
		r.Value = append(r.Value, float32(v))
		if cols[3] >= 0 {
			r.Time = append(r.Time, ts)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("recsys: %s:%d: line longer than %d bytes", name, lineNo+1, MaxLineBytes)
		}
		return nil, fmt.Errorf("recsys: %s: %w", name, err)
	}
	if r.Len() == 0 {
		return nil, fmt.Errorf("recsys: %s: no ratings", name)
	}
	return r, nil
}

func detectSep(line []byte) byte {
	for _, s := range []byte{'\t', ',', ';', '|'} {
		if bytes.IndexByte(line, s) >= 0 {
			return s
		}
	}
	return '\t'
}

func splitFields(dst [][]byte, line []byte, sep byte) [][]byte {
	for {
		k := bytes.IndexByte(line, sep)
		if k < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:k])
		line = line[k+1:]
	}
}

var colNames = [4][]string{
	{"userid", "user", "user_id"},
	{"movieid", "itemid", "item", "item_id", "movie", "movie_id"},
	{"rating", "score", "stars"},
	{"timestamp", "time", "ts"},
}

var colFlags = [4]string{"user", "item", "rating", "time"}

// resolveCols maps the four roles to column indices; names is nil without
// a header.
func resolveCols(names []string, n int, opt ReadOptions) ([4]int, error) {
	over := [4]string{opt.UserCol, opt.ItemCol, opt.RatingCol, opt.TimeCol}
	var cols [4]int
	for k := range cols {
		cols[k] = -1
		if over[k] != "" {
			if i, err := strconv.Atoi(over[k]); err == nil {
				if i < 0 || i >= n {
					return cols, fmt.Errorf("%s column %d is out of range: the file has %d columns", colFlags[k], i, n)
				}
				cols[k] = i
				continue
			}
			if names == nil {
				return cols, fmt.Errorf("%s column %q is a name but the file has no header", colFlags[k], over[k])
			}
			for i, nm := range names {
				if nm == strings.ToLower(over[k]) {
					cols[k] = i
				}
			}
			if cols[k] < 0 {
				return cols, fmt.Errorf("%s column %q is not in the header %q", colFlags[k], over[k], strings.Join(names, ","))
			}
			continue
		}
		if names != nil {
			for i, nm := range names {
				for _, want := range colNames[k] {
					if nm == want && cols[k] < 0 {
						cols[k] = i
					}
				}
			}
		} else if k < n {
			cols[k] = k
		}
		if cols[k] < 0 && k < 3 {
			if names != nil {
				return cols, fmt.Errorf("no %s column in the header %q (name one with the %s column option)", colFlags[k], clipS(strings.Join(names, ",")), colFlags[k])
			}
			return cols, fmt.Errorf("%d columns, need at least user, item and rating", n)
		}
	}
	if over[3] == "" { // the optional default time column gives way
		for k := 0; k < 3; k++ {
			if cols[k] == cols[3] {
				cols[3] = -1
			}
		}
	}
	for a := 0; a < 4; a++ {
		for b := a + 1; b < 4; b++ {
			if cols[a] >= 0 && cols[a] == cols[b] {
				return cols, fmt.Errorf("%s and %s are the same column %d", colFlags[a], colFlags[b], cols[a])
			}
		}
	}
	return cols, nil
}

func parseID(f []byte) (int64, error) {
	s := string(bytes.TrimSpace(f))
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0, fmt.Errorf("%q is not a non-negative integer", clipS(s))
	}
	return id, nil
}

func clip(b []byte) string { return clipS(string(b)) }

func clipS(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
