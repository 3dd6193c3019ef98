package nn

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestKerasSpellings(t *testing.T) {
	for _, tc := range []struct {
		cfg  string
		want string // the decoded sizes, or an error substring
		ok   bool
	}{
		{`{"class_name":"Conv2D","config":{"filters":2,"kernel_size":3,"strides":2}}`, "kernel [3 3] strides [2 2]", true},
		{`{"class_name":"MaxPooling2D","config":{"pool_size":3}}`, "pool [3 3]", true},
		{`{"class_name":"Conv1D","config":{"filters":2,"kernel_size":[5]}}`, "kernel 5", true},
		{`{"class_name":"InputLayer","config":{"batch_shape":[null,28,28,1],"dtype":"float32","sparse":false}}`, "shape [28 28 1]", true},
		{`{"class_name":"InputLayer","config":{"batch_input_shape":[null,10]}}`, "shape [10]", true},
		{`{"class_name":"InputLayer","config":{"batch_input_shape":[null,null]}}`, "null", false},
		{`{"class_name":"InputLayer","config":{"shape":[3],"dtype":"int8"}}`, "dtype", false},
		{`{"class_name":"Dense","config":{"units":"ten"}}`, `units: got string, want an integer`, false},
		{`{"class_name":"Dense","config":{"units":3,"foo":1}}`, `unknown key "foo"`, false},
		{`{"class_name":"Conv2D","config":{"filters":2,"kernel_size":[1,2,3]}}`, "kernel_size", false},
	} {
		var cfg map[string]any
		if err := json.Unmarshal([]byte(tc.cfg), &cfg); err != nil {
			t.Fatal(err)
		}
		l, err := FromConfig(cfg)
		if !tc.ok {
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "Spec") {
				t.Errorf("%s: err = %v, want one mentioning %q and no Go types", tc.cfg, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.cfg, err)
			continue
		}
		var got string
		switch l := l.(type) {
		case *Conv2D:
			got = fmt.Sprint("kernel ", l.spec.KernelSize, " strides ", l.spec.Strides)
		case *Pooling2D:
			got = fmt.Sprint("pool ", l.spec.PoolSize)
		case *Conv1D:
			got = fmt.Sprint("kernel ", l.spec.KernelSize)
		case *Input:
			got = fmt.Sprint("shape ", l.Shape())
			if c := l.Config(); c["batch_shape"] != nil || c["dtype"] != nil {
				t.Errorf("Input config keeps Keras keys: %v", c)
			}
		}
		if got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.cfg, got, tc.want)
		}
	}
}
