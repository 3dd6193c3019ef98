package registry

import (
	"slices"
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	tb := New[func() int]("pkg", "thing")
	tb.Register("sparse_thing", func() int { return 1 }, "st")
	tb.Register("Other", func() int { return 2 })
	for _, c := range []struct {
		name string
		want int
	}{{"sparse_thing", 1}, {"SparseThing", 1}, {"ST", 1}, {"other", 2}, {"OTHER", 2}} {
		f, err := tb.Lookup(c.name)
		if err != nil || f() != c.want {
			t.Errorf("Lookup(%q): err %v", c.name, err)
		}
	}
	if got := tb.Names(); !slices.Equal(got, []string{"Other", "sparse_thing", "st"}) {
		t.Errorf("Names() = %q", got)
	}
	_, err := tb.Lookup("nope")
	if err == nil || !strings.Contains(err.Error(), `pkg: unknown thing "nope" (registered: Other, sparse_thing, st)`) {
		t.Errorf("unknown name: %v", err)
	}
	for _, dup := range []string{"sparse_thing", "SparseThing", "", "__"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", dup)
				}
			}()
			tb.Register(dup, func() int { return 3 })
		}()
	}
}
