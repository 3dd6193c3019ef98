package data

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// HeaderMode says whether a CSV file starts with a header row.
type HeaderMode int

const (
	// HeaderAuto treats the first row as a header when one of its cells is
	// not a number while the cell below it is.
	HeaderAuto HeaderMode = iota
	// HeaderYes: the first row is a header.
	HeaderYes
	// HeaderNo: every row is data.
	HeaderNo
)

// LabelKind says how to read a CSV label column.
type LabelKind int

const (
	// LabelAuto stores numeric labels as they are (class ids or regression
	// targets) and maps text labels to class ids in sorted order.
	LabelAuto LabelKind = iota
	// LabelClass requires class labels: non-negative integers, or text
	// mapped to class ids in sorted order.
	LabelClass
	// LabelFloat requires numeric labels (regression targets).
	LabelFloat
	// LabelNone reads no label: every column is a feature.
	LabelNone
)

// CSVOptions configures LoadCSV.
type CSVOptions struct {
	// LabelColumn selects the label column: a header name, or a column
	// index where negative indices count from the end ("0", "-1"). Empty
	// means the last column.
	LabelColumn string
	// Label says how to read the label column.
	Label LabelKind
	// Header says whether the first row holds column names.
	Header HeaderMode
	// Delimiter separates cells; 0 means ','.
	Delimiter rune
	// Comment, if not 0, starts comment lines.
	Comment rune
}

// LoadCSV reads a dataset from the CSV file at path: one sample per row,
// the label column as Y (YShape []) and the other columns, all numeric, as
// X with XShape [columns]. Text labels become class ids (sorted names,
// recorded in Dataset.Classes). Errors name the file, the line and the
// column.
func LoadCSV(path string, opt CSVOptions) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSV(path, f, opt)
}

// ReadCSV reads a dataset in CSV form from r; see LoadCSV. Errors start
// with name, e.g. "train.csv:3: column 2: ...".
func ReadCSV(name string, r io.Reader, opt CSVOptions) (*Dataset, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	if opt.Delimiter != 0 {
		cr.Comma = opt.Delimiter
	}
	cr.Comment = opt.Comment
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var rows [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: column %d: %v", name, pe.Line, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rows) > 0 && len(rec) != len(rows[0]) {
			return nil, fmt.Errorf("%s:%d: ragged row: %d fields, but line %d has %d", name, line, len(rec), lines[0], len(rows[0]))
		}
		rows = append(rows, rec)
		lines = append(lines, line)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", name)
	}
	ncol := len(rows[0])

	header := opt.Header == HeaderYes
	if opt.Header == HeaderAuto {
		_, err := strconv.Atoi(opt.LabelColumn)
		header = (opt.LabelColumn != "" && err != nil) || looksLikeHeader(rows)
	}
	var names []string
	if header {
		names, rows, lines = rows[0], rows[1:], lines[1:]
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no data rows after the header", name)
	}

	label := -1
	if opt.Label != LabelNone {
		var err error
		if label, err = labelColumn(opt.LabelColumn, names, ncol); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if ncol < 2 {
			return nil, fmt.Errorf("%s: only %d column: no feature columns besides the label", name, ncol)
		}
	}
	colName := func(j int) string {
		if names != nil {
			return fmt.Sprintf("column %d (%q)", j+1, names[j])
		}
		return fmt.Sprintf("column %d", j+1)
	}

	nf := ncol
	if label >= 0 {
		nf--
	}
	x := make([]float32, 0, len(rows)*nf)
	for i, rec := range rows {
		for j, cell := range rec {
			if j == label {
				continue
			}
			v, err := parseCell(cell)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %s: %v", name, lines[i], colName(j), err)
			}
			x = append(x, v)
		}
	}
	if label < 0 {
		return New(x, []int{nf}, nil, nil)
	}

	y := make([]float32, len(rows))
	var classes []string
	// Labels are all numbers or all text: one stray text label among
	// numbers would otherwise renumber every class by name.
	nNum, firstNum, firstText := 0, -1, -1
	for i, rec := range rows {
		if _, err := parseCell(rec[label]); err == nil {
			nNum++
			if firstNum < 0 {
				firstNum = i
			}
		} else if firstText < 0 {
			firstText = i
		}
	}
	numeric := firstText < 0
	if firstNum >= 0 && firstText >= 0 && opt.Label != LabelFloat {
		if nNum*2 >= len(rows) {
			return nil, fmt.Errorf("%s:%d: %s (the label column): label %q is not a number, but %d of the %d labels are", name, lines[firstText], colName(label), rows[firstText][label], nNum, len(rows))
		}
		return nil, fmt.Errorf("%s:%d: %s (the label column): label %q is a number, but %d of the %d labels are text", name, lines[firstNum], colName(label), rows[firstNum][label], len(rows)-nNum, len(rows))
	}
	if numeric {
		for i, rec := range rows {
			v, _ := parseCell(rec[label])
			if opt.Label == LabelClass && (v < 0 || v != float32(math.Trunc(float64(v)))) {
				return nil, fmt.Errorf("%s:%d: %s: label %q is not a class id (a non-negative integer)", name, lines[i], colName(label), rec[label])
			}
			y[i] = v
		}
	} else {
		if opt.Label == LabelFloat {
			for i, rec := range rows {
				if _, err := parseCell(rec[label]); err != nil {
					return nil, fmt.Errorf("%s:%d: %s: label: %v", name, lines[i], colName(label), err)
				}
			}
		}
		ids := map[string]int{}
		for i, rec := range rows {
			if rec[label] == "" {
				return nil, fmt.Errorf("%s:%d: %s: empty label", name, lines[i], colName(label))
			}
			ids[rec[label]] = 0
		}
		for name := range ids {
			classes = append(classes, name)
		}
		sort.Strings(classes)
		for id, name := range classes {
			ids[name] = id
		}
		for i, rec := range rows {
			y[i] = float32(ids[rec[label]])
		}
	}
	ds, err := New(x, []int{nf}, y, nil)
	if err != nil {
		return nil, err
	}
	ds.Classes = classes
	return ds, nil
}

func parseCell(s string) (float32, error) {
	if s == "" {
		return 0, errors.New("empty cell")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
		return 0, fmt.Errorf("%q is not a finite float32", s)
	}
	return float32(v), nil
}

// looksLikeHeader reports whether some cell of the first row is not a
// number while the cell below it is (or, for a single row, whether any
// cell is not a number).
func looksLikeHeader(rows [][]string) bool {
	for j, cell := range rows[0] {
		if _, err := parseCell(cell); err == nil {
			continue
		}
		if len(rows) == 1 {
			return true
		}
		if _, err := parseCell(rows[1][j]); err == nil {
			return true
		}
	}
	return false
}

func labelColumn(spec string, names []string, ncol int) (int, error) {
	if spec == "" {
		return ncol - 1, nil
	}
	if i, err := strconv.Atoi(spec); err == nil {
		if i < 0 {
			i += ncol
		}
		if i < 0 || i >= ncol {
			return 0, fmt.Errorf("label column %s out of range for %d columns", spec, ncol)
		}
		return i, nil
	}
	for j, n := range names {
		if n == spec {
			return j, nil
		}
	}
	if names == nil {
		return 0, fmt.Errorf("label column %q: the file has no header row", spec)
	}
	return 0, fmt.Errorf("no column named %q (columns: %s)", spec, strings.Join(names, ", "))
}
