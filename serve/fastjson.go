package serve

import (
	"math"
	"strconv"
)

// Fast paths for the number arrays that make up most of a request body.
// encoding/json decodes a 784-pixel image in more time than the model
// takes to classify it, so the common shapes are parsed by hand here; any
// input these parsers do not accept goes to encoding/json, which then
// gives the error message.

// numParser scans JSON number arrays in b from position i.
type numParser struct {
	b   []byte
	i   int
	out []float32
}

func (p *numParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// array parses a (nested) array of numbers, at most 16 levels deep.
func (p *numParser) array(depth int) bool {
	if depth > 16 || p.i >= len(p.b) || p.b[p.i] != '[' {
		return false
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return true
	}
	for {
		p.ws()
		if p.i >= len(p.b) {
			return false
		}
		if p.b[p.i] == '[' {
			if !p.array(depth + 1) {
				return false
			}
		} else if !p.number() {
			return false
		}
		p.ws()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return true
		default:
			return false
		}
	}
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// number parses one JSON number. Numbers with at most 15 significant
// digits and a decimal exponent within ±22 are computed exactly in
// float64 (Clinger's fast path) and rounded to float32; others go through
// strconv.ParseFloat.
func (p *numParser) number() bool {
	start := p.i
	b := p.b
	neg := false
	if p.i < len(b) && b[p.i] == '-' {
		neg = true
		p.i++
	}
	var mant uint64
	digits, exp := 0, 0
	intStart := p.i
	for p.i < len(b) && b[p.i] >= '0' && b[p.i] <= '9' {
		if digits < 18 {
			mant = mant*10 + uint64(b[p.i]-'0')
			if mant != 0 {
				digits++
			}
		} else {
			exp++
		}
		p.i++
	}
	if p.i == intStart || (b[intStart] == '0' && p.i-intStart > 1) {
		return false // no digits, or a leading zero
	}
	if p.i < len(b) && b[p.i] == '.' {
		p.i++
		fs := p.i
		for p.i < len(b) && b[p.i] >= '0' && b[p.i] <= '9' {
			if digits < 18 {
				mant = mant*10 + uint64(b[p.i]-'0')
				if mant != 0 {
					digits++
				}
				exp--
			}
			p.i++
		}
		if p.i == fs {
			return false
		}
	}
	if p.i < len(b) && (b[p.i] == 'e' || b[p.i] == 'E') {
		p.i++
		eneg := false
		if p.i < len(b) && (b[p.i] == '+' || b[p.i] == '-') {
			eneg = b[p.i] == '-'
			p.i++
		}
		es, e := p.i, 0
		for p.i < len(b) && b[p.i] >= '0' && b[p.i] <= '9' {
			if e < 10000 {
				e = e*10 + int(b[p.i]-'0')
			}
			p.i++
		}
		if p.i == es {
			return false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	var v float64
	if digits <= 15 && exp >= -22 && exp <= 22 {
		v = float64(mant)
		if exp < 0 {
			v /= pow10[-exp]
		} else {
			v *= pow10[exp]
		}
		if neg {
			v = -v
		}
	} else {
		f, err := strconv.ParseFloat(string(b[start:p.i]), 64)
		if err != nil {
			return false
		}
		v = f
	}
	if math.Abs(v) > math.MaxFloat32 {
		return false // out of float32's range: let encoding/json report it
	}
	p.out = append(p.out, float32(v))
	return true
}

// fastNumbers parses a JSON array of numbers, flat or nested.
func fastNumbers(raw []byte) ([]float32, bool) {
	p := &numParser{b: raw}
	p.ws()
	if !p.array(0) {
		return nil, false
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, false
	}
	return p.out, true
}

// fastV1 parses a TensorFlow Serving predict body of the form
// {"instances": [INSTANCE, ...]} (or "inputs") whose instances are number
// arrays of per values each, returning them flattened. ok is false for any
// other body, which the caller then decodes with encoding/json.
func fastV1(body []byte, per int) (x []float32, n int, ok bool) {
	// One instance is the common request: room for it saves the appends'
	// regrowth (bounded: per is the model's input size).
	p := &numParser{b: body, out: make([]float32, 0, per)}
	p.ws()
	if p.i >= len(body) || body[p.i] != '{' {
		return nil, 0, false
	}
	p.i++
	p.ws()
	var key string
	switch {
	case hasPrefixAt(body, p.i, `"instances"`):
		key = `"instances"`
	case hasPrefixAt(body, p.i, `"inputs"`):
		key = `"inputs"`
	default:
		return nil, 0, false
	}
	p.i += len(key)
	p.ws()
	if p.i >= len(body) || body[p.i] != ':' {
		return nil, 0, false
	}
	p.i++
	p.ws()
	if p.i >= len(body) || body[p.i] != '[' {
		return nil, 0, false
	}
	p.i++
	for {
		p.ws()
		before := len(p.out)
		if !p.array(1) || len(p.out)-before != per {
			return nil, 0, false
		}
		n++
		p.ws()
		if p.i >= len(body) {
			return nil, 0, false
		}
		if body[p.i] == ',' {
			p.i++
			continue
		}
		if body[p.i] != ']' {
			return nil, 0, false
		}
		p.i++
		break
	}
	p.ws()
	if p.i >= len(body) || body[p.i] != '}' {
		return nil, 0, false
	}
	p.i++
	p.ws()
	if p.i != len(body) {
		return nil, 0, false
	}
	return p.out, n, true
}

func hasPrefixAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

// appendFloat32 appends f as encoding/json writes a float32: the shortest
// decimal that reads back as f, in exponent form below 1e-6 and from 1e21,
// with a one-digit negative exponent written without its leading zero.
// f must be finite.
func appendFloat32(b []byte, f float32) []byte {
	abs := float32(math.Abs(float64(f))) // compared in float32, as encoding/json does
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, float64(f), format, -1, 32)
	if format == 'e' {
		// 1e-07 → 1e-7, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendNested appends v as nested JSON arrays of shape (a flat array for
// one dimension or none).
func appendNested(b []byte, v []float32, shape []int) []byte {
	b = append(b, '[')
	if len(shape) <= 1 {
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat32(b, x)
		}
		return append(b, ']')
	}
	n := len(v) / max(shape[0], 1)
	for i := range shape[0] {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNested(b, v[i*n:(i+1)*n], shape[1:])
	}
	return append(b, ']')
}
