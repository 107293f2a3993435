/**
 * Trainers. {@link io.dptrain.engine.SingleProcessTrainer} is the reference: plain DL4J on the
 * driver over the same prepared data and batches, which every distributed engine is measured and
 * tested against. {@link io.dptrain.engine.Shards} is the shard layout the reference and the round
 * engine share. This package does not depend on {@code io.dptrain.engine.spark}; the mode switch,
 * {@code io.dptrain.engine.spark.Trainers}, lives there because it sees both.
 */
package io.dptrain.engine;
