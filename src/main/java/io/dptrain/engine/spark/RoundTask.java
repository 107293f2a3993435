package io.dptrain.engine.spark;

import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.Shard;
import io.dptrain.engine.ShardBlock;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Executor side: one round on one shard. Gets (or builds) the partition's replica, loads the
 * broadcast state and lets the strategy compute the replica's contribution. The compute time it
 * reports includes a replica build, so a rebuild after an executor loss shows up in the metrics.
 * {@link InMemory} runs on in-memory shards, {@link Spilled} on a round's blocks of spilled shards
 * (see io.dptrain.engine.Shards).
 *
 * <p>The task itself is small: the config and the strategy reach the executors once per run in a
 * broadcast {@link Run} (each executor deserializes it once), not in every round's closure.
 *
 * @param <T> what a partition of the round's input holds
 */
abstract class RoundTask<P extends Payload<P>, T> implements Function2<Integer, Iterator<T>, Iterator<RoundSum<P>>> {
    private static final long serialVersionUID = 3L;
    final String runId;
    private final Broadcast<Run<P>> run;
    private final Broadcast<ModelState> state;
    private final int epoch;
    private final int roundInEpoch;

    /** What every round of a run shares: broadcast once by the driver, destroyed at the run's end. */
    record Run<P extends Payload<P>>(DptrainConfig config, SyncStrategy<P> strategy) implements Serializable {
    }

    RoundTask(String runId, Broadcast<Run<P>> run, Broadcast<ModelState> state, int epoch, int roundInEpoch) {
        this.runId = runId;
        this.run = run;
        this.state = state;
        this.epoch = epoch;
        this.roundInEpoch = roundInEpoch;
    }

    /** The partition's replica, ready to be asked for this round's minibatches. */
    abstract Replica replica(int partition, Iterator<T> input, DptrainConfig config);

    @Override
    public Iterator<RoundSum<P>> call(Integer partition, Iterator<T> input) {
        long start = System.nanoTime();
        Nd4jThreads.forTask(TaskContext.get());
        Run<P> shared = run.value();
        Replica replica = replica(partition, input, shared.config());
        RoundSum<P> sum;
        try {
            sum = shared.strategy().work(replica, state.value(), epoch, roundInEpoch);
        } finally {
            replica.endRound();
        }
        return List.of(sum.withComputeMs((System.nanoTime() - start) / 1_000_000)).iterator();
    }

    /** On in-memory shards: a partition holds its whole shard, which the replica decodes once per run. */
    static final class InMemory<P extends Payload<P>> extends RoundTask<P, Shard> {
        private static final long serialVersionUID = 1L;

        InMemory(String runId, Broadcast<Run<P>> run, Broadcast<ModelState> state, int epoch, int roundInEpoch) {
            super(runId, run, state, epoch, roundInEpoch);
        }

        @Override
        Replica replica(int partition, Iterator<Shard> input, DptrainConfig config) {
            Shard shard = input.next();
            return ReplicaCache.get(runId, partition, () -> new Replica(config, shard));
        }
    }

    /**
     * On spilled shards: a partition holds the blocks of its shard's minibatches for this round (none
     * once the shard has run out), read by Spark from memory or disk; the replica keeps them for the round.
     */
    static final class Spilled<P extends Payload<P>> extends RoundTask<P, ShardBlock> {
        private static final long serialVersionUID = 1L;
        private final int[] batchCounts;

        /** @param batchCounts minibatches per shard, by shard index */
        Spilled(String runId, Broadcast<Run<P>> run, Broadcast<ModelState> state, int epoch, int roundInEpoch,
                int[] batchCounts) {
            super(runId, run, state, epoch, roundInEpoch);
            this.batchCounts = batchCounts;
        }

        @Override
        Replica replica(int partition, Iterator<ShardBlock> input, DptrainConfig config) {
            Replica replica = ReplicaCache.get(runId, partition, () -> new Replica(config, batchCounts[partition]));
            List<ShardBlock> blocks = new ArrayList<>();
            input.forEachRemaining(blocks::add);
            replica.useBlocks(blocks);
            return replica;
        }
    }
}
