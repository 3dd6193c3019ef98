// Package recsys trains and evaluates recommenders on ratings: biased
// matrix factorisation, SVD++-style implicit feedback and Neural
// Collaborative Filtering (GMF, MLP, NeuMF, He et al. 2017). Every model is
// an ordinary model.Model of nn layers (Embedding, EmbeddingBag, Dot,
// Multiply, Dense, Rescaling), trained one batch at a time by the
// framework's training step: model.TrainStepLoss for the rating models
// (squared error plus the per-rating L2 penalty of the rows a batch
// touches), model.TrainStepInputs with binary cross-entropy for NCF. The
// embedding tables get row-sparse gradients, which the optimizers of
// package optim (SGD, Adagrad, lazy Adam) apply to the touched rows only,
// so a training epoch costs time in proportion to the ratings, not to
// users × items.
//
// # Networks
//
// mf and svdpp (Model.Net, inputs float32 ids):
//
//	inputs   user [B, 1], items [B, C], svdpp: rated [B, L] (N(u), -1 padded),
//	         genres: [B, C, genres] multi-hot, 1/|genres(i)| each
//	user     = Flatten(Embedding P (user)) + EmbeddingBag Y, sqrtn (rated)
//	q_i      = Embedding Q (items) + Dense G, no bias (genres)
//	rating   = Rescaling(1, μ)(Dot(user, q_i) + Flatten(BU (user)) + Flatten(BI (items)))   [B, C]
//
// mf batches are B ratings of any users (C = 1); svdpp batches are one
// user's chunk of C ratings (B = 1), so the implicit sum is looked up once
// per chunk. NCF: Multiply of the GMF embeddings and/or a ReLU tower over
// the concatenated MLP embeddings, then Dense(1, sigmoid). Evaluation
// (Predict, Scores, Top, Similar) reads the trained tables directly.
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
//     probabilities for NCF), Scores, Top, Similar, Errors; Net (the
//     network); Save and Load (the model file format of package model, the
//     id tables in its metadata "recsys").
//   - Genres: titles and genres of a catalogue (ReadMovies); genres become
//     side features of mf and svdpp items with Config.Genres.
//
// Dimension letters: U users, I items, D factors, B ratings in a batch.
// C ratings per sample, L rated items. Tables (layer names): P [U, D], Q
// [I, D], BU [U, 1], BI [I, 1], Y [I, D] (svdpp), G [genres, D] (a Dense
// kernel); NCF: PG, QG [U|I, D] and PM, QM [U|I, layers[0]/2], Dense
// layers mlp0, mlp1, ... and out.
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
