package io.dptrain.model;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Sets a network's subnormal parameters and updater state to zero every {@code train.flush-subnormals-every}
 * updater steps. Weights that only L2 pulls on (those of ReLU units that no example activates) shrink
 * geometrically under Adam and can spend many steps below the smallest normal float before they reach 0;
 * Adam's first moment follows them. The CPU computes with such values through microcode assists, many times
 * slower ({@code dptrain bench-updater}: DL4J's Adam step on LeNet's 431k parameters takes about 3x as long when a
 * tenth of them are subnormal), and neither nd4j nor the JVM can set the processor's flush-to-zero flags. LeNet
 * with Adam and L2 trained 16% more examples a second in gradient averaging with the flush than without (README,
 * "Convergence at equal training time"). A subnormal float is below 1.2e-38: zero is as good a value for training.
 *
 * <p>Every engine calls {@link #afterStep} after each updater step, and the flush depends only on the
 * iteration count, so single-process and distributed training flush at the same steps and stay equal.
 */
public final class Subnormals {
    private Subnormals() {
    }

    /**
     * Flushes when the step just taken (the network's iteration count, already advanced) is a multiple of
     * {@code every}; 0 = never. One flush scans the parameters and the updater state (about as long as an Adam
     * step, {@code dptrain bench-updater}), so it runs every few dozen steps, not every step: a weight decaying
     * through the subnormal range stays in it for far longer.
     */
    public static void afterStep(MultiLayerNetwork net, int every) {
        if (every > 0 && net.getIterationCount() % every == 0) {
            flush(net);
        }
    }

    /** Sets every subnormal value of the network's parameters and updater state to zero. */
    public static void flush(MultiLayerNetwork net) {
        zero(net.params());
        Updater updater = net.getUpdater(false);
        if (updater != null) {
            zero(updater.getStateViewArray());
        }
    }

    private static void zero(INDArray values) {
        if (values == null) {
            return;
        }
        double smallestNormal = values.dataType() == DataType.FLOAT ? Float.MIN_NORMAL
                : values.dataType() == DataType.DOUBLE ? Double.MIN_NORMAL : 0;
        if (smallestNormal > 0) {
            BooleanIndexing.replaceWhere(values, 0.0, Conditions.absLessThan(smallestNormal));
        }
    }
}
