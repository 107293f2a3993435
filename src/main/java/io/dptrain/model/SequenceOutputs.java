package io.dptrain.model;

import io.dptrain.config.DptrainConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.List;

/**
 * The data layout of a text network trained with truncated BPTT ({@code tbptt-length} > 0), which ends in a
 * per-step output {@code [n, classes, T]} instead of one vector per sequence. Training keeps the task
 * many-to-one: the label sits at each example's last real step, and a labels mask {@code [n, T]} switches the
 * loss off everywhere else. So only the segment holding the last word has a loss; the recurrent state flows
 * forward across segments, but gradients stop at each segment's start. Reading the network back (evaluation,
 * prediction) takes the output at that same last real step.
 */
public final class SequenceOutputs {
    private SequenceOutputs() {
    }

    /** Whether the configuration asks for a per-step (truncated BPTT) text network. */
    public static boolean perStep(DptrainConfig config) {
        return config.model().tbpttLength() > 0;
    }

    /** The batches in the layout the configured network trains on: unchanged, or {@link #lastStepLabels}. */
    public static List<DataSet> forTraining(List<DataSet> batches, DptrainConfig config) {
        return perStep(config) ? batches.stream().map(SequenceOutputs::lastStepLabels).toList() : batches;
    }

    /**
     * A sequence batch (features {@code [n, T]}, features mask {@code [n, T]}, labels {@code [n, classes]}) as
     * features {@code [n, 1, T]} (DL4J truncates only rank-3 input), labels {@code [n, classes, T]} one-hot at
     * each example's last real step and zero elsewhere, and a labels mask {@code [n, T]} that is 1 only there.
     *
     * @throws IllegalArgumentException if the batch has no features mask or its labels are not 2-D
     */
    public static DataSet lastStepLabels(DataSet batch) {
        INDArray mask = batch.getFeaturesMaskArray();
        INDArray labels = batch.getLabels();
        if (mask == null || labels.rank() != 2) {
            throw new IllegalArgumentException("a sequence batch needs a features mask [n, T] and labels [n, classes]"
                    + ", got mask " + (mask == null ? "null" : Arrays.toString(mask.shape()))
                    + " and labels " + Arrays.toString(labels.shape()));
        }
        long n = labels.size(0);
        long classes = labels.size(1);
        long steps = mask.size(1);
        INDArray stepLabels = Nd4j.zeros(labels.dataType(), n, classes, steps);
        INDArray labelsMask = Nd4j.zeros(mask.dataType(), n, steps);
        int[] last = lastRealSteps(mask);
        for (int i = 0; i < n; i++) {
            stepLabels.get(NDArrayIndex.point(i),
                    NDArrayIndex.all(),
                    NDArrayIndex.point(last[i])).assign(labels.getRow(i));
            labelsMask.putScalar(i, last[i], 1.0);
        }
        INDArray features = batch.getFeatures();
        INDArray rank3 = features.rank() == 3 ? features : features.reshape('c', n, 1, steps);
        return new DataSet(rank3, stepLabels, mask, labelsMask);
    }

    /**
     * The output row of each example: unchanged when the output is already {@code [n, classes]}, else the
     * output {@code [n, classes, T]} at each example's last real step (the last 1 of its features mask row;
     * the last step when there is no mask).
     */
    public static INDArray atLastStep(INDArray output, INDArray featuresMask) {
        if (output.rank() != 3) {
            return output;
        }
        long n = output.size(0);
        long steps = output.size(2);
        int[] last = featuresMask == null ? filled((int) n, (int) steps - 1) : lastRealSteps(featuresMask);
        INDArray rows = Nd4j.create(output.dataType(), n, output.size(1));
        for (int i = 0; i < n; i++) {
            rows.putRow(i, output.get(NDArrayIndex.point(i),
                    NDArrayIndex.all(),
                    NDArrayIndex.point(last[i])));
        }
        return rows;
    }

    /** Per row of a mask {@code [n, T]}, the index of its last non-zero step (0 for an all-zero row). */
    private static int[] lastRealSteps(INDArray mask) {
        float[][] m = mask.castTo(DataType.FLOAT).toFloatMatrix();
        int[] last = new int[m.length];
        for (int i = 0; i < m.length; i++) {
            for (int t = m[i].length - 1; t >= 0; t--) {
                if (m[i][t] != 0) {
                    last[i] = t;
                    break;
                }
            }
        }
        return last;
    }

    private static int[] filled(int n, int value) {
        int[] a = new int[n];
        Arrays.fill(a, value);
        return a;
    }
}
