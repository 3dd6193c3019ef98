package main

import (
	"strings"
	"testing"
)

func TestPrivacyCLI(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"privacy", "epsilon", "--sampling-rate", "0.0042666667", "--noise-multiplier", "1.12", "--steps", "14063", "--delta", "1e-5"}, "epsilon=2.92", 0},
		{[]string{"privacy", "noise", "--sampling-rate", "0.0042666667", "--steps", "14063", "--delta", "1e-5", "--target-epsilon", "2.92"}, "noise_multiplier=1.1", 0},
		{[]string{"privacy", "epsilon", "--sampling-rate", "2", "--noise-multiplier", "1", "--steps", "10"}, "sampling rate", 1},
		{[]string{"privacy", "epsilon", "--noise-multiplier", "1", "--steps", "10"}, "--sampling-rate is required", 1},
		{[]string{"privacy", "bogus"}, "subcommand", 1},
	} {
		var out, errb strings.Builder
		code := runMain(c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String()+errb.String(), c.want) {
			t.Errorf("%v: code %d, out %q err %q; want code %d containing %q", c.args, code, out.String(), errb.String(), c.code, c.want)
		}
	}
}
