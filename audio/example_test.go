package audio_test

import (
	"bytes"
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/audio"
)

func Example() {
	// One second of a 440 Hz tone at 8 kHz, written as 16-bit PCM and read back.
	a := &audio.Audio{SampleRate: 8000, Channels: [][]float32{make([]float32, 8000)}}
	for i := range a.Channels[0] {
		a.Channels[0][i] = float32(0.5 * math.Sin(2*math.Pi*440*float64(i)/8000))
	}
	var buf bytes.Buffer
	if err := audio.WriteWAV(&buf, a, audio.WAVFormat{BitsPerSample: 16}); err != nil {
		panic(err)
	}
	b, info, err := audio.ReadWAV(&buf)
	if err != nil {
		panic(err)
	}
	ex, err := audio.NewExtractor(audio.DefaultFeatures(8000))
	if err != nil {
		panic(err)
	}
	feats, err := ex.Features(b.Mono(), info.SampleRate)
	if err != nil {
		panic(err)
	}
	// The loudest mel band of the middle frame holds 440 Hz.
	row := feats.Row(feats.Frames / 2)
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	fb := audio.DefaultFeatures(8000).Mel
	lo := audio.MelToHz(audio.HzToMel(fb.FMin, false)+float64(best)*(audio.HzToMel(4000, false)-audio.HzToMel(fb.FMin, false))/float64(fb.NMels+1), false)
	hi := audio.MelToHz(audio.HzToMel(fb.FMin, false)+float64(best+2)*(audio.HzToMel(4000, false)-audio.HzToMel(fb.FMin, false))/float64(fb.NMels+1), false)
	fmt.Printf("%d-bit, %d Hz, %d frames × %d bands; peak band spans 440 Hz: %v\n",
		info.BitsPerSample, info.SampleRate, feats.Frames, feats.Bins, lo < 440 && 440 < hi)
	// Output: 16-bit, 8000 Hz, 101 frames × 40 bands; peak band spans 440 Hz: true
}
