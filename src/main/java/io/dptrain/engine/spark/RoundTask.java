package io.dptrain.engine.spark;

import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.Shard;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;

/**
 * Executor side: one round on one shard. Gets (or builds) the partition's replica, loads the
 * broadcast state and lets the strategy compute the replica's contribution. The compute time it
 * reports includes a replica build, so a rebuild after an executor loss shows up in the metrics.
 *
 * <p>The task itself is small: the config and the strategy reach the executors once per run in a
 * broadcast {@link Run} (each executor deserializes it once), not in every round's closure.
 */
final class RoundTask<P extends Payload<P>> implements Function2<Integer, Iterator<Shard>, Iterator<RoundSum<P>>> {
    private static final long serialVersionUID = 2L;
    private final String runId;
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

    @Override
    public Iterator<RoundSum<P>> call(Integer partition, Iterator<Shard> shards) {
        long start = System.nanoTime();
        Nd4jThreads.forTask(TaskContext.get());
        Shard shard = shards.next();
        Run<P> shared = run.value();
        Replica replica = ReplicaCache.get(runId, partition, () -> new Replica(shared.config(), shard));
        RoundSum<P> sum = shared.strategy().work(replica, state.value(), epoch, roundInEpoch);
        return List.of(sum.withComputeMs((System.nanoTime() - start) / 1_000_000)).iterator();
    }
}
