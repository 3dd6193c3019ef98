// Package speech trains and runs speech models on WAV files: spoken-word
// classifiers (a CNN or a CRNN over log-mel frames) and CTC recognisers of
// spoken digit strings, through the ordinary model API.
//
// # Data
//
// ListFSDD lists Free Spoken Digit Dataset files named
// {digit}_{speaker}_{take}.wav and SplitFSDD applies the dataset's split
// (takes 0-4 test); ListFolders lists class sub-folders of WAVs; LoadMono
// reads files as mono at one rate (resampling when needed). Strings joins
// clips with random silences into digit strings for CTC.
//
// # Models and settings
//
// A Recognizer pairs a *model.Model with Settings: the audio front end
// (audio.FeatureConfig), the fixed input length, the class names,
// per-feature standardisation and, for CTC models, that the output is
// per-frame logits with the blank last. Save stores the settings as model
// metadata (key "speech"), so Load or FromModel need nothing but the model
// file to classify a WAV. Inputs are [T, F, 1]: T frames of F features.
// Shorter audio is centred in silence; longer audio keeps its loudest
// stretch.
//
// Train trains a classifier (BuildClassifier: "cnn" or "crnn"), drawing
// fresh augmentation each epoch (time shift, gain, noise at an SNR,
// SpecAugment masks; see Augment). TrainCTC trains BuildCTCModel with
// CTCLoss on new random strings each epoch; Transcribe decodes with
// GreedyDecode or BeamDecode (prefix beam search); ErrorRate gives the
// digit error rate.
//
// # CTC
//
// CTCLoss is a losses.Loss over logits [B, T, K] (blank K-1) and targets
// [B, L] padded with -1. Its forward-backward recursion runs on the host in
// float64 and returns the loss as Σ logits·G + c, where G is the exact
// gradient, so autodiff delivers G without a custom tensor op. It matches
// torch.nn.CTCLoss (testdata/golden/ctc).
//
// # Errors
//
// File and settings problems return errors naming the file; CTCLoss
// panics with a *tensor.ShapeError on malformed targets (Fit reports it as
// an error).
//
// # Example
//
//	clips, _ := speech.ListFSDD("fsdd")
//	train, test := speech.SplitFSDD(clips)
//	waves, _ := speech.LoadMono(train, 8000)
//	r, _, err := speech.Train(waves, labelsOf(train), speech.DigitClasses, speech.Config{Arch: "cnn"})
//	...
//	r.Save("digits.safetensors")
package speech
