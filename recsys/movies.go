package recsys

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Genres holds the titles and genres of a catalogue (MovieLens movies.csv:
// movieId,title,genres with genres separated by '|').
type Genres struct {
	// Names lists the distinct genres, sorted; "(no genres listed)" is
	// not a genre.
	Names  []string
	Titles map[int64]string
	byItem map[int64][]int32
}

// MaxMovieFields is the longest title or genre list ReadMovies accepts.
const MaxMovieFields = 1 << 12

// ReadMoviesFile reads a movies file (see ReadMovies).
func ReadMoviesFile(path string) (*Genres, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recsys: %w", err)
	}
	defer f.Close()
	return ReadMovies(f, path)
}

// ReadMovies reads a CSV catalogue with a header naming movieId (or
// itemId/item), title and, optionally, genres. name names the input in
// errors. A duplicate or non-integer id, a missing column or an empty file
// is an error.
func ReadMovies(r io.Reader, name string) (*Genres, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("recsys: %s: empty file", name)
		}
		return nil, fmt.Errorf("recsys: %s: %w", name, err)
	}
	idc, tc, gc := -1, -1, -1
	for i, h := range head {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "movieid", "itemid", "item", "item_id", "movie_id":
			idc = i
		case "title", "name":
			tc = i
		case "genres", "genre":
			gc = i
		}
	}
	if idc < 0 || tc < 0 {
		return nil, fmt.Errorf("recsys: %s: the header %q has no movieId and title columns", name, clipS(strings.Join(head, ",")))
	}
	g := &Genres{Titles: map[int64]string{}, byItem: map[int64][]int32{}}
	idx := map[string]int32{}
	var raw = map[int64][]string{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("recsys: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		id, err := parseID([]byte(rec[idc]))
		if err != nil {
			return nil, fmt.Errorf("recsys: %s:%d: movie id: %w", name, line, err)
		}
		if _, dup := g.Titles[id]; dup {
			return nil, fmt.Errorf("recsys: %s:%d: movie %d listed twice", name, line, id)
		}
		if len(rec[tc]) > MaxMovieFields {
			return nil, fmt.Errorf("recsys: %s:%d: title longer than %d bytes", name, line, MaxMovieFields)
		}
		g.Titles[id] = strings.Clone(rec[tc])
		if gc >= 0 && rec[gc] != "" && rec[gc] != "(no genres listed)" {
			if len(rec[gc]) > MaxMovieFields {
				return nil, fmt.Errorf("recsys: %s:%d: genre list longer than %d bytes", name, line, MaxMovieFields)
			}
			gs := strings.Split(rec[gc], "|")
			raw[id] = gs
			for _, s := range gs {
				if _, ok := idx[s]; !ok {
					idx[s] = 0
				}
			}
		}
	}
	if len(g.Titles) == 0 {
		return nil, fmt.Errorf("recsys: %s: no movies", name)
	}
	for s := range idx {
		g.Names = append(g.Names, s)
	}
	sort.Strings(g.Names)
	for i, s := range g.Names {
		idx[s] = int32(i)
	}
	for id, gs := range raw {
		seen := map[int32]bool{}
		for _, s := range gs {
			if k := idx[s]; !seen[k] {
				seen[k] = true
				g.byItem[id] = append(g.byItem[id], k)
			}
		}
		slices.Sort(g.byItem[id])
	}
	return g, nil
}

// ForItems returns the genre indices of each item id (nil for items
// without genres or not in the catalogue).
func (g *Genres) ForItems(ids []int64) [][]int32 {
	out := make([][]int32, len(ids))
	for k, id := range ids {
		out[k] = g.byItem[id]
	}
	return out
}

// Title returns an item's title, or its id when the catalogue lacks it.
func (g *Genres) Title(id int64) string {
	if g != nil {
		if t, ok := g.Titles[id]; ok {
			return t
		}
	}
	return strconv.FormatInt(id, 10)
}
