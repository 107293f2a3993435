package io.dptrain.engine.spark;

import io.dptrain.model.VectorizedAdam;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.NoOpUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.ISchedule;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Gradient averaging's updater step ({@link GradientAveraging#apply}) as one pass over each updater block's
 * values in Java arrays, for the networks dptrain trains with Adam: DL4J's pipeline takes the same step as a
 * copy of the sum into the gradient view, then one native op per block and stage (division by the minibatch,
 * L2, Adam's step, subtracting the update), each a pass over memory; in barrier jobs every task takes it each
 * round, after the replicas' work, and it was most of a round's non-compute time. Here each value is read and
 * written once, a cache-sized chunk at a time ({@code dptrain bench-updater}: about half the time of DL4J's
 * pipeline on LeNet's parameters). The arithmetic is DL4J's, in its order and float precision, so the parameters
 * and updater state are the pipeline's to the last bit ({@code FusedUpdateTest}; {@code DistributedEqualsLocalTest}
 * compares gradient averaging with single-process training, which runs DL4J's own pipeline).
 *
 * <p>Per parameter, as DL4J does it: a batch-normalization running statistic is averaged over the replicas that
 * sent it (it travels as an update, see {@link GradientAveraging}); a gradient DL4J divides by the minibatch
 * size is divided by the summed example count; L2 adds {@code l2 * parameter}; the block's updater (Adam
 * through {@link VectorizedAdam}'s step, or none) turns it into the update, which is subtracted from the
 * parameter. {@link #of} returns null for anything else (clipping, weight decay, L1, SGD or Nesterov, DL4J's own
 * Adam op, double precision), and those networks take DL4J's pipeline.
 */
final class FusedUpdate {
    /** Values a {@link Chunk} takes at a time: its four arrays take 128 KB of the processor's cache. */
    private static final int CHUNK = 8192;
    private final List<Block> blocks;

    /** A stretch of parameters that share an updater (one of DL4J's updater blocks) and its variables. */
    private record Block(int start, int end, Adam adam, int stateStart, List<Variable> variables) {
    }

    /** One parameter array of a layer: where it lies in the flattened parameters, and what DL4J does to it. */
    private record Variable(int start, int end, boolean runningStatistic, boolean divideByMinibatch, ISchedule l2) {
    }

    private FusedUpdate(List<Block> blocks) {
        this.blocks = blocks;
    }

    /**
     * The fused step for {@code net}, or null when DL4J's pipeline would do anything it does not (see the
     * class comment). {@code runningStatistics}: the ranges of the flattened parameters that are batch
     * normalization's running statistics.
     */
    static FusedUpdate of(MultiLayerNetwork net, List<long[]> runningStatistics) {
        if (!(net.getUpdater(true) instanceof BaseMultiLayerUpdater<?> updater) || !whole(net.params())
                || !net.conf().isMiniBatch()) {
            return null;
        }
        INDArray stateView = updater.getStateViewArray();
        if (stateView != null && !whole(stateView)) {
            return null;
        }
        Set<Long> statisticStarts = new HashSet<>();
        runningStatistics.forEach(range -> statisticStarts.add(range[0]));
        List<Block> blocks = new ArrayList<>();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            Adam adam;
            if (block.getGradientUpdater() instanceof NoOpUpdater) {
                adam = null;
            } else if (block.getGradientUpdater().getConfig() instanceof VectorizedAdam config
                    && block.getUpdaterView() != null && block.getUpdaterView().length()
                    == 2L * (block.getParamOffsetEnd() - block.getParamOffsetStart())) {
                adam = config;
            } else {
                return null;
            }
            List<Variable> variables = new ArrayList<>();
            for (UpdaterBlock.ParamState variable : block.getLayersAndVariablesInBlock()) {
                Trainable layer = variable.getLayer();
                String name = variable.getParamName();
                GradientNormalization clipping = layer.getConfig().getGradientNormalization();
                if (clipping != null && clipping != GradientNormalization.None) {
                    return null;
                }
                ISchedule l2 = null;
                List<Regularization> regularizations = layer.getConfig().getRegularizationByParam(name);
                if (regularizations != null && !regularizations.isEmpty()) {
                    if (regularizations.size() != 1 || !(regularizations.get(0) instanceof L2Regularization r)) {
                        return null;
                    }
                    l2 = r.getL2();
                }
                INDArray view = variable.getParamView();
                int start = (int) view.offset();
                if (view.elementWiseStride() != 1 || start + view.length() > net.numParams()) {
                    return null;
                }
                variables.add(new Variable(start, start + (int) view.length(), statisticStarts.contains((long) start),
                        layer.updaterDivideByMinibatch(name), l2));
            }
            blocks.add(new Block(block.getParamOffsetStart(), block.getParamOffsetEnd(), adam,
                    adam == null ? 0 : (int) block.getUpdaterView().offset(), variables));
        }
        return new FusedUpdate(blocks);
    }

    private static boolean whole(INDArray array) {
        return array.offset() == 0 && array.data().length() == array.length() && array.elementWiseStride() == 1
                && array.dataType() == DataType.FLOAT;
    }

    /**
     * One updater step of {@code net} (the network this was made for) with the replicas' summed raw gradients
     * {@code sum} (indexed as the flattened parameters), summed over {@code examples} examples of
     * {@code contributors} replicas, at the network's iteration and epoch counters (not advanced here).
     */
    void apply(MultiLayerNetwork net, float[] sum, int contributors, int examples) {
        if (sum.length != net.numParams()) {
            throw new IllegalStateException("the summed gradient (" + sum.length + " values) does not fit a network "
                    + "of " + net.numParams() + " parameters");
        }
        Chunk chunk = new Chunk(net, sum, contributors, examples);
        for (Block block : blocks) {
            for (int at = block.start(); at < block.end(); at += CHUNK) {
                chunk.step(block, at, Math.min(CHUNK, block.end() - at));
            }
        }
    }

    /**
     * The step a chunk at a time, small enough for the processor's cache: each value is read from and written to
     * the network's native buffers once, and the passes of the step run over the chunk's copy in Java arrays,
     * which the JIT vectorizes (a loop over the native buffers would not be).
     */
    private final class Chunk {
        private final float[] sum;
        private final int contributors;
        private final int examples;
        private final int iteration;
        private final int epoch;
        private final FloatBuffer params;
        private final FloatBuffer state;
        private final float[] p = new float[CHUNK];
        private final float[] g = new float[CHUNK];
        private final float[] m = new float[CHUNK];
        private final float[] v = new float[CHUNK];

        Chunk(MultiLayerNetwork net, float[] sum, int contributors, int examples) {
            this.sum = sum;
            this.contributors = contributors;
            this.examples = examples;
            this.iteration = net.getIterationCount();
            this.epoch = net.getEpochCount();
            this.params = net.params().data().asNioFloat();
            INDArray stateView = net.getUpdater(true).getStateViewArray();
            this.state = stateView == null ? null : stateView.data().asNioFloat();
        }

        /** The parameters {@code [at, at + n)} of {@code block}. */
        void step(Block block, int at, int n) {
            params.get(at, p, 0, n);
            for (Variable variable : block.variables()) {
                int from = Math.max(variable.start(), at);
                int to = Math.min(variable.end(), at + n);
                if (from < to) {
                    gradient(variable, from - at, to - from, at);
                }
            }
            if (block.adam() != null) {
                int mAt = block.stateStart() + (at - block.start());
                int vAt = mAt + (block.end() - block.start()); // a block's state: all of M, then all of V
                state.get(mAt, m, 0, n);
                state.get(vAt, v, 0, n);
                VectorizedAdam.step(g, m, v, n, block.adam(), iteration, epoch);
                state.put(mAt, m, 0, n);
                state.put(vAt, v, 0, n);
            }
            for (int i = 0; i < n; i++) {
                p[i] -= g[i];
            }
            params.put(at, p, 0, n);
        }

        /** The variable's gradient as DL4J's updater receives it, into {@code g[from, from + n)}. */
        private void gradient(Variable variable, int from, int n, int chunkStart) {
            System.arraycopy(sum, chunkStart + from, g, from, n);
            if (variable.runningStatistic()) {
                divide(from, n, contributors);
            }
            if (variable.divideByMinibatch()) {
                divide(from, n, examples);
            }
            if (variable.l2() != null) {
                // libnd4j's axpy: coefficient (a float) times the parameter, plus the gradient.
                float coefficient = (float) variable.l2().valueAt(iteration, epoch);
                for (int i = from; i < from + n; i++) {
                    g[i] = coefficient * p[i] + g[i];
                }
            }
        }

        private void divide(int from, int n, float divisor) {
            for (int i = from; i < from + n; i++) {
                g[i] /= divisor;
            }
        }
    }
}
