package io.dptrain.engine.spark;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.Serializable;

/**
 * What the driver broadcasts each round: the parameters, the updater state (null when the strategy
 * does not send it) and DL4J's iteration count (Adam's bias correction depends on it).
 */
record ModelState(FlatVector params, FlatVector updaterState, int iteration) implements Serializable {

    /** A copy of {@code net}'s parameters, its updater state when {@code withUpdater}, and its iteration count. */
    static ModelState of(MultiLayerNetwork net, boolean withUpdater) {
        return new ModelState(FlatVector.of(net.params()),
                withUpdater ? FlatVector.of(Replica.updaterState(net)) : null, net.getIterationCount());
    }

    /**
     * {@link #of} without the copies: views of {@code net}'s own arrays ({@link FlatVector#viewOf}), for a reader
     * in the same JVM that is done with them before {@code net} changes: a barrier task's replica loading the
     * round's state from the task's copy of the driver's network (two copies of the parameters and Adam's state
     * fewer a round).
     */
    static ModelState viewOf(MultiLayerNetwork net, boolean withUpdater) {
        return new ModelState(FlatVector.viewOf(net.params()),
                withUpdater ? FlatVector.viewOf(Replica.updaterState(net)) : null, net.getIterationCount());
    }

    long bytes() {
        return params.bytes() + (updaterState == null ? 0 : updaterState.bytes());
    }
}
