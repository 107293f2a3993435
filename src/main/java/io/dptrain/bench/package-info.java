/**
 * Measuring code, not the product: benchmarks that compare dptrain's paths side by side in one run
 * ({@link io.dptrain.bench.EvaluationBenchmark}), and the reports built from benchmark runs' output
 * folders (read once by {@code RunFolder}): {@link io.dptrain.bench.BenchmarkReport} with {@link
 * io.dptrain.bench.BenchmarkRun} and {@link io.dptrain.bench.BenchmarkChart}, {@link
 * io.dptrain.bench.ClusterBenchmarkReport}, {@link io.dptrain.bench.TextBenchmarkReport}, and {@link
 * io.dptrain.bench.ConvergenceReport} with {@link io.dptrain.bench.ConvergenceRun} (variants trained for the
 * same time budget). Product packages never import this one.
 */
package io.dptrain.bench;
