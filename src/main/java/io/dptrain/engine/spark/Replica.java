package io.dptrain.engine.spark;

import io.dptrain.Seeds;
import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.Shard;
import io.dptrain.model.Networks;
import io.dptrain.model.SequenceOutputs;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/**
 * Executor side: one network and the minibatches of one shard, built once per run and partition and
 * kept in the {@link ReplicaCache}. Every round starts by loading the broadcast state, so what the
 * replica computes never depends on what it did before (except the per-replica updater state, by
 * the user's choice).
 */
final class Replica {
    private final MultiLayerNetwork net;
    private final List<DataSet> batches;
    private final long seed;
    private int orderEpoch = -1;
    private int[] order;

    Replica(DptrainConfig config, Shard shard) {
        this.net = Networks.create(config);
        this.batches = SequenceOutputs.forTraining(
                shard.examples().minibatches(config.train().batchSize(), Networks.dataType(config)), config);
        this.seed = config.train().seed();
    }

    int batchCount() {
        return batches.size();
    }

    /** The shard's batch at position {@code position} of the epoch's seeded order, or null past the end. */
    DataSet batch(int epoch, int position) {
        if (epoch != orderEpoch) {
            // Same rule as the single-process trainer: batches fixed, their order reshuffled per epoch.
            order = Seeds.permutation(batches.size(), Seeds.derive(seed, "epoch-order", epoch));
            orderEpoch = epoch;
        }
        return position < order.length ? batches.get(order[position]) : null;
    }

    MultiLayerNetwork network() {
        return net;
    }

    /** Loads the round's parameters (and updater state when sent) and DL4J's counters. */
    void load(ModelState state, int epoch) {
        INDArray params = net.params();
        params.assign(state.params().toArrayFor(params, "the broadcast parameters"));
        if (state.updaterState() != null) {
            INDArray updater = updaterState();
            updater.assign(state.updaterState().toArrayFor(updater, "the broadcast updater state"));
        }
        net.setIterationCount(state.iteration());
        net.setEpochCount(epoch - 1);
    }

    /** The updater's flat state view (null for updaters without state, e.g. plain SGD). */
    INDArray updaterState() {
        Updater updater = net.getUpdater(true);
        return updater == null ? null : updater.getStateViewArray();
    }
}
