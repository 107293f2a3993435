package io.dptrain.engine.spark;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Parameter averaging: every replica starts the round from the broadcast parameters, takes up to k
 * local minibatch steps (plain DL4J fit, updater included), and the driver averages the resulting
 * parameters weighted by the examples each replica processed (a replica whose shard ran out of
 * batches in the epoch's last round counts zero). With {@code averageUpdater} the updater state is
 * broadcast and averaged the same way; otherwise each replica keeps its own. A truncated-BPTT network
 * ({@code tbptt-length} > 0) trains its batches the same way: DL4J's fit runs the segments.
 */
final class ParameterAveraging implements SyncStrategy {
    private static final long serialVersionUID = 1L;
    private final int localSteps;
    private final boolean averageUpdater;

    ParameterAveraging(int localSteps, boolean averageUpdater) {
        if (localSteps < 1) {
            throw new IllegalArgumentException("dptrain.engine.local-steps must be >= 1, got " + localSteps);
        }
        this.localSteps = localSteps;
        this.averageUpdater = averageUpdater;
    }

    @Override
    public int roundsPerEpoch(int maxBatches) {
        return (maxBatches + localSteps - 1) / localSteps;
    }

    @Override
    public ModelState state(MultiLayerNetwork net) {
        INDArray updater = averageUpdater ? net.getUpdater(true).getStateViewArray() : null;
        return new ModelState(FlatVector.of(net.params()), FlatVector.of(updater), net.getIterationCount());
    }

    @Override
    public RoundSum work(Replica replica, ModelState state, int epoch, int roundInEpoch) {
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
            net.fit(batch);
            lossSum += net.score() * batch.numExamples();
            examples += batch.numExamples();
        }
        if (examples == 0) {
            return RoundSum.empty();
        }
        INDArray updater = averageUpdater ? replica.updaterState() : null;
        // Updater steps, not minibatches: truncated BPTT takes one per segment (Adam's bias correction counts them).
        int updates = net.getIterationCount() - state.iteration();
        return RoundSum.of(FlatVector.of(net.params()), FlatVector.of(updater), examples, lossSum, examples, updates);
    }

    @Override
    public void apply(MultiLayerNetwork net, RoundSum sum) {
        if (sum.examples == 0) {
            return;
        }
        INDArray params = net.params();
        params.assign(sum.vector.toArrayFor(params, "the summed parameters").divi(sum.examples));
        if (sum.updaterState != null) {
            INDArray updater = net.getUpdater(true).getStateViewArray();
            updater.assign(sum.updaterState.toArrayFor(updater, "the summed updater state").divi(sum.examples));
        }
        net.setIterationCount(net.getIterationCount() + sum.maxSteps);
    }
}
