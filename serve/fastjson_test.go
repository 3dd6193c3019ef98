package serve

import (
	"encoding/json"
	"math"
	"testing"
)

// slowNumbers is the reference: encoding/json, nested arrays flattened.
func slowNumbers(raw []byte) ([]float32, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil, false
	}
	var out []float32
	var walk func(v any, depth int) bool
	walk = func(v any, depth int) bool {
		switch t := v.(type) {
		case float64:
			if math.Abs(t) > math.MaxFloat32 {
				return false
			}
			out = append(out, float32(t))
		case []any:
			if depth > 16 {
				return false
			}
			for _, e := range t {
				if !walk(e, depth+1) {
					return false
				}
			}
		default:
			return false
		}
		return true
	}
	if _, isArr := v.([]any); !isArr || !walk(v, 0) {
		return nil, false
	}
	return out, true
}

func TestFastNumbers(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{`[0, 1, 0.5, -2.25, 1e3, 1E-3, 3.4028234e38, 0.000001, 123456789012345678901234]`, true},
		{` [[1,2],[3,4]] `, true},
		{`[]`, true},
		{`[0.1, 0.2, 0.30000000000000004, 1.7976931348623157e-300]`, true},
		{`[01]`, false},
		{`[1.]`, false},
		{`[.5]`, false},
		{`[1e]`, false},
		{`[1,]`, false},
		{`[1 2]`, false},
		{`["1"]`, false},
		{`[1e39]`, false},
		{`[1] x`, false},
		{`[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]`, false},
		{`[-]`, false},
		{`[true]`, false},
	}
	for _, c := range cases {
		got, ok := fastNumbers([]byte(c.in))
		want, wok := slowNumbers([]byte(c.in))
		if ok != c.ok || wok != c.ok {
			t.Errorf("%s: fast ok=%v, encoding/json ok=%v, want %v", c.in, ok, wok, c.ok)
			continue
		}
		if !equal32(got, want) {
			t.Errorf("%s: fast %v, encoding/json %v", c.in, got, want)
		}
	}
}

func equal32(a, b []float32) bool {
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

func TestFastV1(t *testing.T) {
	cases := []struct {
		in   string
		per  int
		n    int
		want []float32
	}{
		{`{"instances": [[1,2],[3,4]]}`, 2, 2, []float32{1, 2, 3, 4}},
		{` {"inputs":[[[1],[2]]]} `, 2, 1, []float32{1, 2}},
		{`{"instances": [[1,2],[3]]}`, 2, 0, nil},     // wrong size: slow path reports it
		{`{"instances": [[1,2]], "x": 1}`, 2, 0, nil}, // other keys: slow path
		{`{"signature_name": "s", "instances": [[1,2]]}`, 2, 0, nil},
		{`{"instances": ["a"]}`, 1, 0, nil},
		{`{"instances": []}`, 1, 0, nil},
	}
	for _, c := range cases {
		x, n, ok := fastV1([]byte(c.in), c.per)
		if ok != (c.want != nil) || n != c.n || !equal32(x, c.want) {
			t.Errorf("%s: %v %d %v, want %v %d", c.in, x, n, ok, c.want, c.n)
		}
	}
}

// FuzzFastNumbers checks that the hand-written parser accepts only what
// encoding/json accepts, with the same values.
func FuzzFastNumbers(f *testing.F) {
	for _, s := range []string{`[1, 2.5, -3e-2]`, `[[0.1],[1e22]]`, `[1e23, 9007199254740993]`, `[0.000000000000000000001]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := fastNumbers(b)
		if !ok {
			return
		}
		want, wok := slowNumbers(b)
		if !wok || !equal32(got, want) {
			t.Fatalf("%q: fast %v, encoding/json %v (ok %v)", b, got, want, wok)
		}
	})
}

// nestAny shapes flat values as nested lists for encoding/json, the
// reference appendNested is checked against.
func nestAny(v []float32, shape []int) any {
	if len(shape) <= 1 {
		return v
	}
	n := len(v) / shape[0]
	out := make([]any, shape[0])
	for i := range out {
		out[i] = nestAny(v[i*n:(i+1)*n], shape[1:])
	}
	return out
}

func TestAppendNestedMatchesEncodingJSON(t *testing.T) {
	vals := []float32{0, 1, -1, 0.5, 0.1, 1.0 / 3, 1e-6, 9.99e-7, 1e-7, -1.2345e-8, 1e-10, 1e-30, 1e20, 1e21, 3e21,
		math.MaxFloat32, math.SmallestNonzeroFloat32, -0.0, 123456.79, 2.5e-5}
	for _, c := range []struct {
		v     []float32
		shape []int
	}{
		{vals, []int{len(vals)}},
		{vals, nil},
		{vals[:12], []int{4, 3}},
		{vals[:8], []int{2, 2, 2}},
		{nil, []int{0}},
	} {
		got := string(appendNested(nil, c.v, c.shape))
		want, err := json.Marshal(nestAny(c.v, c.shape))
		if err != nil {
			t.Fatal(err)
		}
		if c.v == nil {
			want = []byte("[]")
		}
		if got != string(want) {
			t.Errorf("shape %v:\n got %s\nwant %s", c.shape, got, want)
		}
	}
}
