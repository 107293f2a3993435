package io.dptrain.engine.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Executor side, one per JVM: the replicas of the runs this executor takes part in, keyed by run and
 * partition. Safe with several task slots per executor (each partition has its own replica; two
 * tasks of one partition never run at once within a run). Starting a replica of a new run drops the
 * replicas of older runs, so a driver that died without cleaning up leaks nothing for long.
 */
public final class ReplicaCache {
    private record Key(String runId, int partition) {
    }

    private static final Map<Key, Replica> REPLICAS = new ConcurrentHashMap<>();

    private ReplicaCache() {
    }

    static Replica get(String runId, int partition, Supplier<Replica> build) {
        Key key = new Key(runId, partition);
        Replica replica = REPLICAS.get(key);
        if (replica == null) {
            REPLICAS.keySet().removeIf(k -> !k.runId().equals(runId));
            replica = REPLICAS.computeIfAbsent(key, k -> build.get());
        }
        return replica;
    }

    /** Drops one run's replicas in this JVM; returns how many were dropped. */
    static int release(String runId) {
        int before = REPLICAS.size();
        REPLICAS.keySet().removeIf(k -> k.runId().equals(runId));
        return before - REPLICAS.size();
    }

    /** Drops every replica in this JVM (tests use it to show replicas are only a cache). */
    public static void clear() {
        REPLICAS.clear();
    }

    /** Replicas held in this JVM. */
    public static int size() {
        return REPLICAS.size();
    }
}
