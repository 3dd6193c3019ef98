package speech

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tensile-ml/tensile/audio"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// Clip is one labelled recording.
type Clip struct {
	Path    string
	Label   int    // index into the class names
	Speaker string // FSDD speaker, "" for class folders
	Take    int    // FSDD take index, -1 for class folders
}

// DigitClasses are FSDD's class names, "0" ... "9".
var DigitClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// ListFSDD lists a folder of FSDD-style files named
// {digit}_{speaker}_{take}.wav (the folder itself or its "recordings"
// sub-folder), sorted by name. Other files are an error naming them, so a
// wrong folder is noticed.
func ListFSDD(dir string) ([]Clip, error) {
	if st, err := os.Stat(filepath.Join(dir, "recordings")); err == nil && st.IsDir() {
		dir = filepath.Join(dir, "recordings")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var clips []Clip
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || !strings.EqualFold(filepath.Ext(e.Name()), ".wav") {
			continue
		}
		c, err := parseFSDDName(e.Name())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, e.Name()), err)
		}
		c.Path = filepath.Join(dir, e.Name())
		clips = append(clips, c)
	}
	if len(clips) == 0 {
		return nil, fmt.Errorf("%s: no .wav files", dir)
	}
	return clips, nil
}

func parseFSDDName(name string) (Clip, error) {
	parts := strings.Split(strings.TrimSuffix(name, filepath.Ext(name)), "_")
	if len(parts) != 3 {
		return Clip{}, fmt.Errorf("name is not {digit}_{speaker}_{take}.wav")
	}
	d, err1 := strconv.Atoi(parts[0])
	take, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || d < 0 || d > 9 || take < 0 || parts[1] == "" {
		return Clip{}, fmt.Errorf("name is not {digit}_{speaker}_{take}.wav")
	}
	return Clip{Label: d, Speaker: parts[1], Take: take}, nil
}

// ListFolders lists class sub-folders of WAV files: dir/CLASS/*.wav. The
// classes are the sub-folder names, sorted.
func ListFolders(dir string) ([]Clip, []string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var classes []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			classes = append(classes, e.Name())
		}
	}
	sort.Strings(classes)
	var clips []Clip
	for i, c := range classes {
		files, err := filepath.Glob(filepath.Join(dir, c, "*"))
		if err != nil {
			return nil, nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			if strings.EqualFold(filepath.Ext(f), ".wav") {
				clips = append(clips, Clip{Path: f, Label: i, Take: -1})
			}
		}
	}
	if len(classes) < 2 || len(clips) == 0 {
		return nil, nil, fmt.Errorf("%s: want class sub-folders of .wav files (found %d classes, %d files)", dir, len(classes), len(clips))
	}
	return clips, classes, nil
}

// SplitFSDD splits clips by FSDD's convention: takes 0-4 test, the rest
// train.
func SplitFSDD(clips []Clip) (train, test []Clip) {
	for _, c := range clips {
		if c.Take >= 0 && c.Take < 5 {
			test = append(test, c)
		} else {
			train = append(train, c)
		}
	}
	return train, test
}

// SplitSpeaker holds out one speaker's clips.
func SplitSpeaker(clips []Clip, speaker string) (train, test []Clip) {
	for _, c := range clips {
		if c.Speaker == speaker {
			test = append(test, c)
		} else {
			train = append(train, c)
		}
	}
	return train, test
}

// Speakers returns the clips' distinct speakers, sorted.
func Speakers(clips []Clip) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range clips {
		if c.Speaker != "" && !seen[c.Speaker] {
			seen[c.Speaker] = true
			out = append(out, c.Speaker)
		}
	}
	sort.Strings(out)
	return out
}

// LoadMono reads each clip's WAV file as mono samples resampled to rate,
// in parallel. Errors name the file.
func LoadMono(clips []Clip, rate int) ([][]float32, error) {
	out := make([][]float32, len(clips))
	errs := make([]error, len(clips))
	parallel.Each(len(clips), func(i int) {
		out[i], errs[i] = ReadMono(clips[i].Path, rate)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadMono reads a WAV file as mono samples at rate.
func ReadMono(path string, rate int) ([]float32, error) {
	a, _, err := audio.ReadWAVFile(path)
	if err != nil {
		return nil, err
	}
	x, err := Mono(a, rate)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

// Mono returns a's samples mixed to mono and resampled to rate: the
// decoded half of ReadMono, for WAV data that is not in a file (tensile
// serve's uploads).
func Mono(a *audio.Audio, rate int) ([]float32, error) {
	x := a.Mono()
	if a.SampleRate != rate {
		return audio.Resample(x, a.SampleRate, rate, 0)
	}
	return x, nil
}
