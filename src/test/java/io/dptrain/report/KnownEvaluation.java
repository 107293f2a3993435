package io.dptrain.report;

import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test helper: a DL4J evaluation with a known confusion matrix (rows actual, columns predicted)
 * <pre>
 *   3 1 0
 *   1 2 1
 *   0 0 2
 * </pre>
 * so accuracy 7/10; precision 3/4, 2/3, 2/3; recall 3/4, 1/2, 1; F1 3/4, 4/7, 4/5.
 */
public final class KnownEvaluation {
    static final int[][] CONFUSION = {{3, 1, 0}, {1, 2, 1}, {0, 0, 2}};

    private KnownEvaluation() {
    }

    /** The confusion above fed through DL4J as one-hot labels and probability rows, over {@code classes >= 3}. */
    public static Evaluation of(int classes) {
        int n = 0;
        for (int[] row : CONFUSION) {
            for (int v : row) {
                n += v;
            }
        }
        float[][] labels = new float[n][classes];
        float[][] predictions = new float[n][classes];
        int i = 0;
        for (int actual = 0; actual < CONFUSION.length; actual++) {
            for (int predicted = 0; predicted < CONFUSION.length; predicted++) {
                for (int k = 0; k < CONFUSION[actual][predicted]; k++, i++) {
                    labels[i][actual] = 1;
                    java.util.Arrays.fill(predictions[i], 0.2f / (classes - 1));
                    predictions[i][predicted] = 0.8f;
                }
            }
        }
        INDArray l = Nd4j.create(labels);
        INDArray p = Nd4j.create(predictions);
        Evaluation eval = new Evaluation(classes);
        eval.eval(l, p);
        return eval;
    }
}
