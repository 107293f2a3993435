package io.dptrain.engine.spark;

import io.dptrain.config.Choices.UpdaterState;
import io.dptrain.config.DptrainConfig;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.Serializable;

/**
 * How replicas synchronize. Each method says on which side it runs; the object itself is shipped
 * to the executors inside every round's task, so driver-only state must be transient.
 */
interface SyncStrategy extends Serializable {

    /** Driver: rounds in an epoch when the largest shard has {@code maxBatches} minibatches. */
    int roundsPerEpoch(int maxBatches);

    /** Driver: the state every replica starts the round from. */
    ModelState state(MultiLayerNetwork driverNet);

    /** Executor: the replica's contribution to round {@code roundInEpoch} (0-based) of a 1-based epoch. */
    RoundSum work(Replica replica, ModelState state, int epoch, int roundInEpoch);

    /** Driver: turns the summed contributions into the driver network's next state. */
    void apply(MultiLayerNetwork driverNet, RoundSum sum);

    static SyncStrategy of(DptrainConfig config) {
        DptrainConfig.Engine engine = config.engine();
        return switch (engine.mode()) {
            case PARAMETER_AVERAGING -> new ParameterAveraging(engine.localSteps(),
                    engine.updaterState() == UpdaterState.AVERAGED);
            case GRADIENT_AVERAGING -> new GradientAveraging();
            default -> throw new IllegalArgumentException("dptrain.engine.mode = '" + engine.mode().configName()
                    + "' is not a round-engine mode; allowed here: parameter-averaging, gradient-averaging");
        };
    }
}
