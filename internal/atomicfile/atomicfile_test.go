package atomicfile

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

func TestWriteReplacesAndFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.bin")
	if err := WriteFile(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	err := Write(p, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the writer's error", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("failed write changed the file to %q", b)
	}
	if err := WriteFile(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Fatalf("file is %q, want new", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir"), nil); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

// TestHelperKilledWrite is the child of TestStaleTempFilesRemoved: it
// starts a write, says so, and blocks until it is killed.
func TestHelperKilledWrite(t *testing.T) {
	path := os.Getenv("ATOMICFILE_KILL_TARGET")
	if path == "" {
		t.Skip("helper process")
	}
	Write(path, func(w io.Writer) error {
		w.Write([]byte("half a model"))
		os.Stdout.WriteString("writing\n")
		select {}
	})
}

func TestStaleTempFilesRemoved(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no kill -9")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	if err := WriteFile(p, []byte("good")); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWrite$")
		cmd.Env = append(os.Environ(), "ATOMICFILE_KILL_TARGET="+p)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if line != "writing\n" {
			t.Fatalf("helper said %q", line)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	// A temporary file of this (running) process must survive: it may be
	// a write in progress.
	mine := filepath.Join(dir, tempPrefix("m.safetensors")+strconv.Itoa(os.Getpid())+"-1")
	os.WriteFile(mine, nil, 0o644)
	// Each killed write removed its predecessor's file: one is left.
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Fatalf("want the last killed write's temp file, the model and ours, got %v", ents)
	}
	if err := WriteFile(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 2 || !slices.Contains(names, "m.safetensors") || !slices.Contains(names, filepath.Base(mine)) {
		t.Fatalf("after the next save the directory holds %v", names)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Fatalf("file is %q", b)
	}
}
