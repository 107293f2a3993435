package io.dptrain.checkpoint;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.Trainer;
import io.dptrain.TrainingListener;
import io.dptrain.config.Choices.EngineMode;
import io.dptrain.config.DptrainConfig;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Writes a {@link Checkpoint} after every {@code everyRounds}-th round and after each epoch's last
 * round (once, after the epoch-end listeners added before it). Add it after listeners that may reject
 * a round (the divergence check), so a diverged state is never saved. At the start it deletes the
 * folder's checkpoints after the run's first round: they belong to a run this one supersedes.
 */
public final class CheckpointListener implements TrainingListener {
    private final CheckpointStore store;
    private final String fingerprint;
    private final int everyRounds;
    private final List<RoundMetrics> earlier;
    private final Supplier<INDArray> engineState;
    private final List<RoundMetrics> rounds = new ArrayList<>();
    private RunPlan plan;

    /**
     * @param earlier metrics of the rounds before this run's first (a resumed run's checkpoint), else empty
     */
    public CheckpointListener(CheckpointStore store, String fingerprint, int everyRounds, List<RoundMetrics> earlier) {
        this(store, fingerprint, everyRounds, earlier, () -> null);
    }

    /**
     * @param earlier     metrics of the rounds before this run's first (a resumed run's checkpoint), else empty
     * @param engineState the trainer's state beyond the network at each write (io.dptrain.Trainer#engineState)
     */
    public CheckpointListener(CheckpointStore store, String fingerprint, int everyRounds, List<RoundMetrics> earlier,
                              Supplier<INDArray> engineState) {
        if (everyRounds < 1) {
            throw new IllegalArgumentException("dptrain.checkpoint.every-rounds must be >= 1, got " + everyRounds);
        }
        this.store = Objects.requireNonNull(store, "store");
        this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
        this.everyRounds = everyRounds;
        this.earlier = List.copyOf(earlier);
        this.engineState = Objects.requireNonNull(engineState, "engineState");
    }

    /**
     * The checkpoint writer that {@code config} asks for ({@code dptrain.checkpoint.*}), or none when
     * {@code dptrain.checkpoint.dir} is empty. The caller adds it to the trainer after its other
     * listeners. Only the round engines (parameter and gradient averaging) can resume, so only they
     * may write checkpoints.
     *
     * @param earlier metrics of the rounds a resumed run's checkpoint holds, else empty
     * @param trainer the trainer it is added to (its engine state goes into each checkpoint)
     */
    public static Optional<CheckpointListener> forRun(DptrainConfig config, Configuration hadoop,
                                                       List<RoundMetrics> earlier, Trainer trainer) {
        if (!config.checkpoint().enabled()) {
            return Optional.empty();
        }
        requireRoundEngine(config);
        return Optional.of(new CheckpointListener(CheckpointStore.of(config.checkpoint(), hadoop),
                Checkpoint.fingerprint(config), config.checkpoint().everyRounds(), earlier, trainer::engineState));
    }

    /**
     * Fails unless {@code dptrain.engine.mode} is one of the round engines, the only ones that write
     * checkpoints and resume from them.
     */
    public static void requireRoundEngine(DptrainConfig config) {
        EngineMode mode = config.engine().mode();
        if (!mode.roundEngine()) {
            throw new IllegalArgumentException("dptrain.engine.mode = '" + mode.configName() + "' does not support "
                    + "checkpoints or --resume; only parameter-averaging and gradient-averaging do: leave "
                    + "dptrain.checkpoint.dir empty or choose one of those modes");
        }
    }

    @Override
    public void onStart(RunPlan plan) {
        this.plan = plan;
        store.deleteAfter(earlier.size());
        rounds.clear();
        rounds.addAll(earlier);
    }

    @Override
    public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
        rounds.add(metrics);
        if (metrics.round() % everyRounds == 0 && metrics.round() % plan.roundsPerEpoch() != 0) {
            write(model);
        }
    }

    @Override
    public void onEpochEnd(int epoch, MultiLayerNetwork model) {
        write(model);
    }

    private void write(MultiLayerNetwork model) {
        var path = store.write(Checkpoint.of(model, engineState.get(), fingerprint, plan, rounds));
        LoggerFactory.getLogger(CheckpointListener.class).info("checkpoint after round {}: {}", rounds.size(), path);
    }
}
