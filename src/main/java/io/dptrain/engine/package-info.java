/**
 * Trainers. {@link io.dptrain.engine.SingleProcessTrainer} is the reference: plain DL4J on the
 * driver over the same prepared data and batches, which every distributed engine is measured and
 * tested against. {@link io.dptrain.engine.Trainers} picks the trainer the configuration names.
 */
package io.dptrain.engine;
