package io.dptrain;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.List;

/**
 * What a {@link Trainer} returns.
 *
 * @param model       the trained network (parameters and updater state)
 * @param plan        how the run was laid out
 * @param rounds      metrics of every round, in order
 * @param trainMillis wall time of the training loop (excluding data loading and Spark start)
 */
public record TrainingResult(MultiLayerNetwork model, RunPlan plan, List<RoundMetrics> rounds, long trainMillis) {
    public TrainingResult {
        rounds = List.copyOf(rounds);
    }

    /** Examples processed per second of training-loop wall time. */
    public double examplesPerSecond() {
        long examples = rounds.stream().mapToLong(RoundMetrics::examples).sum();
        return trainMillis == 0 ? 0 : examples * 1000.0 / trainMillis;
    }
}
