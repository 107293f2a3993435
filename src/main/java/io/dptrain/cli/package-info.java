/**
 * The command line ({@code jobs/dptrain}): {@code prepare}, {@code train}, {@code evaluate} and
 * {@code bench-report} (the table, chart and SUMMARY line of {@code jobs/bench.sh}). Each
 * command is a thin layer over a job class whose {@code run} returns a result, so tests run the
 * same code the command does.
 */
package io.dptrain.cli;
