// Package text turns raw text into the integer sequences that Embedding,
// convolutional and recurrent layers consume, for text classification
// (e.g. the sentence CNN of Kim, 2014) and character-level language models.
//
// # Pipeline
//
//   - Read: ReadLabeled ("label<TAB>text" lines), ReadClassFiles (one file
//     per class, as the MR movie-review data comes), ReadLines and ReadText,
//     each decoding UTF-8 (default, validated) or Latin-1.
//   - Tokenize: a Tokenizer splits a string into tokens. WordTokenizer
//     lower-cases and separates words, punctuation and the English clitics
//     's 've n't 're 'd 'll, after the clean_str preprocessing of Kim
//     (2014); CharTokenizer yields one token per rune.
//   - Index: a Vocabulary maps tokens to ids. Id 0 is padding (PadToken,
//     "") and id 1 the out-of-vocabulary token (OOVToken, "[UNK]"), as in
//     Keras's TextVectorization; the rest are ordered by frequency, ties by
//     first appearance, so ids are deterministic.
//   - Shape: Pad and PadSequences fit sequences to a length with the
//     semantics of Keras's pad_sequences (by default padding and truncation
//     both at the front). A Vectorizer does all of the above in one call and
//     returns an [N, T] matrix of ids as float32 (the framework's dtype) with
//     its shape.
//   - Language models: NextTokenWindows and ShiftedWindows cut an encoded
//     text (e.g. a whole file read with ReadText and encoded per character)
//     into [N, T] input windows and next-token targets.
//   - Evaluate: KFold and StratifiedKFold give deterministic cross-validation
//     splits; Subset selects the texts and labels of a split.
//
// This package uses only the standard library, so models,
// datasets and the CLI can all use it; the float32 matrices it returns can
// be wrapped with tensor.FromSlice(ids, shape...).
//
// # Saving
//
// Vocabulary and Vectorizer marshal to JSON and save atomically (temporary
// file, fsync, rename), so a trained model can carry its vectorizer and
// predict from raw strings.
//
// # Errors
//
// Anything a file can cause (I/O, a line without a tab, invalid UTF-8, a bad
// saved configuration) is returned as an error; problems at a line of a file
// are *ParseError values naming the file and line. Programmer errors (a
// negative length, an unknown padding mode in code, an id out of range)
// panic with a message naming the function.
//
// # Example
//
//	texts, labels, classes, err := text.ReadClassFiles([]text.ClassFile{
//		{Class: "neg", Path: "rt-polarity.neg"},
//		{Class: "pos", Path: "rt-polarity.pos"},
//	}, text.ReadOptions{Encoding: text.Latin1})
//	if err != nil { ... }
//	v := &text.Vectorizer{Tokenizer: text.WordTokenizer{Punctuation: text.PunctKim}, Length: 56}
//	if err := v.Adapt(texts, text.VocabOptions{}); err != nil { ... }
//	x, shape := v.Transform(texts) // shape [10662, 56]; ids < v.Vocab.Size()
package text
