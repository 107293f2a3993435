/**
 * dptrain as a Spark ML citizen: {@link io.dptrain.ml.DptrainClassifier}, an {@code Estimator} that
 * trains with any dptrain engine on any DataFrame of images (binary, numeric arrays or
 * {@code ml.linalg.Vector}s) or raw texts, and {@link io.dptrain.ml.DptrainClassificationModel}, the
 * {@code Model} it returns: distributed {@code transform} (probability, rawPrediction and prediction
 * columns as Spark's classifiers write them), ML persistence to any Hadoop URI (also inside a
 * {@code PipelineModel}) and a {@link io.dptrain.ml.TrainingSummary}.
 *
 * <p>Both classes keep Spark ML's conventions from Java: Params are public zero-argument methods,
 * created after the uid; a public {@code (String uid)} constructor and a static {@code read()} serve
 * Spark's readers.
 */
package io.dptrain.ml;
