package io.dptrain;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Cross-cutting work around the training loop (progress, metrics, evaluation, divergence checks,
 * checkpoints) lives in listeners, called on the driver. The model passed in holds the current
 * parameters; a listener must not change it. Throwing from a listener stops the run.
 */
public interface TrainingListener {

    /** Before the first round. */
    default void onStart(RunPlan plan) {
    }

    /** After each round, with the model at the round's resulting parameters. */
    default void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
    }

    /** After the last round of a 1-based epoch. */
    default void onEpochEnd(int epoch, MultiLayerNetwork model) {
    }

    /** After the last round, also when the run stopped early with an exception (then result is null). */
    default void onEnd(TrainingResult result) {
    }
}
