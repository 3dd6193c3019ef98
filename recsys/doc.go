// Package recsys trains and evaluates recommenders on ratings: biased
// matrix factorisation, SVD++-style implicit feedback and Neural
// Collaborative Filtering (GMF, MLP, NeuMF), built on nn.Embedding tables
// looked up with int32 ids and updated row-sparsely by the optimizers of
// package optim, so a training epoch costs time in proportion to the
// ratings, not to users × items.
package recsys
