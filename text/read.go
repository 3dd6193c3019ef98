package text

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Encodings accepted by ReadOptions.Encoding.
const (
	UTF8   = "utf-8"
	Latin1 = "latin-1"
)

// ReadOptions controls how text files are read.
type ReadOptions struct {
	// Encoding is "utf-8" (default; invalid UTF-8 is an error) or "latin-1"
	// (ISO 8859-1: every byte is the rune of the same number, so 0xE9 is
	// 'é'). "utf8", "latin1" and "iso-8859-1" are accepted too, in any case.
	Encoding string
	// Classes, if set, fixes the class names and their order for
	// ReadLabeled: label Classes[i] gets id i, and any other label is an
	// error. Otherwise the classes are the distinct labels, sorted
	// numerically if all are integers and as strings otherwise.
	Classes []string
	// LabelColumn says where ReadLabeled finds the label: "first" (the
	// part before the first tab: "label<TAB>text"), "last" (the part after
	// the last tab: "text<TAB>label", the layout of the UCI sentiment
	// sentences) or "" for auto: the side with fewer distinct values, the
	// first on a tie.
	LabelColumn string
}

// ParseError reports a problem at a line of a text file.
type ParseError struct {
	Path string
	Line int // 1-based
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("text: %s:%d: %s", e.Path, e.Line, e.Msg)
}

func encodingOf(opt ReadOptions) (latin1 bool, err error) {
	switch strings.ToLower(opt.Encoding) {
	case "", "utf-8", "utf8":
		return false, nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1":
		return true, nil
	}
	return false, fmt.Errorf("text: unknown encoding %q (want %q or %q)", opt.Encoding, UTF8, Latin1)
}

// decode returns b as a string in the requested encoding. For UTF-8 it
// returns the byte offset of the first invalid sequence, or -1.
func decode(b []byte, latin1 bool) (string, int) {
	if latin1 {
		var sb strings.Builder
		sb.Grow(len(b) + len(b)/8)
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		return sb.String(), -1
	}
	if !utf8.Valid(b) {
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", i
			}
			i += n
		}
	}
	return string(b), -1
}

// eachLine calls fn with every line of path decoded to a string, without
// its line ending (\n or \r\n). A UTF-8 byte order mark at the start of a
// UTF-8 file is dropped.
func eachLine(path string, opt ReadOptions, fn func(line int, s string) error) error {
	latin1, err := encodingOf(opt)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	for n := 1; ; n++ {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 {
			b = bytes.TrimSuffix(b, []byte("\n"))
			b = bytes.TrimSuffix(b, []byte("\r"))
			if n == 1 && !latin1 {
				b = bytes.TrimPrefix(b, []byte("\uFEFF"))
			}
			s, bad := decode(b, latin1)
			if bad >= 0 {
				return &ParseError{path, n, fmt.Sprintf("invalid UTF-8 at byte %d of the line (use encoding %q for Latin-1 files)", bad+1, Latin1)}
			}
			if ferr := fn(n, s); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("text: %s: %w", path, err)
		}
	}
}

// ReadLines returns the lines of a text file, without line endings; lines
// that are empty or only white space are skipped.
func ReadLines(path string, opt ReadOptions) ([]string, error) {
	var lines []string
	err := eachLine(path, opt, func(_ int, s string) error {
		if strings.TrimSpace(s) != "" {
			lines = append(lines, s)
		}
		return nil
	})
	return lines, err
}

// ReadText returns a whole text file as a string decoded from opt.Encoding,
// e.g. as the corpus of a character-level language model. Line endings are
// kept as they are; invalid UTF-8 is an error naming the line.
func ReadText(path string, opt ReadOptions) (string, error) {
	latin1, err := encodingOf(opt)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if !latin1 {
		b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	}
	s, bad := decode(b, latin1)
	if bad >= 0 {
		line := 1 + bytes.Count(b[:bad], []byte("\n"))
		return "", &ParseError{path, line, fmt.Sprintf("invalid UTF-8 at byte offset %d of the file (use encoding %q for Latin-1 files)", bad, Latin1)}
	}
	return s, nil
}

// Labeled is a labelled text file as ReadLabeledFile returns it.
type Labeled struct {
	Texts   []string
	Labels  []int    // class ids: indices into Classes
	Classes []string // see ReadOptions.Classes for their order
	// LabelColumn is where the labels came from: "first" or "last".
	LabelColumn string
}

// ReadLabeled reads a file of "label<TAB>text" (or "text<TAB>label")
// lines, as used for text classification data; see ReadLabeledFile.
func ReadLabeled(path string, opt ReadOptions) (texts []string, labels []int, classNames []string, err error) {
	l, err := ReadLabeledFile(path, opt)
	if err != nil {
		return nil, nil, nil, err
	}
	return l.Texts, l.Labels, l.Classes, nil
}

