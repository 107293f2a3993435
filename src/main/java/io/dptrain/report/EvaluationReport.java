package io.dptrain.report;

import org.nd4j.evaluation.classification.Evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Classification quality on a labelled set.
 *
 * @param examples  examples evaluated
 * @param accuracy  fraction classified correctly
 * @param classes   per-class precision, recall, F1 and support
 * @param confusion confusion[actual][predicted] counts
 */
public record EvaluationReport(long examples, double accuracy, List<ClassMetrics> classes, int[][] confusion) {

    /** Precision, recall and F1 of one class; support is the number of examples of that class. */
    public record ClassMetrics(int label, double precision, double recall, double f1, int support) {
    }

    /** Reads DL4J's evaluation after all batches went through it. */
    public static EvaluationReport of(Evaluation eval) {
        int n = eval.getNumRowCounter() > 0 ? eval.getConfusionMatrix().getClasses().size() : 0;
        long[][] confusion = new long[n][n];
        for (int actual = 0; actual < n; actual++) {
            for (int predicted = 0; predicted < n; predicted++) {
                confusion[actual][predicted] = eval.getConfusionMatrix().getCount(actual, predicted);
            }
        }
        return of(confusion);
    }

    /**
     * Computes the metrics from a confusion matrix. A class never predicted has precision 0, one never
     * seen recall 0, and F1 is 0 when both are (not NaN).
     *
     * @param confusion confusion[actual][predicted] counts, square
     */
    public static EvaluationReport of(long[][] confusion) {
        int n = confusion.length;
        int[][] counts = new int[n][n];
        long total = 0;
        long correct = 0;
        long[] predictedTotals = new long[n];
        for (int actual = 0; actual < n; actual++) {
            if (confusion[actual].length != n) {
                throw new IllegalArgumentException("the confusion matrix must be square: row " + actual + " has "
                        + confusion[actual].length + " columns, expected " + n);
            }
            for (int predicted = 0; predicted < n; predicted++) {
                counts[actual][predicted] = Math.toIntExact(confusion[actual][predicted]);
                total += confusion[actual][predicted];
                predictedTotals[predicted] += confusion[actual][predicted];
            }
            correct += confusion[actual][actual];
        }
        List<ClassMetrics> classes = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            long support = java.util.Arrays.stream(confusion[c]).sum();
            double precision = ratio(confusion[c][c], predictedTotals[c]);
            double recall = ratio(confusion[c][c], support);
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes.add(new ClassMetrics(c, precision, recall, f1, Math.toIntExact(support)));
        }
        return new EvaluationReport(total, ratio(correct, total), classes, counts);
    }

    private static double ratio(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }

    /** Mean F1 over classes. */
    public double macroF1() {
        return classes.stream().mapToDouble(ClassMetrics::f1).average().orElse(0);
    }

    /** A readable table: accuracy, per-class metrics and the confusion matrix. */
    public String toText() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "test accuracy %.4f on %d examples (macro F1 %.4f)%n", accuracy, examples,
                macroF1()));
        s.append("class  precision  recall     f1  support\n");
        for (ClassMetrics c : classes) {
            s.append(String.format(Locale.ROOT, "%5d  %9.4f  %6.4f  %6.4f  %7d%n", c.label(), c.precision(),
                    c.recall(), c.f1(), c.support()));
        }
        s.append("confusion matrix (rows: actual, columns: predicted)\n");
        for (int[] row : confusion) {
            for (int v : row) {
                s.append(String.format(Locale.ROOT, "%6d", v));
            }
            s.append('\n');
        }
        return s.toString();
    }
}
