/**
 * Reporting: evaluation (accuracy, per-class precision/recall/F1, confusion matrix), training
 * listeners for console progress, metrics files and per-epoch evaluation, provenance, and the
 * training report (report.html with its charts). The run's output folder is
 * {@code io.dptrain.io.RunOutput}; benchmark reports are in {@code io.dptrain.bench}.
 */
package io.dptrain.report;
