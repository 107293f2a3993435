package io.dptrain.checkpoint;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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
    private final List<RoundMetrics> rounds = new ArrayList<>();
    private RunPlan plan;

    /**
     * @param earlier metrics of the rounds before this run's first (a resumed run's checkpoint), else empty
     */
    public CheckpointListener(CheckpointStore store, String fingerprint, int everyRounds, List<RoundMetrics> earlier) {
        if (everyRounds < 1) {
            throw new IllegalArgumentException("dptrain.checkpoint.every-rounds must be >= 1, got " + everyRounds);
        }
        this.store = Objects.requireNonNull(store, "store");
        this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
        this.everyRounds = everyRounds;
        this.earlier = List.copyOf(earlier);
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
        var path = store.write(Checkpoint.of(model, fingerprint, plan, rounds));
        LoggerFactory.getLogger(CheckpointListener.class).info("checkpoint after round {}: {}", rounds.size(), path);
    }
}
