package io.dptrain.engine.spark;

import io.dptrain.config.Choices.Exchange;
import io.dptrain.model.Subnormals;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Parameter averaging: every replica starts the round from the broadcast parameters, takes up to k
 * local minibatch steps (plain DL4J fit, updater included), and the driver averages the resulting
 * parameters weighted by the examples each replica processed (a replica whose shard ran out of
 * batches in the epoch's last round counts zero), then takes the {@link OuterStep} (by default none:
 * the parameters become the average). With {@code averageUpdater} the updater state is broadcast and
 * averaged the same way; otherwise each replica keeps its own. A truncated-BPTT network
 * ({@code tbptt-length} > 0) trains its batches the same way: DL4J's fit runs the segments.
 *
 * <p>What replicas send: in float32 their parameters (as they are; the average is then exactly today's
 * weighted mean); in a 16-bit exchange their delta {@code θ − θ_replica}, small numbers that 16 bits
 * hold well, where parameters would lose their low digits. The updater state always travels at full
 * precision (Adam's second moments are below float16's range).
 */
final class ParameterAveraging implements SyncStrategy<ParameterAveraging.Sums> {
    private static final long serialVersionUID = 2L;
    private final int localSteps;
    private final boolean averageUpdater;
    private final Exchange exchange;
    private final transient OuterStep outer;
    private final boolean computes; // false: communication-only rounds (benchmarks), no fit
    private final int flushSubnormalsEvery;

    /**
     * Weighted sums of the replicas' parameters (or deltas) and updater states, and the most updater
     * steps any replica took.
     */
    static final class Sums implements Payload<Sums> {
        private static final long serialVersionUID = 1L;
        FlatVector vector;
        FlatVector updaterState;
        boolean deltas;
        int maxSteps;

        @Override
        public Sums plus(Sums other) {
            vector = vector.add(other.vector);
            updaterState = updaterState == null ? null : updaterState.add(other.updaterState);
            maxSteps = Math.max(maxSteps, other.maxSteps);
            return this;
        }

        @Override
        public long bytes() {
            return vector.bytes() + (updaterState == null ? 0 : updaterState.bytes());
        }
    }

    /**
     * @param computes             false for communication-only rounds: replicas send the broadcast state back unchanged
     * @param flushSubnormalsEvery replicas' updater steps between flushes of subnormal values ({@link Subnormals})
     */
    ParameterAveraging(int localSteps, boolean averageUpdater, Exchange exchange, OuterStep outer, boolean computes,
                       int flushSubnormalsEvery) {
        if (localSteps < 1) {
            throw new IllegalArgumentException("dptrain.engine.local-steps must be >= 1, got " + localSteps);
        }
        this.localSteps = localSteps;
        this.averageUpdater = averageUpdater;
        this.exchange = exchange;
        this.outer = outer;
        this.computes = computes;
        this.flushSubnormalsEvery = flushSubnormalsEvery;
    }

    @Override
    public int batchesPerRound() {
        return localSteps;
    }

    @Override
    public boolean sendsUpdaterState() {
        return averageUpdater;
    }

    @Override
    public RoundSum<Sums> work(Replica replica, ModelState state, int epoch, int roundInEpoch) {
        replica.load(state, epoch);
        MultiLayerNetwork net = replica.network();
        double lossSum = 0;
        long examples = 0;
        int steps = 0;
        for (int position = roundInEpoch * localSteps; steps < localSteps; position++, steps++) {
            DataSet batch = replica.batch(epoch, position);
            if (batch == null) {
                break;
            }
            if (computes) {
                net.fit(batch);
                Subnormals.afterStep(net, flushSubnormalsEvery);
                lossSum += net.score() * batch.numExamples();
            }
            examples += batch.numExamples();
        }
        if (examples == 0) {
            return RoundSum.empty();
        }
        Sums sums = new Sums();
        sums.deltas = exchange != Exchange.FLOAT32;
        INDArray sent = sums.deltas ? state.params().toArrayFor(net.params(), "the broadcast parameters")
                .subi(net.params()) : net.params();
        sums.vector = FlatVector.encoded(sent, exchange).scaled(examples);
        FlatVector updaterState = averageUpdater ? FlatVector.of(replica.updaterState()) : null;
        sums.updaterState = updaterState == null ? null : updaterState.scaled(examples);
        // Updater steps, not minibatches: truncated BPTT takes one per segment (Adam's bias correction counts them).
        sums.maxSteps = net.getIterationCount() - state.iteration();
        return RoundSum.of(sums, lossSum, examples);
    }

    @Override
    public void apply(MultiLayerNetwork net, RoundSum<Sums> sum) {
        if (sum.examples == 0) {
            return;
        }
        Sums sums = sum.payload;
        INDArray params = net.params();
        INDArray mean = sums.vector.toArrayFor(params, sums.deltas ? "the summed deltas" : "the summed parameters")
                .divi(sum.examples);
        if (sums.deltas) {
            outer.apply(params, params.sub(mean), mean);
        } else {
            outer.apply(params, mean, outer.active() ? params.sub(mean) : null);
        }
        if (sums.updaterState != null) {
            INDArray updater = net.getUpdater(true).getStateViewArray();
            updater.assign(sums.updaterState.toArrayFor(updater, "the summed updater state").divi(sum.examples));
        }
        net.setIterationCount(net.getIterationCount() + sums.maxSteps);
    }

    @Override
    public INDArray driverState() {
        return outer.momentumBuffer();
    }

    @Override
    public void restoreDriverState(INDArray state) {
        outer.restore(state);
    }
}
