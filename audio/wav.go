package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/tensile-ml/tensile/internal/atomicfile"
)

// MaxWAVBytes caps the size of a WAV file or stream that ReadWAV and
// ReadWAVFile accept (1 GiB, over an hour of 16-bit stereo 44.1 kHz audio).
// Every chunk size a header claims is checked against the bytes actually
// present, so a hostile header cannot make the reader allocate more than the
// file holds.
const MaxWAVBytes = 1 << 30

// WAV format tags (the fmt chunk's wFormatTag).
const (
	formatPCM        = 0x0001
	formatADPCM      = 0x0002
	formatFloat      = 0x0003
	formatALaw       = 0x0006
	formatMuLaw      = 0x0007
	formatIMAADPCM   = 0x0011
	formatExtensible = 0xFFFE
)

// Audio is decoded audio: one slice of samples in [-1, 1] per channel, all of
// the same length, at SampleRate samples per second.
type Audio struct {
	SampleRate int
	Channels   [][]float32
}

// Len returns the number of samples per channel.
func (a *Audio) Len() int {
	if len(a.Channels) == 0 {
		return 0
	}
	return len(a.Channels[0])
}

// Duration returns the length in seconds.
func (a *Audio) Duration() float64 { return float64(a.Len()) / float64(a.SampleRate) }

// Mono returns the channels' mean (the mix-down), or the only channel.
func (a *Audio) Mono() []float32 {
	if len(a.Channels) == 1 {
		return a.Channels[0]
	}
	out := make([]float32, a.Len())
	inv := 1 / float32(len(a.Channels))
	for _, ch := range a.Channels {
		for i, v := range ch {
			out[i] += v * inv
		}
	}
	return out
}

// WAVInfo describes a decoded file's encoding.
type WAVInfo struct {
	SampleRate    int
	Channels      int
	BitsPerSample int
	Float         bool // IEEE float samples, else integer PCM
	Extensible    bool // WAVE_FORMAT_EXTENSIBLE header
}

// ReadWAVFile reads and decodes a WAV file. Errors name the file.
func ReadWAVFile(path string) (*Audio, WAVInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, WAVInfo{}, err
	}
	defer f.Close()
	a, info, err := ReadWAV(f)
	if err != nil {
		return nil, info, fmt.Errorf("%s: %w", path, err)
	}
	return a, info, nil
}

// ReadWAV reads a whole WAV stream (at most MaxWAVBytes) and decodes it.
func ReadWAV(r io.Reader) (*Audio, WAVInfo, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxWAVBytes+1))
	if err != nil {
		return nil, WAVInfo{}, err
	}
	if len(b) > MaxWAVBytes {
		return nil, WAVInfo{}, fmt.Errorf("wav: larger than the %d-byte cap (audio.MaxWAVBytes)", MaxWAVBytes)
	}
	return DecodeWAV(b)
}

