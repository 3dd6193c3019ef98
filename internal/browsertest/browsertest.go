// Package browsertest starts headless Chromium for end-to-end tests of the
// web pages that tensile serves (the serving page, the training
// dashboard), driven with github.com/chromedp/chromedp.
//
// Tests skip when no Chromium is installed, unless the environment sets
// TENSILE_REQUIRE_CHROMIUM (as .ci/run does), which turns a missing
// browser into a failure.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Find returns the path of an installed Chromium or Chrome, or "".
func Find() string {
	if p := os.Getenv("TENSILE_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Start launches a fresh headless browser (its own profile folder, no
// network use of its own) and returns a chromedp context for one tab,
// closed when the test ends, with the given overall time limit.
func Start(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	path := Find()
	if path == "" {
		if os.Getenv("TENSILE_REQUIRE_CHROMIUM") != "" {
			t.Fatal("TENSILE_REQUIRE_CHROMIUM is set but no chromium is installed (apt-get install chromium)")
		}
		t.Skip("no chromium installed; set TENSILE_REQUIRE_CHROMIUM=1 to make this a failure")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1100, 720),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	tctx, cancelT := context.WithTimeout(actx, limit)
	ctx, cancelC := chromedp.NewContext(tctx)
	t.Cleanup(func() { cancelC(); cancelT(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// SaveScreenshot writes png to TENSILE_SCREENSHOTS/name when that
// environment variable names a folder (to refresh the docs' pictures).
func SaveScreenshot(t testing.TB, name string, png []byte) {
	dir := os.Getenv("TENSILE_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Error(err)
	}
}
