package io.dptrain.engine.spark;

import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.Shard;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.Iterator;
import java.util.List;

/**
 * Executor side: one round on one shard. Gets (or builds) the partition's replica, loads the
 * broadcast state and lets the strategy compute the replica's contribution. The compute time it
 * reports includes a replica build, so a rebuild after an executor loss shows up in the metrics.
 */
final class RoundTask<P extends Payload<P>> implements Function2<Integer, Iterator<Shard>, Iterator<RoundSum<P>>> {
    private static final long serialVersionUID = 1L;
    private final String runId;
    private final DptrainConfig config;
    private final SyncStrategy<P> strategy;
    private final Broadcast<ModelState> state;
    private final int epoch;
    private final int roundInEpoch;

    RoundTask(String runId, DptrainConfig config, SyncStrategy<P> strategy, Broadcast<ModelState> state, int epoch,
              int roundInEpoch) {
        this.runId = runId;
        this.config = config;
        this.strategy = strategy;
        this.state = state;
        this.epoch = epoch;
        this.roundInEpoch = roundInEpoch;
    }

    @Override
    public Iterator<RoundSum<P>> call(Integer partition, Iterator<Shard> shards) {
        long start = System.nanoTime();
        Nd4jThreads.forTask(TaskContext.get());
        Shard shard = shards.next();
        Replica replica = ReplicaCache.get(runId, partition, () -> new Replica(config, shard));
        RoundSum<P> sum = strategy.work(replica, state.value(), epoch, roundInEpoch);
        return List.of(sum.withComputeMs((System.nanoTime() - start) / 1_000_000)).iterator();
    }
}
