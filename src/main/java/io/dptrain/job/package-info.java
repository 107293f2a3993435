/**
 * What the commands do, callable without the CLI: {@link io.dptrain.job.TrainJob} runs a whole
 * training run from a config (read the prepared tables, train with the configured engine, evaluate,
 * write the run's output folder). A library user imports this package, never {@code io.dptrain.cli}.
 */
package io.dptrain.job;