// ReadLabeledFile reads a file of labelled texts, one a line. The label is
// the part before the first tab or after the last one (see
// ReadOptions.LabelColumn; by default the side with fewer distinct values,
// since a label repeats and a sentence rarely does), with surrounding
// spaces removed; the text is the rest of the line. Lines that are empty or
// only white space are skipped. A line without a tab or with an empty label
// is an error naming the file and line.
func ReadLabeledFile(path string, opt ReadOptions) (*Labeled, error) {
	switch opt.LabelColumn {
	case "", "first", "last":
	default:
		return nil, fmt.Errorf("text: label column %q: want \"first\", \"last\" or \"\" (auto)", opt.LabelColumn)
	}
	type row struct {
		line          int
		first, firstT string // label before the first tab, and its text
		last, lastT   string // label after the last tab, and its text
	}
	var rows []row
	err := eachLine(path, opt, func(n int, s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		f, ft, ok := strings.Cut(s, "\t")
		if !ok {
			return &ParseError{path, n, "no tab between label and text (want \"label<TAB>text\" or \"text<TAB>label\")"}
		}
		i := strings.LastIndexByte(s, '\t')
		rows = append(rows, row{n, strings.TrimSpace(f), ft, strings.TrimSpace(s[i+1:]), s[:i]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	col := opt.LabelColumn
	if col == "" {
		firsts, lasts := map[string]bool{}, map[string]bool{}
		for _, r := range rows {
			firsts[r.first] = true
			lasts[r.last] = true
		}
		col = "first"
		if len(lasts) < len(firsts) {
			col = "last"
		}
	}
	out := &Labeled{LabelColumn: col}
	var raw []string
	lineOf := map[string]int{} // first line of each label, for errors
	for _, r := range rows {
		label, txt := r.first, r.firstT
		if col == "last" {
			label, txt = r.last, r.lastT
		}
		if label == "" {
			return nil, &ParseError{path, r.line, fmt.Sprintf("empty label (the label is the %s column)", col)}
		}
		if _, seen := lineOf[label]; !seen {
			lineOf[label] = r.line
		}
		raw = append(raw, label)
		out.Texts = append(out.Texts, txt)
	}
	if opt.Classes != nil {
		out.Classes = slices.Clone(opt.Classes)
	} else {
		out.Classes = sortLabels(lineOf)
	}
	ids := make(map[string]int, len(out.Classes))
	for i, c := range out.Classes {
		if _, dup := ids[c]; dup {
			return nil, fmt.Errorf("text: ReadOptions.Classes lists %q twice", c)
		}
		ids[c] = i
	}
	out.Labels = make([]int, len(raw))
	for i, l := range raw {
		id, ok := ids[l]
		if !ok {
			return nil, &ParseError{path, lineOf[l], fmt.Sprintf("label %q (from the %s column) is not one of the classes %q", l, col, out.Classes)}
		}
		out.Labels[i] = id
	}
	return out, nil
}

// sortLabels returns the distinct labels, in numeric order if all are
// integers and in string order otherwise.
func sortLabels(set map[string]int) []string {
	names := make([]string, 0, len(set))
	numeric := true
	for l := range set {
		names = append(names, l)
		if _, err := strconv.Atoi(l); err != nil {
			numeric = false
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if numeric {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		}
		return strings.Compare(a, b)
	})
	return names
}

// ClassFile names a file that holds the texts of one class, one per line.
type ClassFile struct {
	Class string
	Path  string
}

// ReadClassFiles reads one file per class; texts from files[i] get label i
// and classNames[i] is files[i].Class. Lines that are empty or only white
// space are skipped. For the MR movie-review data of Kim (2014):
//
//	texts, labels, classes, err := text.ReadClassFiles([]text.ClassFile{
//		{Class: "neg", Path: dir + "/rt-polarity.neg"},
//		{Class: "pos", Path: dir + "/rt-polarity.pos"},
//	}, text.ReadOptions{Encoding: text.Latin1})
//
// opt.Classes is ignored.
func ReadClassFiles(files []ClassFile, opt ReadOptions) (texts []string, labels []int, classNames []string, err error) {
	if len(files) == 0 {
		return nil, nil, nil, errors.New("text: ReadClassFiles: no files")
	}
	seen := map[string]bool{}
	for i, f := range files {
		if f.Class == "" {
			return nil, nil, nil, fmt.Errorf("text: ReadClassFiles: file %s has an empty class name", f.Path)
		}
		if seen[f.Class] {
			return nil, nil, nil, fmt.Errorf("text: ReadClassFiles: class %q is given twice", f.Class)
		}
		seen[f.Class] = true
		lines, err := ReadLines(f.Path, opt)
		if err != nil {
			return nil, nil, nil, err
		}
		texts = append(texts, lines...)
		for range lines {
			labels = append(labels, i)
		}
		classNames = append(classNames, f.Class)
	}
	return texts, labels, classNames, nil
}
