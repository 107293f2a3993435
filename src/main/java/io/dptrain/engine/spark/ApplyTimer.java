package io.dptrain.engine.spark;

import io.dptrain.config.Choices.Exchange;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * Times gradient averaging's apply of a summed gradient on the driver's network (or a barrier task's copy of
 * it), through DL4J's updater pipeline or {@link FusedUpdate}, for {@code dptrain bench-updater}: the strategy is
 * this package's own.
 */
public final class ApplyTimer {
    private static final int SUMS = 8;

    private ApplyTimer() {
    }

    /**
     * Milliseconds of each of {@code steps} applies after {@code warmup} untimed ones to {@code net}, of sums of
     * two replicas' gradients over {@code examples} examples: random normal values times 0.01, eight different
     * ones in turn (a constant sum would drive the L2-regularized parameters to where the gradient is zero, and
     * the moments into the subnormal range). {@code fused}: false is DL4J's pipeline. Subnormals are flushed
     * every {@code flushSubnormalsEvery} steps, as in a run.
     *
     * @throws IllegalArgumentException if {@code fused} and the network does not take the fused step
     */
    public static double[] time(MultiLayerNetwork net, boolean fused, int examples, int flushSubnormalsEvery,
                                int warmup, int steps) {
        GradientAveraging strategy = new GradientAveraging(Exchange.FLOAT32, true, flushSubnormalsEvery, fused);
        if (fused && FusedUpdate.of(net, List.of()) == null) {
            throw new IllegalArgumentException("the network does not take the fused step (it needs Adam with "
                    + "train.vectorized-adam = true, no clipping, float parameters)");
        }
        Nd4j.getRandom().setSeed(42);
        FlatVector[] sums = new FlatVector[SUMS];
        for (int i = 0; i < SUMS; i++) {
            sums[i] = FlatVector.of(Nd4j.randn(DataType.FLOAT, net.numParams()).muli(0.01));
        }
        double[] ms = new double[steps];
        for (int i = 0; i < warmup + steps; i++) {
            RoundSum<GradientAveraging.Gradients> sum = RoundSum.of(new GradientAveraging.Gradients(sums[i % SUMS]),
                    0, examples);
            sum.contributors = 2;
            long t0 = System.nanoTime();
            strategy.apply(net, sum);
            long t1 = System.nanoTime();
            if (i >= warmup) {
                ms[i - warmup] = (t1 - t0) / 1e6;
            }
        }
        return ms;
    }
}
