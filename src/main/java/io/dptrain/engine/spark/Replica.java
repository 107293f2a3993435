package io.dptrain.engine.spark;

import io.dptrain.config.DptrainConfig;
import io.dptrain.data.ExampleSet;
import io.dptrain.engine.Shard;
import io.dptrain.engine.ShardBlock;
import io.dptrain.engine.Shards;
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
 *
 * <p>Where its minibatches come from depends on the shard storage. In memory, the replica decodes its
 * whole shard into float minibatches once and keeps them (the fast path). With spilled shards it keeps
 * only the network: each round's task hands it that round's {@link ShardBlock}s ({@link #useBlocks}), it
 * decodes a minibatch when the strategy asks for it, and forgets the blocks when the round ends, so the
 * shard never sits in the executor's heap between rounds.
 */
final class Replica {
    private final MultiLayerNetwork net;
    private final DptrainConfig config;
    private final long seed;
    private final int batchCount;
    private final List<DataSet> batches; // in memory: all of the shard's, decoded; spilled: null
    private List<ShardBlock> roundBlocks = List.of(); // spilled: this round's
    private int orderEpoch = -1;
    private int[] order;

    /** A replica that decodes its in-memory shard once and keeps the minibatches. */
    Replica(DptrainConfig config, Shard shard) {
        this(config, SequenceOutputs.forTraining(
                shard.examples().minibatches(config.train().batchSize(), Networks.dataType(config)), config));
    }

    /** A replica of a spilled shard of {@code batchCount} minibatches: it is given them round by round. */
    Replica(DptrainConfig config, int batchCount) {
        this.net = Networks.create(config);
        this.config = config;
        this.seed = config.train().seed();
        this.batchCount = batchCount;
        this.batches = null;
    }

    private Replica(DptrainConfig config, List<DataSet> batches) {
        this.net = Networks.create(config);
        this.config = config;
        this.seed = config.train().seed();
        this.batchCount = batches.size();
        this.batches = batches;
    }

    int batchCount() {
        return batchCount;
    }

    /** Spilled shards: the blocks holding this round's minibatches, until {@link #endRound}. */
    void useBlocks(List<ShardBlock> blocks) {
        roundBlocks = blocks;
    }

    /** Drops the round's blocks: a spilled shard is read again from Spark's block manager next round. */
    void endRound() {
        roundBlocks = List.of();
    }

    /** The shard's batch at position {@code position} of the epoch's seeded order, or null past the end. */
    DataSet batch(int epoch, int position) {
        if (epoch != orderEpoch) {
            // Same rule as the single-process trainer: batches fixed, their order reshuffled per epoch.
            order = Shards.batchOrder(seed, batchCount, epoch);
            orderEpoch = epoch;
        }
        if (position >= order.length) {
            return null;
        }
        return batches != null ? batches.get(order[position]) : decode(order[position]);
    }

    /** Spilled shards: minibatch {@code index} of the shard, decoded from the round's block that holds it. */
    private DataSet decode(int index) {
        int batchSize = config.train().batchSize();
        for (ShardBlock block : roundBlocks) {
            int from = (index - block.firstBatch()) * batchSize;
            int count = block.examples().count();
            if (from >= 0 && from < count) {
                ExampleSet examples = block.examples().slice(from, Math.min(count, from + batchSize));
                return SequenceOutputs.forTraining(examples.minibatches(batchSize, Networks.dataType(config)), config)
                        .get(0);
            }
        }
        throw new IllegalStateException("minibatch " + index + " of shard is not in this round's blocks (first "
                + "batches " + roundBlocks.stream().map(b -> Integer.toString(b.firstBatch())).toList()
                + "): the driver chose the round's blocks by another order than the replica's");
    }

    MultiLayerNetwork network() {
        return net;
    }

    /** Loads the round's parameters (and updater state when sent) and DL4J's counters. */
    void load(ModelState state, int epoch) {
        state.params().copyInto(net.params(), "the broadcast parameters");
        if (state.updaterState() != null) {
            state.updaterState().copyInto(updaterState(), "the broadcast updater state");
        }
        net.setIterationCount(state.iteration());
        net.setEpochCount(epoch - 1);
    }

    /** The updater's flat state view (null for updaters without state, e.g. plain SGD). */
    INDArray updaterState() {
        return updaterState(net);
    }

    /** {@code net}'s updater state view, or null (the driver's copies in barrier jobs use it too). */
    static INDArray updaterState(MultiLayerNetwork net) {
        Updater updater = net.getUpdater(true);
        return updater == null ? null : updater.getStateViewArray();
    }
}
