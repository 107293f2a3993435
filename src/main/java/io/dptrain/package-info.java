/**
 * dptrain: data-parallel training of DL4J networks on Apache Spark. This package holds only the
 * small types every trainer shares: {@link io.dptrain.Trainer}, its {@link io.dptrain.TrainingResult},
 * the per-round {@link io.dptrain.RoundMetrics} and the {@link io.dptrain.TrainingListener} hook.
 * Implementations live in sub-packages: {@code config} (the run's settings), {@code data} (reading
 * and preparing datasets, minibatches), {@code model} (network presets), {@code engine} (the
 * trainers: single-process reference and the Spark round engine), {@code report} (evaluation,
 * progress, metrics, provenance, model files) and {@code cli} (the command line).
 */
package io.dptrain;
