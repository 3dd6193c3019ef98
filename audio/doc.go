// Package audio reads and writes WAV files and computes speech features:
// resampling, framing, windows, the short-time Fourier transform and its
// inverse, mel filterbanks, log-mel spectrograms, MFCCs, delta features and
// data augmentation.
//
// # Types
//
// Audio holds decoded samples per channel in [-1, 1]. STFT holds a complex
// spectrogram (Frames × Bins, frame-major); Spectrogram a real one (power,
// mel energies, log-mel or MFCC, Frames × Bins). FeatureConfig is a whole
// front end (rate, STFT, mel, log floor, optional MFCC) stored as JSON with
// speech models; an Extractor applies it.
//
// # Conventions
//
// Settings follow torch.stft and librosa: periodic windows, centred frames
// with reflect padding, one-sided unnormalised FFT (gonum's dsp/fourier),
// librosa's Slaney or HTK mel scale with Slaney area normalisation, the
// orthonormal DCT-II for MFCC. The golden tests compare against torch.stft
// and a NumPy transcription of librosa's formulas (testdata/golden/audio).
//
// # Errors
//
// A file or stream (DecodeWAV, ReadWAV, ReadWAVFile) and user settings
// (Validate, ComputeSTFT, Resample, NewExtractor) return errors: a chunk
// claiming more bytes than the file holds, a file over MaxWAVBytes, a
// compressed codec (μ-law, A-law, ADPCM), zero-length audio. Calls with
// inconsistent sizes in code (Frame, ApplyFilterbank, MFCC) panic.
//
// # Example
//
//	a, _, err := audio.ReadWAVFile("0_george_0.wav")
//	if err != nil { ... }
//	ex, _ := audio.NewExtractor(audio.DefaultFeatures(8000))
//	feats, err := ex.Features(a.Mono(), a.SampleRate) // Frames × 40 log-mel
package audio
