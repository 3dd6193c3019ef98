package data

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadCSV(t *testing.T) {
	tests := []struct {
		name    string
		content string
		opt     CSVOptions
		x       []float32
		y       []float32
		classes []string
	}{
		{"header auto", "a,b,label\n1,2,0\n3,4.5,1\n", CSVOptions{}, []float32{1, 2, 3, 4.5}, []float32{0, 1}, nil},
		{"no header", "1,2,0\n3,4,1\n", CSVOptions{}, []float32{1, 2, 3, 4}, []float32{0, 1}, nil},
		{"label by name", "y,a,b\n7,1,2\n8,3,4\n", CSVOptions{LabelColumn: "y"}, []float32{1, 2, 3, 4}, []float32{7, 8}, nil},
		{"label by index", "7,1,2\n8,3,4\n", CSVOptions{LabelColumn: "0"}, []float32{1, 2, 3, 4}, []float32{7, 8}, nil},
		{"label negative index", "1,7,2\n3,8,4\n", CSVOptions{LabelColumn: "-2"}, []float32{1, 2, 3, 4}, []float32{7, 8}, nil},
		{"text labels", "5.1,3.5,setosa\n7.0,3.2,versicolor\n4.9,3.0,setosa\n", CSVOptions{},
			[]float32{5.1, 3.5, 7.0, 3.2, 4.9, 3.0}, []float32{0, 1, 0}, []string{"setosa", "versicolor"}},
		{"text labels header", "sl,sw,species\n5.1,3.5,virginica\n7.0,3.2,setosa\n", CSVOptions{},
			[]float32{5.1, 3.5, 7.0, 3.2}, []float32{1, 0}, []string{"setosa", "virginica"}},
		{"float target", "1,0.25\n2,-1.5\n", CSVOptions{Label: LabelFloat}, []float32{1, 2}, []float32{0.25, -1.5}, nil},
		{"semicolon spaces", "1 ; 2;0\n 3;4 ;1\n", CSVOptions{Delimiter: ';'}, []float32{1, 2, 3, 4}, []float32{0, 1}, nil},
		{"no label", "1,2\n3,4\n", CSVOptions{Label: LabelNone}, []float32{1, 2, 3, 4}, nil, nil},
		{"forced header", "1,2,3\n4,5,6\n", CSVOptions{Header: HeaderYes}, []float32{4, 5}, []float32{6}, nil},
		{"comments blank lines", "# comment\n1,2,0\n\n3,4,1\n", CSVOptions{Comment: '#'}, []float32{1, 2, 3, 4}, []float32{0, 1}, nil},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			os.WriteFile(path, []byte(tc.content), 0o644)
			ds, err := LoadCSV(path, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ds.X, tc.x) || !reflect.DeepEqual(ds.Y, tc.y) || !reflect.DeepEqual(ds.Classes, tc.classes) {
				t.Fatalf("got X %v Y %v classes %v", ds.X, ds.Y, ds.Classes)
			}
			if ds.XShape[0] != len(tc.x)/ds.N || len(ds.YShape) != 0 {
				t.Fatalf("shapes %v %v", ds.XShape, ds.YShape)
			}
		})
	}
}

func TestLoadCSVErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		opt     CSVOptions
		wantErr string
	}{
		{"ragged", "1,2,0\n3,4,1\n5,1\n", CSVOptions{}, ":3: ragged row: 2 fields, but line 1 has 3"},
		{"non-numeric", "a,b,y\n1,2,0\n3,x4,1\n", CSVOptions{}, `:3: column 2 ("b"): "x4" is not a number`},
		{"non-numeric no header", "1,2,0\n3,4,1\n5,abc,1\n", CSVOptions{}, `:3: column 2: "abc" is not a number`},
		{"empty cell", "1,2,0\n3,,1\n", CSVOptions{}, ":2: column 2: empty cell"},
		{"nan", "1,2,0\n3,NaN,1\n", CSVOptions{}, `"NaN" is not a finite float32`},
		{"float label text", "1,2,a\n3,4,b\n", CSVOptions{Label: LabelFloat}, `:1: column 3: label: "a" is not a number`},
		{"class label fraction", "1,2,0\n3,4,1.5\n", CSVOptions{Label: LabelClass}, `:2: column 3: label "1.5" is not a class id`},
		{"unknown column", "a,b\n1,2\n", CSVOptions{LabelColumn: "c"}, `no column named "c" (columns: a, b)`},
		{"column out of range", "1,2\n", CSVOptions{LabelColumn: "5"}, "label column 5 out of range"},
		{"empty", "", CSVOptions{}, "no rows"},
		{"header only", "a,b\n", CSVOptions{Header: HeaderYes}, "no data rows"},
		{"one column", "1\n2\n", CSVOptions{}, "no feature columns"},
		{"bad quote", "1,\"2,0\n", CSVOptions{}, ":1: column"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			os.WriteFile(path, []byte(tc.content), 0o644)
			_, err := LoadCSV(path, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), path+":") {
				t.Fatalf("err = %v, want the path and %q", err, tc.wantErr)
			}
			t.Log(err)
		})
	}
	if _, err := LoadCSV(filepath.Join(dir, "missing.csv"), CSVOptions{}); err == nil {
		t.Fatal("missing file: no error")
	}
}

func TestCSVMixedLabelsRejected(t *testing.T) {
	for _, tc := range []struct{ content, want string }{
		{"1,0\n2,1\n3,cat\n4,1\n", `m.csv:3: column 2 (the label column): label "cat" is not a number`},
		{"1,dog\n2,cat\n3,7\n", `m.csv:3: column 2 (the label column): label "7" is a number`},
	} {
		_, err := ReadCSV("m.csv", strings.NewReader(tc.content), CSVOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}