// DecodeWAV decodes a RIFF/WAVE file held in memory: integer PCM of 8, 16,
// 24 or 32 bits, IEEE float of 32 or 64 bits, plain or
// WAVE_FORMAT_EXTENSIBLE headers, any channel count and sample rate.
// Compressed codecs (μ-law, A-law, ADPCM, ...) are refused with an error
// naming the codec. Unknown chunks are skipped; a trailing partial sample
// frame is dropped.
func DecodeWAV(b []byte) (*Audio, WAVInfo, error) {
	var info WAVInfo
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		if len(b) >= 4 && (string(b[0:4]) == "RF64" || string(b[0:4]) == "RIFX") {
			return nil, info, fmt.Errorf("wav: %s files are not supported (only little-endian RIFF)", b[0:4])
		}
		return nil, info, errors.New("wav: not a RIFF/WAVE file")
	}
	// The RIFF size is often wrong in files written by streaming tools;
	// trust the bytes present, bounded by the claim when it is smaller.
	end := len(b)
	if claim := int64(binary.LittleEndian.Uint32(b[4:8])) + 8; claim >= 12 && claim < int64(end) {
		end = int(claim)
	}
	var fmtChunk, dataChunk []byte
	for off := 12; off+8 <= end; {
		id := string(b[off : off+4])
		size := int64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		if size > int64(end-body) {
			return nil, info, fmt.Errorf("wav: %q chunk at byte %d claims %d bytes but only %d remain (truncated or corrupt file)", id, off, size, end-body)
		}
		chunk := b[body : body+int(size)]
		switch id {
		case "fmt ":
			if fmtChunk == nil {
				fmtChunk = chunk
			}
		case "data":
			if dataChunk == nil {
				dataChunk = chunk
			}
		}
		off = body + int(size) + int(size&1) // chunks are word-aligned
	}
	if fmtChunk == nil {
		return nil, info, errors.New("wav: no fmt chunk")
	}
	if dataChunk == nil {
		return nil, info, errors.New("wav: no data chunk")
	}
	if len(fmtChunk) < 16 {
		return nil, info, fmt.Errorf("wav: fmt chunk of %d bytes, want at least 16", len(fmtChunk))
	}
	tag := binary.LittleEndian.Uint16(fmtChunk[0:2])
	channels := int(binary.LittleEndian.Uint16(fmtChunk[2:4]))
	rate := binary.LittleEndian.Uint32(fmtChunk[4:8])
	blockAlign := int(binary.LittleEndian.Uint16(fmtChunk[12:14]))
	bits := int(binary.LittleEndian.Uint16(fmtChunk[14:16]))
	if tag == formatExtensible {
		if len(fmtChunk) < 40 {
			return nil, info, fmt.Errorf("wav: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes, want 40", len(fmtChunk))
		}
		info.Extensible = true
		// The sub-format GUID starts with the format tag.
		tag = binary.LittleEndian.Uint16(fmtChunk[24:26])
	}
	switch tag {
	case formatPCM:
	case formatFloat:
		info.Float = true
	case formatMuLaw:
		return nil, info, errors.New("wav: μ-law (G.711) audio is not supported; convert to PCM")
	case formatALaw:
		return nil, info, errors.New("wav: A-law (G.711) audio is not supported; convert to PCM")
	case formatADPCM, formatIMAADPCM:
		return nil, info, errors.New("wav: ADPCM audio is not supported; convert to PCM")
	default:
		return nil, info, fmt.Errorf("wav: unsupported codec (format tag 0x%04x); only PCM and IEEE float are read", tag)
	}
	if channels < 1 {
		return nil, info, errors.New("wav: header gives 0 channels")
	}
	if rate == 0 || rate > 1<<24 {
		return nil, info, fmt.Errorf("wav: sample rate %d out of range", rate)
	}
	valid := map[bool]map[int]bool{false: {8: true, 16: true, 24: true, 32: true}, true: {32: true, 64: true}}
	if !valid[info.Float][bits] {
		kind := "PCM"
		if info.Float {
			kind = "float"
		}
		return nil, info, fmt.Errorf("wav: %d-bit %s is not supported", bits, kind)
	}
	bps := bits / 8
	if blockAlign != channels*bps {
		return nil, info, fmt.Errorf("wav: block align %d does not match %d channels × %d bytes", blockAlign, channels, bps)
	}
	info.SampleRate, info.Channels, info.BitsPerSample = int(rate), channels, bits
	n := len(dataChunk) / blockAlign
	if n == 0 {
		return nil, info, errors.New("wav: no samples (zero-length audio)")
	}
	a := &Audio{SampleRate: int(rate), Channels: make([][]float32, channels)}
	for c := range a.Channels {
		a.Channels[c] = make([]float32, n)
	}
	for i := 0; i < n; i++ {
		frame := dataChunk[i*blockAlign:]
		for c := 0; c < channels; c++ {
			s := frame[c*bps:]
			var v float32
			switch {
			case info.Float && bits == 32:
				v = math.Float32frombits(binary.LittleEndian.Uint32(s))
			case info.Float:
				v = float32(math.Float64frombits(binary.LittleEndian.Uint64(s)))
			case bits == 8:
				v = (float32(s[0]) - 128) / 128
			case bits == 16:
				v = float32(int16(binary.LittleEndian.Uint16(s))) / (1 << 15)
			case bits == 24:
				x := int32(uint32(s[0])<<8|uint32(s[1])<<16|uint32(s[2])<<24) >> 8
				v = float32(x) / (1 << 23)
			default:
				v = float32(int32(binary.LittleEndian.Uint32(s))) / (1 << 31)
			}
			a.Channels[c][i] = v
		}
	}
	return a, info, nil
}

