package io.dptrain.engine.spark;

import java.io.Serializable;

/**
 * What the driver broadcasts each round: the parameters, the updater state (null when the strategy
 * does not send it) and DL4J's iteration count (Adam's bias correction depends on it).
 */
record ModelState(FlatVector params, FlatVector updaterState, int iteration) implements Serializable {

    long bytes() {
        return params.bytes() + (updaterState == null ? 0 : updaterState.bytes());
    }
}
