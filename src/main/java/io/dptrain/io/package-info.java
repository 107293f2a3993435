/**
 * Files on any Hadoop file system: {@link io.dptrain.io.AtomicOutput}, the one way dptrain puts a
 * file or a folder in place so that a failed write leaves nothing half-written, and
 * {@link io.dptrain.io.RunOutput}, a run's output folder (the model, its provenance and metrics).
 */
package io.dptrain.io;
