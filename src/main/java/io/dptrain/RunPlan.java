package io.dptrain;

import java.io.Serializable;

/**
 * The layout of a run, known before the first round.
 *
 * @param mode             the engine's config name, e.g. "single-process"
 * @param workers          replicas training in parallel (1 for single-process)
 * @param epochs           passes over the data
 * @param roundsPerEpoch   rounds in one epoch
 * @param examplesPerEpoch training examples
 */
public record RunPlan(String mode, int workers, int epochs, int roundsPerEpoch, long examplesPerEpoch)
        implements Serializable {

    /** Rounds in the whole run. */
    public int totalRounds() {
        return epochs * roundsPerEpoch;
    }
}
