package io.dptrain;

import static org.assertj.core.api.Assertions.assertThat;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Comparisons of parameter and updater-state vectors in tests. */
public final class NdArrays {
    private NdArrays() {
    }

    /** The largest absolute element-wise difference; the two must have the same length. */
    public static double maxAbsDifference(INDArray actual, INDArray expected) {
        double[] a = actual.toDoubleVector();
        double[] b = expected.toDoubleVector();
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
