package io.dptrain.engine.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Executor side, one per JVM: the replicas of the runs this executor takes part in, by run and then
 * partition. Safe with several task slots per executor (each partition has its own replica; two
 * tasks of one partition never run at once within a run) and with several runs at once in one
 * application (a notebook, a test suite): runs never drop each other's replicas.
 *
 * <p>Bound: the replicas of at most {@link #MAX_RUNS} runs are kept; taking a replica of one more run
 * drops the replicas of the run used least recently. A run normally releases its replicas at its end
 * ({@link #release}); the bound is for runs that never do (a driver that died), so they leak nothing
 * for long. A run still going whose replicas were dropped rebuilds them from the broadcast state at
 * its next round: slower, never wrong (replicas are a cache).
 */
public final class ReplicaCache {
    /** Runs whose replicas are kept per JVM: more concurrent runs than this rebuild each other's. */
    static final int MAX_RUNS = 4;

    /** Run id -> (partition -> replica), least recently used run first. Guarded by itself. */
    private static final LinkedHashMap<String, Map<Integer, Replica>> RUNS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<Integer, Replica>> eldest) {
            return size() > MAX_RUNS;
        }
    };

    /** Tests observe replica builds here (run id, partition); null otherwise. */
    static volatile BiConsumer<String, Integer> onBuild;

    private ReplicaCache() {
    }

    /** The run's replica of {@code partition}, built by {@code build} if this JVM has none. */
    static Replica get(String runId, int partition, Supplier<Replica> build) {
        Map<Integer, Replica> run;
        synchronized (RUNS) {
            run = RUNS.computeIfAbsent(runId, id -> new ConcurrentHashMap<>());
        }
        // Built outside the lock: the runs (and partitions) of this JVM build their replicas in parallel.
        return run.computeIfAbsent(partition, p -> {
            BiConsumer<String, Integer> hook = onBuild;
            if (hook != null) {
                hook.accept(runId, p);
            }
            return build.get();
        });
    }

    /** Drops one run's replicas in this JVM; returns how many were dropped. */
    static int release(String runId) {
        Map<Integer, Replica> run;
        synchronized (RUNS) {
            run = RUNS.remove(runId);
        }
        return run == null ? 0 : run.size();
    }

    /** Drops every replica in this JVM (tests use it to show replicas are only a cache). */
    public static void clear() {
        synchronized (RUNS) {
            RUNS.clear();
        }
    }

    /** Replicas held in this JVM. */
    public static int size() {
        synchronized (RUNS) {
            return RUNS.values().stream().mapToInt(Map::size).sum();
        }
    }
}
