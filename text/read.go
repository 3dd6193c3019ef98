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

// ReadLabeled reads a file of "label<TAB>text" lines, as used for text
// classification data. The label is the part before the first tab, with
// surrounding spaces removed; the text is the rest of the line. Lines that
// are empty or only white space are skipped. It returns the texts, their
// class ids (indices into classNames) and the class names (see
// ReadOptions.Classes for their order). A line without a tab or with an
// empty label is an error naming the file and line.
func ReadLabeled(path string, opt ReadOptions) (texts []string, labels []int, classNames []string, err error) {
	var raw []string
	lineOf := map[string]int{} // first line of each label, for errors
	err = eachLine(path, opt, func(n int, s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		label, txt, ok := strings.Cut(s, "\t")
		if !ok {
			return &ParseError{path, n, "no tab between label and text (want \"label<TAB>text\")"}
		}
		label = strings.TrimSpace(label)
		if label == "" {
			return &ParseError{path, n, "empty label"}
		}
		if _, seen := lineOf[label]; !seen {
			lineOf[label] = n
		}
		raw = append(raw, label)
		texts = append(texts, txt)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if opt.Classes != nil {
		classNames = slices.Clone(opt.Classes)
	} else {
		classNames = sortLabels(lineOf)
	}
	ids := make(map[string]int, len(classNames))
	for i, c := range classNames {
		if _, dup := ids[c]; dup {
			return nil, nil, nil, fmt.Errorf("text: ReadOptions.Classes lists %q twice", c)
		}
		ids[c] = i
	}
	labels = make([]int, len(raw))
	for i, l := range raw {
		id, ok := ids[l]
		if !ok {
			return nil, nil, nil, &ParseError{path, lineOf[l], fmt.Sprintf("label %q is not one of the classes %q", l, classNames)}
		}
		labels[i] = id
	}
	return texts, labels, classNames, nil
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
