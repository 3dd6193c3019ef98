package text

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadLabeled(t *testing.T) {
	texts, labels, classes, err := ReadLabeled("testdata/labeled.tsv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantTexts := []string{"A fine film.", "Not good\twith a tab inside", "  spaced label", "café crème"}
	if !slices.Equal(texts, wantTexts) {
		t.Errorf("texts = %q, want %q", texts, wantTexts)
	}
	if want := []int{1, 0, 1, 0}; !slices.Equal(labels, want) {
		t.Errorf("labels = %v, want %v", labels, want)
	}
	if want := []string{"neg", "pos"}; !slices.Equal(classes, want) {
		t.Errorf("classes = %q, want %q", classes, want)
	}

	// Fixed class order.
	_, labels, classes, err = ReadLabeled("testdata/labeled.tsv", ReadOptions{Classes: []string{"pos", "neg", "neutral"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(labels, []int{0, 1, 0, 1}) || !slices.Equal(classes, []string{"pos", "neg", "neutral"}) {
		t.Errorf("with Classes: labels %v classes %q", labels, classes)
	}

	// Integer labels sort numerically.
	texts, labels, classes, err = ReadLabeled("testdata/numeric.tsv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(classes, []string{"1", "2", "10"}) || !slices.Equal(labels, []int{2, 1, 0, 1}) || len(texts) != 4 {
		t.Errorf("numeric: texts %q labels %v classes %q", texts, labels, classes)
	}
}

func TestReadLatin1(t *testing.T) {
	lines, err := ReadLines("testdata/latin1.txt", ReadOptions{Encoding: Latin1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"café crème brûlée", "«bonjour»"}; !slices.Equal(lines, want) {
		t.Errorf("lines = %q, want %q", lines, want)
	}
	if !strings.ContainsRune(lines[0], 'é') || !strings.ContainsRune(lines[0], '\u00e9') {
		t.Error("byte 0xE9 did not become é")
	}
	s, err := ReadText("testdata/latin1.txt", ReadOptions{Encoding: "ISO-8859-1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "café crème brûlée\n«bonjour»\n"; s != want {
		t.Errorf("ReadText = %q, want %q", s, want)
	}
	// The same file read as UTF-8 is an error naming file and line.
	_, err = ReadLines("testdata/latin1.txt", ReadOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 1 || !strings.Contains(err.Error(), "latin1.txt:1") || !strings.Contains(err.Error(), "invalid UTF-8 at byte 4") {
		t.Errorf("utf-8 read of a Latin-1 file: err = %v", err)
	}
	_, err = ReadText("testdata/latin1.txt", ReadOptions{Encoding: "utf8"})
	if !errors.As(err, &pe) || pe.Line != 1 {
		t.Errorf("ReadText utf-8 of a Latin-1 file: err = %v", err)
	}
}

func TestReadLines(t *testing.T) {
	lines, err := ReadLines("testdata/lines.txt", ReadOptions{Encoding: "UTF-8"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"first line", "second line", "third line"}; !slices.Equal(lines, want) {
		t.Errorf("lines = %q, want %q", lines, want)
	}
	s, err := ReadText("testdata/labeled.tsv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "pos\tA fine") || !strings.HasSuffix(s, "café crème") {
		t.Errorf("ReadText kept the BOM or lost text: %q", s)
	}
}

func TestReadClassFiles(t *testing.T) {
	texts, labels, classes, err := ReadClassFiles([]ClassFile{
		{Class: "plain", Path: "testdata/lines.txt"},
		{Class: "french", Path: "testdata/latin1.txt"},
	}, ReadOptions{Encoding: Latin1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"first line", "second line", "third line", "café crème brûlée", "«bonjour»"}; !slices.Equal(texts, want) {
		t.Errorf("texts = %q", texts)
	}
	if !slices.Equal(labels, []int{0, 0, 0, 1, 1}) || !slices.Equal(classes, []string{"plain", "french"}) {
		t.Errorf("labels %v classes %q", labels, classes)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notab := write("notab.tsv", "pos\tok\nno tab here\n")
	emptyLabel := write("empty.tsv", "pos\tok\n\nneg\tfine\n  \tno label\n")
	badUTF8 := write("bad.tsv", "pos\tok\nneg\tca\xe9 text\n")
	unknown := write("unknown.tsv", "pos\tok\nmaybe\thmm\n")
	good := write("good.txt", "a\n")

	tests := []struct {
		name string
		f    func() error
		want string // substring of the error
		line int    // >0: a *ParseError at this line
	}{
		{"missing tab", func() error { _, _, _, err := ReadLabeled(notab, ReadOptions{}); return err }, "notab.tsv:2: no tab", 2},
		{"empty label", func() error { _, _, _, err := ReadLabeled(emptyLabel, ReadOptions{}); return err }, "empty.tsv:4: empty label", 4},
		{"invalid utf-8", func() error { _, _, _, err := ReadLabeled(badUTF8, ReadOptions{}); return err }, "bad.tsv:2: invalid UTF-8 at byte 7", 2},
		{"unknown label", func() error {
			_, _, _, err := ReadLabeled(unknown, ReadOptions{Classes: []string{"pos", "neg"}})
			return err
		}, `unknown.tsv:2: label "maybe"`, 2},
		{"missing file", func() error { _, _, _, err := ReadLabeled(filepath.Join(dir, "nope.tsv"), ReadOptions{}); return err }, "nope.tsv", 0},
		{"unknown encoding", func() error { _, err := ReadLines(good, ReadOptions{Encoding: "cp1252"}); return err }, `unknown encoding "cp1252"`, 0},
		{"unknown encoding text", func() error { _, err := ReadText(good, ReadOptions{Encoding: "ebcdic"}); return err }, "unknown encoding", 0},
		{"missing text file", func() error { _, err := ReadText(filepath.Join(dir, "nope.txt"), ReadOptions{}); return err }, "nope.txt", 0},
		{"no class files", func() error { _, _, _, err := ReadClassFiles(nil, ReadOptions{}); return err }, "no files", 0},
		{"empty class", func() error {
			_, _, _, err := ReadClassFiles([]ClassFile{{Path: good}}, ReadOptions{})
			return err
		}, "empty class name", 0},
		{"repeated class", func() error {
			_, _, _, err := ReadClassFiles([]ClassFile{{"a", good}, {"a", good}}, ReadOptions{})
			return err
		}, `class "a" is given twice`, 0},
		{"class file utf-8", func() error {
			_, _, _, err := ReadClassFiles([]ClassFile{{"a", good}, {"b", badUTF8}}, ReadOptions{})
			return err
		}, "bad.tsv:2", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			var pe *ParseError
			if tt.line > 0 && (!errors.As(err, &pe) || pe.Line != tt.line) {
				t.Errorf("err = %#v, want a *ParseError at line %d", err, tt.line)
			}
		})
	}

	dup := write("dup.tsv", "a\tx\n")
	if _, _, _, err := ReadLabeled(dup, ReadOptions{Classes: []string{"a", "a"}}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate Classes: err = %v", err)
	}
}

func TestReadLabeledDetectsLabelColumn(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content, opt, col string
		texts, classes          []string
	}{
		{"label-first", "pos\tgreat film\nneg\tdull\npos\tfine\n", "", "first", []string{"great film", "dull", "fine"}, []string{"neg", "pos"}},
		{"uci-layout", "So there is no way for me to plug it in.\t0\nGood case, Excellent value.\t1\nGreat for the jawbone.\t1\n", "", "last",
			[]string{"So there is no way for me to plug it in.", "Good case, Excellent value.", "Great for the jawbone."}, []string{"0", "1"}},
		{"tab-in-text", "a\tb\tpos\nc\td\tneg\ne\tf\tpos\n", "", "last", []string{"a\tb", "c\td", "e\tf"}, []string{"neg", "pos"}},
		{"tie-is-first", "x\ty\nz\tw\n", "", "first", []string{"y", "w"}, []string{"x", "z"}},
		{"forced-last", "x\ty\nz\tw\n", "last", "last", []string{"x", "z"}, []string{"w", "y"}},
	} {
		p := filepath.Join(dir, tc.name)
		os.WriteFile(p, []byte(tc.content), 0o644)
		l, err := ReadLabeledFile(p, ReadOptions{LabelColumn: tc.opt})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if l.LabelColumn != tc.col || !slices.Equal(l.Texts, tc.texts) || !slices.Equal(l.Classes, tc.classes) {
			t.Errorf("%s: column %s texts %q classes %q; want %s %q %q", tc.name, l.LabelColumn, l.Texts, l.Classes, tc.col, tc.texts, tc.classes)
		}
	}
}
