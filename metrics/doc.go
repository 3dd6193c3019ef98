// Package metrics holds streaming evaluation metrics: accuracy (sparse,
// categorical, binary), top-k accuracy, precision, recall, AUC, MAE, MSE
// and a weighted Mean for tracking the loss.
//
// A Metric accumulates over batches: Update(yTrue, yPred) once per batch,
// Result for the value over everything since Reset. Metrics read tensor data
// directly and record no gradients. yPred holds probabilities (after the
// output activation); class axes are last ([..., C]); sparse targets are
// float32 class ids of shape [...] or [..., 1].
//
// Names follow Keras ("accuracy", "sparse_categorical_accuracy",
// "precision", "recall", "auc", "mae", "top_k_categorical_accuracy"), and
// ByName(name, lossName) resolves "accuracy" to the right variant for the
// loss, as Keras's compile does. Metrics are registered by name (Register,
// with aliases; names match ignoring case and underscores, so Keras class
// names work), and FromConfig builds one from Keras's serialized
// {"class_name": ..., "config": {...}} form with its options (k, threshold,
// num_thresholds).
//
// Binary metrics treat yTrue > 0.5 as positive and yPred > 0.5 as a
// positive prediction. AUC is Keras's ROC AUC over 200 evenly spaced
// thresholds with trapezoidal summation, not the exact statistic (within
// about 0.005 of it).
//
// Errors: shape mismatches and sparse class ids that are not integers in
// [0, C) are programmer errors and panic with a *tensor.ShapeError, which
// the model turns into an error.
//
//	acc, _ := metrics.ByName("accuracy", "sparse_categorical_crossentropy")
//	for _, b := range batches {
//		acc.Update(b.labels, model(b.x))
//	}
//	fmt.Println(acc.Name(), acc.Result())
package metrics
