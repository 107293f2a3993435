package io.dptrain.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * DL4J's Adam whose step on float parameters is a Java loop the JIT compiles to vector instructions, instead of
 * libnd4j's {@code adam_updater} op: the nd4j-native builds dptrain runs (1.0.0-M2, linux-x86_64 and its
 * -onednn variant) are compiled for the baseline x86-64 and take that op one element at a time (a square root
 * and a division each), the largest cost of a gradient-averaging round after the replicas' work
 * ({@code dptrain bench-updater}: 2.3x faster on LeNet's parameters, copies in and out included). The arithmetic
 * is libnd4j's, in the same order and precision (float, no fused multiply-adds, correctly rounded square roots),
 * so the result is the op's to the last bit ({@code VectorizedAdamTest}: every iteration up to 3000, and
 * training lenet and vgg-mini with either gives identical parameters); everything around the step
 * (learning-rate schedule, L2, division by the minibatch, clipping) stays DL4J's. Double precision and state
 * arrays that are not contiguous take libnd4j's op as before.
 *
 * <p>It is an {@link Adam} to DL4J (the configuration JSON names this class, so saved models need dptrain's
 * jar to load, as they do for {@link RateSchedule}).
 */
public class VectorizedAdam extends Adam {

    /** For Jackson: the fields come through Adam's setters. */
    public VectorizedAdam() {
    }

    public VectorizedAdam(double learningRate) {
        super(learningRate);
    }

    public VectorizedAdam(ISchedule learningRateSchedule) {
        super(learningRateSchedule);
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Step step = new Step(this);
        long[] gradientShape = Arrays.copyOf(viewArray.shape(), viewArray.rank());
        gradientShape[1] /= 2; // the view holds M then V
        step.setStateViewArray(viewArray, gradientShape, viewArray.ordering(), initializeViewArray);
        return step;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> state, boolean initialize) {
        Step step = new Step(this);
        step.setState(state, initialize);
        return step;
    }

    @Override
    public VectorizedAdam clone() {
        VectorizedAdam copy = new VectorizedAdam();
        copy.setLrAndSchedule(getLearningRate(), getLearningRateSchedule());
        copy.setBeta1(getBeta1());
        copy.setBeta2(getBeta2());
        copy.setEpsilon(getEpsilon());
        return copy;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VectorizedAdam && super.equals(other);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof VectorizedAdam;
    }

    /**
     * libnd4j's adamUpdater_ for T = float on the first {@code n} values of the arrays: updates m and v in place
     * and leaves the update (what DL4J subtracts from the parameters) in {@code g}. For callers that hold a
     * block's values in Java arrays already (gradient averaging's fused apply); {@link Step} copies them there.
     */
    public static void step(float[] g, float[] m, float[] v, int n, Adam config, int iteration, int epoch) {
        step(g, m, v, n, (float) config.getLearningRate(iteration, epoch), (float) config.getBeta1(),
                (float) config.getBeta2(), (float) config.getEpsilon(), iteration);
    }

    static void step(float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2, float epsilon,
                     int iteration) {
        float beta1T = (float) Math.pow(beta1, iteration + 1f);
        float beta2T = (float) Math.pow(beta2, iteration + 1f);
        // As the op: lr * sqrt<float>(1 - beta2^t) in float, divided in double by (1 - beta1^t), stored as float.
        float epsilonT = (float) (lr * (float) Math.sqrt((float) (1.0 - beta2T)) / (1.0 - beta1T));
        if (Float.isNaN(epsilonT) || epsilonT == 0 || Float.isInfinite(epsilonT)) {
            epsilonT = epsilon;
        }
        float oneMinusBeta1 = 1 - beta1;
        float oneMinusBeta2 = 1 - beta2;
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float mi = beta1 * m[i] + gi * oneMinusBeta1;
            float vi = beta2 * v[i] + gi * gi * oneMinusBeta2;
            m[i] = mi;
            v[i] = vi;
            g[i] = mi * epsilonT / ((float) Math.sqrt(vi) + epsilon);
        }
    }

    /** The updater of one block of parameters; its scratch arrays live as long as the network. */
    static final class Step extends AdamUpdater {
        private float[] gradient = new float[0];
        private float[] m = new float[0];
        private float[] v = new float[0];

        Step(Adam config) {
            super(config);
        }

        @Override
        public void applyUpdater(INDArray gradientView, int iteration, int epoch) {
            INDArray mView = getM();
            INDArray vView = getV();
            if (mView == null || vView == null || gradientView.dataType() != DataType.FLOAT || !contiguous(gradientView)
                    || !contiguous(mView) || !contiguous(vView) || mView.length() != gradientView.length()
                    || vView.length() != gradientView.length()) {
                super.applyUpdater(gradientView, iteration, epoch);
                return;
            }
            int n = (int) gradientView.length();
            if (gradient.length != n) {
                gradient = new float[n];
                m = new float[n];
                v = new float[n];
            }
            read(gradientView, gradient);
            read(mView, m);
            read(vView, v);
            step(gradient, m, v, n, getConfig(), iteration, epoch);
            write(m, mView);
            write(v, vView);
            write(gradient, gradientView);
        }

        /** A row of consecutive floats: the flattened gradient's and the updater state's views are. */
        private static boolean contiguous(INDArray array) {
            return array.isRowVectorOrScalar() && array.elementWiseStride() == 1 && array.length() <= Integer.MAX_VALUE;
        }

        /* A view's buffer is its whole array's, which the view starts offset() elements into. */
        private static void read(INDArray view, float[] into) {
            FloatBuffer buffer = view.data().asNioFloat();
            buffer.position((int) view.offset());
            buffer.get(into);
        }

        private static void write(float[] from, INDArray view) {
            FloatBuffer buffer = view.data().asNioFloat();
            buffer.position((int) view.offset());
            buffer.put(from);
        }
    }
}
