/**
 * Measuring code, not the product: benchmarks that compare dptrain's paths side by side in one run
 * (the training benchmarks' reports still live in {@code io.dptrain.report}; moving them here is
 * tracked separately).
 */
package io.dptrain.bench;
