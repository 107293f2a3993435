package io.dptrain.engine.spark;

import io.dptrain.config.Choices.UpdaterState;
import io.dptrain.config.DptrainConfig;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;

/**
 * How replicas synchronize. Each method says on which side it runs; the object itself reaches the
 * executors once per run in a broadcast (in local mode they share the driver's instance, and tasks run
 * concurrently), so driver-only state must be transient and the executor methods must keep no state.
 *
 * @param <P> what this strategy's replicas send and the driver sums
 */
interface SyncStrategy<P extends Payload<P>> extends Serializable {

    /** Driver: rounds in an epoch when the largest shard has {@code maxBatches} minibatches. */
    default int roundsPerEpoch(int maxBatches) {
        return (maxBatches + batchesPerRound() - 1) / batchesPerRound();
    }

    /**
     * Minibatches a replica trains on per round: round r of an epoch takes those at positions
     * {@code r * batchesPerRound() ...} of its shard's epoch order (spilled shards deliver just those).
     */
    int batchesPerRound();

    /** Driver: whether replicas start a round from the driver's updater state too (else from their own). */
    boolean sendsUpdaterState();

    /** Driver: the state every replica starts the round from. */
    default ModelState state(MultiLayerNetwork driverNet) {
        return ModelState.of(driverNet, sendsUpdaterState());
    }

    /** Executor: the replica's contribution to round {@code roundInEpoch} (0-based) of a 1-based epoch. */
    RoundSum<P> work(Replica replica, ModelState state, int epoch, int roundInEpoch);

    /** Driver: turns the summed contributions into the driver network's next state. */
    void apply(MultiLayerNetwork driverNet, RoundSum<P> sum);

    /** Driver: state the strategy keeps beyond the network (the outer momentum), for checkpoints; or null. */
    default INDArray driverState() {
        return null;
    }

    /** Driver: continues from a checkpoint's {@link #driverState()} (null: none). */
    default void restoreDriverState(INDArray state) {
        if (state != null) {
            throw new IllegalArgumentException("the checkpoint holds engine state that " + getClass().getSimpleName()
                    + " does not keep");
        }
    }

    static SyncStrategy<?> of(DptrainConfig config) {
        DptrainConfig.Engine engine = config.engine();
        return switch (engine.mode()) {
            case PARAMETER_AVERAGING -> new ParameterAveraging(engine.localSteps(),
                    engine.updaterState() == UpdaterState.AVERAGED, engine.exchange(), new OuterStep(engine.outer()),
                    !engine.communicationOnly(), config.train().flushSubnormalsEvery());
            case GRADIENT_AVERAGING -> new GradientAveraging(engine.exchange(), !engine.communicationOnly(),
                    config.train().flushSubnormalsEvery());
            default -> throw new IllegalArgumentException("dptrain.engine.mode = '" + engine.mode().configName()
                    + "' is not a round-engine mode; allowed here: parameter-averaging, gradient-averaging");
        };
    }
}
