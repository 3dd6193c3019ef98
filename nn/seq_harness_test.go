package nn_test

// This file runs the layer harness of harness_test.go on the sequence
// layers.
