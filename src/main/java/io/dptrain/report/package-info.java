/**
 * Reporting: evaluation (accuracy, per-class precision/recall/F1, confusion matrix), training
 * listeners for console progress, metrics files and per-epoch evaluation, and the run's output
 * (DL4J model zip, provenance JSON, metrics) written atomically to any Hadoop file system.
 */
package io.dptrain.report;
