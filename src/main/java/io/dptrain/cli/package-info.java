/**
 * The command line ({@code jobs/dptrain}): {@code prepare} (images, SpamAssassin, any text table),
 * {@code train}, {@code evaluate}, {@code predict} (class probabilities for new texts), {@code notebook}
 * (runs a Zeppelin note, {@code jobs/run-notebook.sh}), and the
 * benchmark reports {@code bench-report} ({@code jobs/bench.sh}) and {@code text-bench-report}
 * ({@code jobs/bench-text.sh}). Each
 * command is a thin layer over a job class (e.g. {@link io.dptrain.job.TrainJob}) whose {@code run} returns a result, so tests run the
 * same code the command does.
 */
package io.dptrain.cli;
