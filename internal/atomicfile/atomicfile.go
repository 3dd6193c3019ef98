// Package atomicfile writes files that users keep (models, vocabularies,
// reports, arrays) so that a crash or a full disk never leaves a partial
// file in place of a good one: the data goes to a temporary file in the
// same directory, which is synced, closed and renamed over the target, and
// the directory is synced so the rename is durable.
//
// A process killed during a write leaves its temporary file behind; the
// next write of the same path removes such stale files (those of processes
// that no longer run).
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// tempPrefix returns the prefix of base's temporary files. Their names are
// "<prefix><pid>-<random>", so a later write can tell whether the process
// that made one still runs.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// legacyAge is how old a temporary file without a process id (written by an
// earlier version) must be before it is taken as stale.
const legacyAge = time.Minute

// removeStale removes the temporary files left in dir by writes of base
// whose process has died. Files of running processes, including this one,
// are left alone: they may be writes in progress.
func removeStale(dir, base string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	legacy := "." + base + ".tmp"
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, legacy) || e.IsDir() {
			continue
		}
		stale := false
		if rest, ok := strings.CutPrefix(name, tempPrefix(base)); ok {
			pidStr, _, ok := strings.Cut(rest, "-")
			pid, err := strconv.Atoi(pidStr)
			if !ok || err != nil {
				continue
			}
			stale = pid != os.Getpid() && !processAlive(pid)
		} else if _, err := strconv.ParseUint(strings.TrimPrefix(name, legacy), 10, 64); err == nil {
			// os.CreateTemp's random digits, as earlier versions named them.
			info, err := e.Info()
			stale = err == nil && time.Since(info.ModTime()) > legacyAge
		}
		if stale {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// Write creates or replaces path with what write produces. On any error the
// temporary file is removed and path is left as it was. The file gets mode
// 0644 (before the umask). Stale temporary files of earlier, killed writes
// of path are removed first.
func Write(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	removeStale(dir, base)
	f, err := os.CreateTemp(dir, tempPrefix(base)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename durable; not every system can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// WriteFile is Write for a byte slice.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
