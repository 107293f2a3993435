package io.dptrain;

import java.io.Serializable;

/**
 * Measurements of one round. In the single-process trainer a round is one minibatch step and the
 * communication fields are zero. Times are milliseconds measured on the driver unless named
 * "compute" (measured inside the worker tasks).
 *
 * @param round           1-based round number over the whole run
 * @param epoch           1-based epoch the round belongs to
 * @param loss            mean training loss over the round's examples
 * @param examples        examples processed in the round (all workers)
 * @param computeMsMax    slowest worker's compute time (forward, backward, local updates)
 * @param computeMsMean   mean worker compute time
 * @param broadcastMs     driver time to serialize and broadcast the state
 * @param waitMs          round time not spent computing, broadcasting or combining: scheduling,
 *                        task start, result transfer (roundMs - computeMsMax - broadcastMs - combineMs)
 * @param combineMs       driver time to combine the aggregated sum into the new state (average,
 *                        updater step)
 * @param bytesBroadcast  bytes of the broadcast state (each executor fetches it once per round)
 * @param bytesAggregated bytes of partial results sent back (before tree merging)
 * @param roundMs         wall time of the round on the driver
 */
public record RoundMetrics(int round, int epoch, double loss, long examples, long computeMsMax, double computeMsMean,
                           long broadcastMs, long waitMs, long combineMs, long bytesBroadcast, long bytesAggregated,
                           long roundMs) implements Serializable {

    /** Share of the round not spent in the slowest worker's compute. */
    public double overhead() {
        return roundMs == 0 ? 0 : Math.max(0, roundMs - computeMsMax) / (double) roundMs;
    }
}
