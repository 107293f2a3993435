/**
 * Datasets: reading raw formats (IDX), preparing them as Spark DataFrames/Parquet, and reading
 * prepared tables back.
 *
 * <p>{@link io.dptrain.data.IdxReader} reads the IDX files of MNIST-style datasets into an
 * in-memory {@link io.dptrain.data.LabeledImages}; {@link io.dptrain.data.ImageTable} turns
 * images (or any labelled pixel table, such as the Kaggle CSV layout) into the canonical
 * DataFrame {@code (label int, pixels binary)} whose {@code pixels} column carries the
 * {@link io.dptrain.data.ImageShape} as metadata, writes it to Parquet atomically and reads it
 * back.
 */
package io.dptrain.data;
