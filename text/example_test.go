package text_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tensile-ml/tensile/text"
)

func ExampleWordTokenizer() {
	tok := text.WordTokenizer{}
	fmt.Printf("%q\n", tok.Tokenize(`The film's "twist" isn't new, but it works!`))
	kim := text.WordTokenizer{Punctuation: text.PunctKim}
	fmt.Printf("%q\n", kim.Tokenize(`The film's "twist" isn't new, but it works!`))
	// Output:
	// ["the" "film" "'s" "\"" "twist" "\"" "is" "n't" "new" "," "but" "it" "works" "!"]
	// ["the" "film" "'s" "twist" "is" "n't" "new" "," "but" "it" "works" "!"]
}

func ExampleCharTokenizer() {
	fmt.Printf("%q\n", text.CharTokenizer{}.Tokenize("Olé!"))
	// Output: ["O" "l" "é" "!"]
}

func ExampleBuildVocabulary() {
	tok := text.WordTokenizer{}
	corpus := [][]string{
		tok.Tokenize("a good movie"),
		tok.Tokenize("a bad movie"),
		tok.Tokenize("a movie"),
	}
	v, _ := text.BuildVocabulary(corpus, text.VocabOptions{MaxSize: 5})
	fmt.Printf("%q\n", v.Tokens())
	fmt.Println(v.Encode(tok.Tokenize("A good plot")))
	// Output:
	// ["" "[UNK]" "a" "movie" "good"]
	// [2 4 1]
}

func ExamplePad() {
	ids := []int{5, 6, 7}
	fmt.Println(text.Pad(ids, 5, text.PadOptions{}))
	fmt.Println(text.Pad(ids, 5, text.PadOptions{Padding: "post"}))
	fmt.Println(text.Pad(ids, 2, text.PadOptions{}))
	fmt.Println(text.Pad(ids, 2, text.PadOptions{Truncating: "post"}))
	// Output:
	// [0 0 5 6 7]
	// [5 6 7 0 0]
	// [6 7]
	// [5 6]
}

func ExampleVectorizer() {
	train := []string{"A great, great film.", "A dull film.", "Great fun!"}
	v := &text.Vectorizer{Tokenizer: text.WordTokenizer{Punctuation: text.PunctStrip}, Length: 4}
	if err := v.Adapt(train, text.VocabOptions{}); err != nil {
		panic(err)
	}
	x, shape := v.Transform([]string{"great film", "a truly dull, dull film"})
	fmt.Println(shape)
	fmt.Println(x)

	// The vectorizer saves as JSON, vocabulary included.
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
	// Output:
	// [2 4]
	// [0 0 2 4 1 5 5 4]
	// {"tokenizer":{"type":"word","punctuation":"strip"},"vocabulary":{"tokens":["","[UNK]","great","a","film","dull","fun"]},"length":4,"pad":{}}
}

func ExampleKFold() {
	for _, f := range text.KFold(6, 3, 1) {
		fmt.Println("train", f[0], "test", f[1])
	}
	// Output:
	// train [0 2 3 4] test [1 5]
	// train [0 1 3 5] test [2 4]
	// train [1 2 4 5] test [0 3]
}

func ExampleReadClassFiles() {
	texts, labels, classes, err := text.ReadClassFiles([]text.ClassFile{
		{Class: "plain", Path: "testdata/lines.txt"},
		{Class: "french", Path: "testdata/latin1.txt"},
	}, text.ReadOptions{Encoding: text.Latin1})
	if err != nil {
		panic(err)
	}
	fmt.Println(classes)
	for i := range texts {
		fmt.Println(labels[i], texts[i])
	}
	// Output:
	// [plain french]
	// 0 first line
	// 0 second line
	// 0 third line
	// 1 café crème brûlée
	// 1 «bonjour»
}

func ExampleNextTokenWindows() {
	corpus := "hello hello"
	tok := text.CharTokenizer{}
	voc, _ := text.BuildVocabulary([][]string{tok.Tokenize(corpus)}, text.VocabOptions{})
	ids := voc.Encode(tok.Tokenize(corpus))
	x, xShape, y, yShape := text.NextTokenWindows(ids, 4, 3)
	fmt.Println(xShape, yShape)
	for i := range xShape[0] {
		var window []int
		for _, f := range x[i*4 : (i+1)*4] {
			window = append(window, int(f))
		}
		fmt.Printf("%q -> %q\n", strings.Join(voc.Decode(window), ""), voc.Token(int(y[i])))
	}
	// Output:
	// [3 4] [3]
	// "hell" -> "o"
	// "lo h" -> "e"
	// "hell" -> "o"
}
