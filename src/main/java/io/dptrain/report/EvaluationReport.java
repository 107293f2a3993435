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
        int[][] confusion = new int[n][n];
        List<ClassMetrics> classes = new ArrayList<>(n);
        for (int actual = 0; actual < n; actual++) {
            int support = 0;
            for (int predicted = 0; predicted < n; predicted++) {
                confusion[actual][predicted] = eval.getConfusionMatrix().getCount(actual, predicted);
                support += confusion[actual][predicted];
            }
            // DL4J returns NaN-free 0 for classes never predicted only with this edge-case setting.
            classes.add(new ClassMetrics(actual, safe(eval.precision(actual)), safe(eval.recall(actual)),
                    safe(eval.f1(actual)), support));
        }
        return new EvaluationReport(eval.getNumRowCounter(), eval.accuracy(), classes, confusion);
    }

    private static double safe(double v) {
        return Double.isNaN(v) ? 0 : v;
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
