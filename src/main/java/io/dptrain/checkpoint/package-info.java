/**
 * Checkpoints of the round engines and resuming from them: a small verified binary format
 * ({@link io.dptrain.checkpoint.Checkpoint}), a folder on any Hadoop file system with atomic writes and
 * retention ({@link io.dptrain.checkpoint.CheckpointStore}), and the listener that writes them
 * ({@link io.dptrain.checkpoint.CheckpointListener}).
 */
package io.dptrain.checkpoint;
