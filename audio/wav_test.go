package audio

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testAudio(channels, n, rate int) *Audio {
	a := &Audio{SampleRate: rate, Channels: make([][]float32, channels)}
	for c := range a.Channels {
		a.Channels[c] = make([]float32, n)
		for i := range a.Channels[c] {
			a.Channels[c][i] = float32(0.9 * math.Sin(float64(i*(c+1))*0.05))
		}
	}
	return a
}

func TestWAVRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		f        WAVFormat
		channels int
		rate     int
		tol      float64
	}{
		{"pcm8", WAVFormat{BitsPerSample: 8}, 1, 8000, 1.0 / 128},
		{"pcm16", WAVFormat{}, 2, 44100, 1.0 / 32768},
		{"pcm24", WAVFormat{BitsPerSample: 24}, 1, 48000, 1.0 / (1 << 23)},
		{"pcm32", WAVFormat{BitsPerSample: 32}, 3, 96000, 1e-7},
		{"float32", WAVFormat{BitsPerSample: 32, Float: true}, 2, 22050, 0},
		{"float64", WAVFormat{BitsPerSample: 64, Float: true}, 1, 11025, 0},
		{"pcm16 extensible", WAVFormat{Extensible: true}, 1, 16000, 1.0 / 32768},
		{"float32 6ch", WAVFormat{BitsPerSample: 32, Float: true}, 6, 48000, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := testAudio(tc.channels, 333, tc.rate)
			var buf bytes.Buffer
			if err := WriteWAV(&buf, a, tc.f); err != nil {
				t.Fatal(err)
			}
			got, info, err := DecodeWAV(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			bits := max(tc.f.BitsPerSample, 16)
			if tc.f.BitsPerSample == 8 {
				bits = 8
			}
			wantExt := tc.f.Extensible || tc.channels > 2 || !tc.f.Float && bits > 16
			if info.SampleRate != tc.rate || info.Channels != tc.channels || info.BitsPerSample != bits || info.Float != tc.f.Float || info.Extensible != wantExt {
				t.Fatalf("info %+v", info)
			}
			for c := range a.Channels {
				for i, v := range a.Channels[c] {
					if d := math.Abs(float64(got.Channels[c][i] - v)); d > tc.tol {
						t.Fatalf("channel %d sample %d: %v, wrote %v", c, i, got.Channels[c][i], v)
					}
				}
			}
		})
	}
}

func TestMonoMixdown(t *testing.T) {
	a := &Audio{SampleRate: 8000, Channels: [][]float32{{1, 0.5}, {0, -0.5}}}
	m := a.Mono()
	if m[0] != 0.5 || m[1] != 0 {
		t.Fatalf("mono %v", m)
	}
}

// header builds a WAV with a 16-byte fmt chunk and the given data.
func header(tag, channels uint16, rate uint32, bits uint16, data []byte, dataClaim uint32) []byte {
	le := binary.LittleEndian
	b := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00")
	b = le.AppendUint16(b, tag)
	b = le.AppendUint16(b, channels)
	b = le.AppendUint32(b, rate)
	b = le.AppendUint32(b, rate*uint32(channels)*uint32(bits/8))
	b = le.AppendUint16(b, channels*(bits/8))
	b = le.AppendUint16(b, bits)
	b = append(b, "data"...)
	b = le.AppendUint32(b, dataClaim)
	b = append(b, data...)
	le.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func TestDecodeWAVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"empty", "not a RIFF/WAVE", nil},
		{"text", "not a RIFF/WAVE", []byte("hello world, not audio")},
		{"mu-law", "μ-law", header(7, 1, 8000, 8, []byte{1, 2}, 2)},
		{"a-law", "A-law", header(6, 1, 8000, 8, []byte{1, 2}, 2)},
		{"adpcm", "ADPCM", header(2, 1, 8000, 4, []byte{1, 2}, 2)},
		{"ima adpcm", "ADPCM", header(0x11, 1, 8000, 4, []byte{1, 2}, 2)},
		{"mp3", "format tag 0x0055", header(0x55, 1, 8000, 16, []byte{1, 2}, 2)},
		{"gigabyte claim", "claims 4000000000 bytes", header(1, 1, 8000, 16, []byte{1, 2}, 4000000000)},
		{"truncated data", "claims 100 bytes but only 4 remain", header(1, 1, 8000, 16, []byte{1, 2, 3, 4}, 100)},
		{"zero length", "zero-length", header(1, 1, 8000, 16, nil, 0)},
		{"zero channels", "0 channels", header(1, 0, 8000, 16, []byte{1, 2}, 2)},
		{"zero rate", "sample rate 0", header(1, 1, 0, 16, []byte{1, 2}, 2)},
		{"12-bit", "12-bit PCM", header(1, 1, 8000, 12, []byte{1, 2}, 2)},
		{"16-bit float", "16-bit float", header(3, 1, 8000, 16, []byte{1, 2}, 2)},
		{"no data", "no data chunk", header(1, 1, 8000, 16, nil, 0)[:36]},
		{"rf64", "RF64", append([]byte("RF64"), make([]byte, 20)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecodeWAV(tc.b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadWAVFileNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.wav")
	if err := os.WriteFile(p, header(7, 1, 8000, 8, []byte{1}, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := ReadWAVFile(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": ") {
		t.Fatalf("error %v does not name %s", err, p)
	}
	good := filepath.Join(t.TempDir(), "good.wav")
	if err := WriteWAVFile(good, testAudio(1, 100, 8000), WAVFormat{}); err != nil {
		t.Fatal(err)
	}
	a, _, err := ReadWAVFile(good)
	if err != nil || a.Len() != 100 {
		t.Fatalf("read back: %v, %d samples", err, a.Len())
	}
}

func TestDecodeWAVSkipsChunksAndOddPadding(t *testing.T) {
	b := header(1, 1, 8000, 16, []byte{0, 0x40}, 2)
	// Insert an odd-sized LIST chunk (padded to even) before "data".
	list := []byte("LIST\x03\x00\x00\x00abc\x00")
	i := bytes.Index(b, []byte("data"))
	b = append(append(append([]byte{}, b[:i]...), list...), b[i:]...)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	a, _, err := DecodeWAV(b)
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 1 || a.Channels[0][0] != 0.5 {
		t.Fatalf("samples %v", a.Channels)
	}
}

func FuzzReadWAV(f *testing.F) {
	var buf bytes.Buffer
	_ = WriteWAV(&buf, testAudio(2, 10, 8000), WAVFormat{})
	f.Add(buf.Bytes())
	buf.Reset()
	_ = WriteWAV(&buf, testAudio(3, 7, 8000), WAVFormat{BitsPerSample: 24})
	f.Add(buf.Bytes())
	f.Add(header(3, 1, 8000, 64, make([]byte, 16), 16))
	f.Add(header(7, 1, 8000, 8, []byte{1}, 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, info, err := ReadWAV(bytes.NewReader(b))
		if err != nil {
			return
		}
		if a.Len() == 0 || len(a.Channels) != info.Channels || a.SampleRate != info.SampleRate {
			t.Fatalf("decoded %d channels × %d samples, info %+v", len(a.Channels), a.Len(), info)
		}
		// Decoded samples never take more than 4 float32 bytes per input byte.
		if a.Len()*len(a.Channels) > len(b) {
			t.Fatalf("%d samples from %d bytes", a.Len()*len(a.Channels), len(b))
		}
	})
}
