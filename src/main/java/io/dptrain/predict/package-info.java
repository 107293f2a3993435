/**
 * Prediction with a trained text model (rnn, lstm): new texts, from a file or any table, to their
 * class probabilities.
 *
 * <p>{@link io.dptrain.predict.TextPredictor} loads a text run's folder (model, vocabulary,
 * classes, max length), checks that its parts belong together, and predicts on the executors: the
 * texts are tokenized as in training, the model travels once as a broadcast and is restored once
 * per partition, rows go through it in masked batches. {@link io.dptrain.predict.Predictions} holds
 * the resulting table with what predicting found (texts cut or empty, unknown tokens, accuracy when
 * labels are given); {@link io.dptrain.predict.PredictionWriter} writes the table atomically as
 * Parquet, CSV or JSON.
 */
package io.dptrain.predict;
