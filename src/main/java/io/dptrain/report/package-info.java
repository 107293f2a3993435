/**
 * Reporting: evaluation (accuracy, per-class precision/recall/F1, confusion matrix), training
 * listeners for console progress, metrics files and per-epoch evaluation, the training report
 * (report.html with its charts), and the run's output (DL4J model zip, provenance JSON, metrics,
 * report) written atomically to any Hadoop file system.
 */
package io.dptrain.report;
