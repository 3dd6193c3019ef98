// Package recsys trains and evaluates recommenders on ratings: biased
// matrix factorisation, SVD++-style implicit feedback and Neural
// Collaborative Filtering (GMF, MLP, NeuMF, He et al. 2017), built on
// nn.Embedding tables looked up with int32 ids and updated row-sparsely by
// the optimizers of package optim (SGD, Adagrad, lazy Adam), so a training
// epoch costs time in proportion to the ratings, not to users × items.
//
// # Types
//
//   - Ratings: parallel slices of dense user and item indices, ratings and
//     timestamps, with the id tables (UserIDs, ItemIDs) that map indices
//     back to the file's ids. ReadRatings reads CSV/TSV with or without a
//     header; Subset shares the id tables so folds index alike.
//   - Config: a model kind (KindMF, KindSVDPP, KindGMF, KindMLP,
//     KindNeuMF) and its hyperparameters; zero fields take DefaultConfig's.
//   - Model: what Train returns. Predict (ratings, or interaction
//     probabilities for NCF), Scores, Top, Similar, Errors; Save and Load.
//   - Genres: titles and genres of a catalogue (ReadMovies); genres become
//     side features of mf and svdpp items with Config.Genres.
//
// Dimension letters: U users, I items, D factors, B ratings in a batch.
// Tables: P [U, D], Q [I, D], BU [U, 1], BI [I, 1], Y [I, D] (svdpp), G
// [genres, D]; NCF: PG, QG [U|I, D] and PM, QM [U|I, layers[0]/2].
//
// # Evaluation
//
// CrossValidate (k folds of a seeded shuffle, RMSE and MAE), ErrorsIDs (a
// separate test file), LeaveOneOut and EvalLeaveOneOut (HR@10 and NDCG@10
// against sampled negatives, full-ranking recall@K), Popularity (the
// baseline). Cold start: see Model.Predict and Model.Top.
//
// # Errors
//
// Everything a file can cause (bad fields, out-of-scale ratings, duplicate
// pairs, a damaged model file) is an error naming the input and line;
// configuration values out of range are errors from Train. Indices passed
// to Predict and Scores that the model does not know take the cold-start
// rule, never a panic.
//
// docs/recommend.md has the commands and the MovieLens figures.
package recsys
