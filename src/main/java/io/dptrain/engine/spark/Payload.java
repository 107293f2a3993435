package io.dptrain.engine.spark;

import java.io.Serializable;

/**
 * What one strategy's replicas send each round and treeAggregate sums: each {@link SyncStrategy} has
 * its own type (parameter averaging: weighted parameters or deltas and updater state; gradient
 * averaging: gradients), so adding to one strategy never grows the other's.
 *
 * @param <P> the strategy's own payload type
 */
interface Payload<P extends Payload<P>> extends Serializable {

    /** Adds {@code other} into this and returns the sum (Spark lets the combiner reuse its first argument). */
    P plus(P other);

    /** Bytes this payload puts on the wire as a task result (a leaf's, in its exchange format). */
    long bytes();
}