// WAVFormat chooses the sample encoding WriteWAV uses.
type WAVFormat struct {
	BitsPerSample int  // 8, 16, 24, 32 (PCM) or 32, 64 (float); 0 = 16
	Float         bool // IEEE float samples
	// Extensible writes a WAVE_FORMAT_EXTENSIBLE header; it is used
	// anyway for more than 2 channels or PCM above 16 bits, as the
	// format's specification asks.
	Extensible bool
}

// WriteWAV encodes a as a WAV stream. Integer PCM is clipped to [-1, 1]
// and rounded.
func WriteWAV(w io.Writer, a *Audio, f WAVFormat) error {
	if len(a.Channels) == 0 || a.SampleRate <= 0 {
		return errors.New("wav: audio with no channels or no sample rate")
	}
	n := a.Len()
	for _, ch := range a.Channels {
		if len(ch) != n {
			return errors.New("wav: channels of different lengths")
		}
	}
	bits := f.BitsPerSample
	if bits == 0 {
		bits = 16
	}
	if f.Float && bits != 32 && bits != 64 || !f.Float && bits != 8 && bits != 16 && bits != 24 && bits != 32 {
		return fmt.Errorf("wav: cannot write %d-bit samples (float %v)", bits, f.Float)
	}
	ext := f.Extensible || len(a.Channels) > 2 || !f.Float && bits > 16
	nc, bps := len(a.Channels), bits/8
	dataLen := int64(n) * int64(nc*bps)
	fmtLen := 16
	if ext {
		fmtLen = 40
	}
	if int64(4+8+fmtLen+8)+dataLen > math.MaxUint32 {
		return errors.New("wav: audio too long for a RIFF file")
	}
	tag := uint16(formatPCM)
	if f.Float {
		tag = formatFloat
	}
	hdr := make([]byte, 0, 12+8+fmtLen+8)
	le := binary.LittleEndian
	hdr = append(hdr, "RIFF"...)
	hdr = le.AppendUint32(hdr, uint32(4+8+fmtLen+8+int(dataLen)+int(dataLen&1)))
	hdr = append(hdr, "WAVEfmt "...)
	hdr = le.AppendUint32(hdr, uint32(fmtLen))
	if ext {
		hdr = le.AppendUint16(hdr, formatExtensible)
	} else {
		hdr = le.AppendUint16(hdr, tag)
	}
	hdr = le.AppendUint16(hdr, uint16(nc))
	hdr = le.AppendUint32(hdr, uint32(a.SampleRate))
	hdr = le.AppendUint32(hdr, uint32(a.SampleRate*nc*bps))
	hdr = le.AppendUint16(hdr, uint16(nc*bps))
	hdr = le.AppendUint16(hdr, uint16(bits))
	if ext {
		hdr = le.AppendUint16(hdr, 22)
		hdr = le.AppendUint16(hdr, uint16(bits))
		var mask uint32
		if nc <= 18 {
			mask = 1<<nc - 1
		}
		hdr = le.AppendUint32(hdr, mask)
		hdr = le.AppendUint16(hdr, tag)
		// The rest of KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT.
		hdr = append(hdr, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71)
	}
	hdr = append(hdr, "data"...)
	hdr = le.AppendUint32(hdr, uint32(dataLen))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 4096)
	for i := 0; i < n; i++ {
		for _, ch := range a.Channels {
			v := ch[i]
			switch {
			case f.Float && bits == 32:
				buf = le.AppendUint32(buf, math.Float32bits(v))
			case f.Float:
				buf = le.AppendUint64(buf, math.Float64bits(float64(v)))
			default:
				x := math.Round(float64(max(-1, min(1, v))) * float64(int64(1)<<(bits-1)))
				x = min(x, float64(int64(1)<<(bits-1)-1))
				switch bits {
				case 8:
					buf = append(buf, byte(int(x)+128))
				case 16:
					buf = le.AppendUint16(buf, uint16(int16(x)))
				case 24:
					u := uint32(int32(x))
					buf = append(buf, byte(u), byte(u>>8), byte(u>>16))
				default:
					buf = le.AppendUint32(buf, uint32(int32(x)))
				}
			}
		}
		if len(buf) >= 4000 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if dataLen&1 == 1 {
		buf = append(buf, 0)
	}
	_, err := w.Write(buf)
	return err
}

// WriteWAVFile writes a to path atomically (temporary file, fsync, rename).
func WriteWAVFile(path string, a *Audio, f WAVFormat) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteWAV(w, a, f) })
}
