package io.dptrain.engine.spark;

import java.io.Serializable;

/**
 * A sum over replicas, built by treeAggregate: the strategy's summed {@link Payload}, the summed loss
 * and examples, the bytes the replicas sent, and the workers' compute times. The empty sum holds no
 * payload, so the zero value Spark ships to every task costs nothing.
 *
 * @param <P> the strategy's payload
 */
final class RoundSum<P extends Payload<P>> implements Serializable {
    private static final long serialVersionUID = 2L;

    P payload;
    double lossSum;
    long examples;
    long bytesSent;
    long computeMsMax;
    long computeMsSum;
    int tasks;
    int contributors;

    static <P extends Payload<P>> RoundSum<P> empty() {
        return new RoundSum<>();
    }

    /** One replica's contribution. */
    static <P extends Payload<P>> RoundSum<P> of(P payload, double lossSum, long examples) {
        RoundSum<P> s = new RoundSum<>();
        s.payload = payload;
        s.lossSum = lossSum;
        s.examples = examples;
        s.bytesSent = payload.bytes();
        s.contributors = examples > 0 ? 1 : 0;
        return s;
    }

    RoundSum<P> withComputeMs(long ms) {
        computeMsMax = ms;
        computeMsSum = ms;
        tasks = 1;
        return this;
    }

    /** Adds other into this (Spark allows the aggregator to reuse its first argument). */
    RoundSum<P> merge(RoundSum<P> other) {
        payload = payload == null ? other.payload : other.payload == null ? payload : payload.plus(other.payload);
        lossSum += other.lossSum;
        examples += other.examples;
        bytesSent += other.bytesSent;
        computeMsMax = Math.max(computeMsMax, other.computeMsMax);
        computeMsSum += other.computeMsSum;
        tasks += other.tasks;
        contributors += other.contributors;
        return this;
    }
}
