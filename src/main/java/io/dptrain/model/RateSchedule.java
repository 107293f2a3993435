package io.dptrain.model;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The learning rate over a run: {@code rate * decay^epoch}, ramped linearly over the first
 * {@code warmupSteps} updater steps (step i, 0-based, gets {@code (i + 1) / warmupSteps} of it, as
 * DL4J's RampSchedule does). Iteration and epoch are DL4J's counters, which every engine keeps alike
 * (the round engines broadcast the iteration count and set the epoch), so all engines follow one
 * schedule. Written here rather than composing ExponentialSchedule and RampSchedule because
 * RampSchedule has no JSON creator: a network using it could be saved but not loaded back.
 */
public final class RateSchedule implements ISchedule {
    private static final long serialVersionUID = 1L;
    private final double rate;
    private final double decay;
    private final int warmupSteps;

    public RateSchedule(@JsonProperty("rate") double rate, @JsonProperty("decay") double decay,
                        @JsonProperty("warmupSteps") int warmupSteps) {
        this.rate = rate;
        this.decay = decay;
        this.warmupSteps = warmupSteps;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double value = decay == 1 ? rate : rate * Math.pow(decay, epoch);
        return iteration >= warmupSteps - 1 ? value : value * (iteration + 1) / warmupSteps;
    }

    @Override
    public ISchedule clone() {
        return new RateSchedule(rate, decay, warmupSteps);
    }

    public double getRate() {
        return rate;
    }

    public double getDecay() {
        return decay;
    }

    public int getWarmupSteps() {
        return warmupSteps;
    }
}
