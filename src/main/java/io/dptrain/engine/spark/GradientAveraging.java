package io.dptrain.engine.spark;

import io.dptrain.config.Choices.Exchange;
import io.dptrain.model.Subnormals;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gradient averaging: every replica computes the gradient of one minibatch at the broadcast
 * parameters; the driver sums them and takes ONE updater step, exactly what DL4J's
 * {@code fit(minibatch)} does with the union of the minibatches. DL4J's raw gradients are sums over
 * examples and its updater divides by the minibatch size, so summing the replicas' raw gradients
 * and passing the total example count reproduces single-process training at batch N*b.
 *
 * <p>Batch normalization's running mean and deviation travel in the gradient vector as updates, not
 * gradients (DL4J does not divide them by the batch size); those ranges are averaged over the
 * contributing replicas instead of summed.
 *
 * <p>With Adam ({@code train.vectorized-adam}) and no clipping the step is {@link FusedUpdate}'s one pass instead
 * of DL4J's pipeline, to the same bits; in barrier jobs every task takes it each round.
 */
final class GradientAveraging implements SyncStrategy<GradientAveraging.Gradients> {
    private static final long serialVersionUID = 2L;
    private final Exchange exchange;
    private final boolean computes; // false: communication-only rounds (benchmarks), no backprop
    private final int flushSubnormalsEvery;
    private final boolean useFused;
    private transient Gradient driverGradient;
    private transient List<long[]> runningStatRanges;
    private transient FusedUpdate fused; // null: DL4J's pipeline

    /** The replicas' summed raw gradients. */
    static final class Gradients implements Payload<Gradients> {
        private static final long serialVersionUID = 1L;
        FlatVector vector;

        Gradients(FlatVector vector) {
            this.vector = vector;
        }

        @Override
        public Gradients plus(Gradients other) {
            vector = vector.add(other.vector);
            return this;
        }

        @Override
        public long bytes() {
            return vector.bytes();
        }
    }

    /**
     * @param computes             false for communication-only rounds: replicas send zero gradients of the model's size
     * @param flushSubnormalsEvery updater steps between flushes of subnormal values ({@link Subnormals})
     */
    GradientAveraging(Exchange exchange, boolean computes, int flushSubnormalsEvery) {
        this(exchange, computes, flushSubnormalsEvery, true);
    }

    /** @param useFused false: DL4J's own updater pipeline even where {@link FusedUpdate} takes the step (tests) */
    GradientAveraging(Exchange exchange, boolean computes, int flushSubnormalsEvery, boolean useFused) {
        this.exchange = exchange;
        this.computes = computes;
        this.flushSubnormalsEvery = flushSubnormalsEvery;
        this.useFused = useFused;
    }

    @Override
    public int batchesPerRound() {
        return 1;
    }

    @Override
    public boolean sendsUpdaterState() {
        return false; // replicas only compute gradients; the updater is the driver's
    }

    @Override
    public RoundSum<Gradients> work(Replica replica, ModelState state, int epoch, int roundInEpoch) {
        DataSet batch = replica.batch(epoch, roundInEpoch);
        if (batch == null) {
            return RoundSum.empty();
        }
        replica.load(state, epoch);
        MultiLayerNetwork net = replica.network();
        if (!computes) {
            int n = batch.numExamples();
            return RoundSum.of(new Gradients(FlatVector.encoded(Nd4j.zeros(net.params().dataType(), net.numParams()),
                    exchange)), 0, n);
        }
        net.setInput(batch.getFeatures());
        net.setLabels(batch.getLabels());
        // Sequence batches carry masks so that padding never counts; fit() sets them itself.
        net.setLayerMaskArrays(batch.getFeaturesMaskArray(), batch.getLabelsMaskArray());
        try {
            net.computeGradientAndScore();
            int n = batch.numExamples();
            return RoundSum.of(new Gradients(FlatVector.encoded(net.getFlattenedGradients(), exchange)),
                    net.score() * n, n);
        } finally {
            net.clearLayerMaskArrays();
        }
    }

    @Override
    public void apply(MultiLayerNetwork net, RoundSum<Gradients> sum) {
        if (sum.examples == 0) {
            return;
        }
        if (driverGradient == null) {
            prepare(net);
        }
        float[] summed = fused == null ? null : sum.payload.vector.floatValues();
        if (summed != null) {
            fused.apply(net, summed, sum.contributors, (int) sum.examples);
        } else {
            step(net, sum);
        }
        net.setIterationCount(net.getIterationCount() + 1);
        Subnormals.afterStep(net, flushSubnormalsEvery);
    }

    /** DL4J's own updater step on the summed gradient. */
    private void step(MultiLayerNetwork net, RoundSum<Gradients> sum) {
        INDArray gradients = net.getFlattenedGradients();
        sum.payload.vector.copyInto(gradients, "the summed gradient");
        for (long[] range : runningStatRanges) {
            // The flattened gradients are a row [1, n]; interval views write through to it.
            gradients.get(NDArrayIndex.point(0), NDArrayIndex.interval(range[0], range[1])).divi(sum.contributors);
        }
        // What StochasticGradientDescent.optimize does after computing a gradient: clipping,
        // regularization and the updater (dividing by the minibatch size), then params -= update.
        net.getUpdater(true).update(net, driverGradient, net.getIterationCount(), net.getEpochCount(),
                (int) sum.examples, LayerWorkspaceMgr.noWorkspaces());
        net.params().subi(driverGradient.gradient());
    }

    /**
     * The updater needs DL4J's own Gradient object whose arrays are views of the network's flattened
     * gradient (that identity is how it knows the gradient is its own). Built here from each layer's
     * gradient view, split per parameter by the layer's own parameter initializer, as DL4J's backprop
     * builds it; and the running-statistics ranges of batch normalization layers are noted.
     */
    private void prepare(MultiLayerNetwork net) {
        if (net.getFlattenedGradients() == null) {
            // DL4J creates the views lazily. Re-creating them would leave an existing updater (one
            // restored from a checkpoint) updating the old, detached views.
            net.initGradientsView();
        }
        DefaultGradient gradient = new DefaultGradient(net.getFlattenedGradients());
        runningStatRanges = new ArrayList<>();
        long offset = 0;
        for (Layer layer : net.getLayers()) {
            long count = layer.numParams();
            if (count > 0) {
                Map<String, INDArray> views = layer.conf().getLayer().initializer()
                        .getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
                long local = 0;
                for (Map.Entry<String, INDArray> view : views.entrySet()) {
                    gradient.setGradientFor(layer.getIndex() + "_" + view.getKey(), view.getValue());
                    long length = view.getValue().length();
                    if (layer instanceof BatchNormalization && !view.getKey().equals("gamma")
                            && !view.getKey().equals("beta")) {
                        runningStatRanges.add(new long[]{offset + local, offset + local + length});
                    }
                    local += length;
                }
            }
            offset += count;
        }
        driverGradient = gradient;
        fused = useFused ? FusedUpdate.of(net, runningStatRanges) : null;
    }
}
