package io.dptrain.engine.spark;

import java.io.Serializable;

/**
 * A sum over replicas, built by treeAggregate: a weighted sum of one or two flat vectors (parameters
 * and updater state, or gradients), the summed loss and examples, and the workers' compute times.
 * The empty sum holds no arrays, so the zero value Spark ships to every task costs nothing.
 */
final class RoundSum implements Serializable {
    private static final long serialVersionUID = 1L;

    FlatVector vector;
    FlatVector updaterState;
    double lossSum;
    long examples;
    long computeMsMax;
    long computeMsSum;
    int tasks;
    int contributors;
    int maxSteps;

    static RoundSum empty() {
        return new RoundSum();
    }

    /** Bytes of the vectors one contributing replica sends. */
    long bytesPerContributor() {
        return (vector == null ? 0 : vector.bytes()) + (updaterState == null ? 0 : updaterState.bytes());
    }

    /** One replica's contribution: vector and updater state scaled by weight. */
    static RoundSum of(FlatVector vector, FlatVector updaterState, double weight, double lossSum, long examples,
                       int steps) {
        RoundSum s = new RoundSum();
        s.vector = vector.scaled(weight);
        s.updaterState = updaterState == null ? null : updaterState.scaled(weight);
        s.lossSum = lossSum;
        s.examples = examples;
        s.maxSteps = steps;
        s.contributors = examples > 0 ? 1 : 0;
        return s;
    }

    RoundSum withComputeMs(long ms) {
        computeMsMax = ms;
        computeMsSum = ms;
        tasks = 1;
        return this;
    }

    /** Adds other into this (Spark allows the aggregator to reuse its first argument). */
    RoundSum merge(RoundSum other) {
        vector = add(vector, other.vector);
        updaterState = add(updaterState, other.updaterState);
        lossSum += other.lossSum;
        examples += other.examples;
        computeMsMax = Math.max(computeMsMax, other.computeMsMax);
        computeMsSum += other.computeMsSum;
        tasks += other.tasks;
        contributors += other.contributors;
        maxSteps = Math.max(maxSteps, other.maxSteps);
        return this;
    }

    private static FlatVector add(FlatVector into, FlatVector other) {
        if (other == null) {
            return into;
        }
        return into == null ? other : into.add(other);
    }
}
