package io.dptrain.engine;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;

import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Where a run stands in its plan: the rounds already completed (their metrics; none for a new run,
 * a checkpoint's for a resumed one) and, from that, the rounds still to run, each with its epoch and
 * its place in the epoch. The round engine's loop walks {@link #remaining()}; nothing else in it
 * knows whether the run was resumed.
 *
 * @param plan      the run's layout
 * @param completed metrics of rounds 1..n already done, in order
 */
public record RunSchedule(RunPlan plan, List<RoundMetrics> completed) {

    /**
     * One round still to run.
     *
     * @param round      1-based number in the run
     * @param epoch      1-based epoch it belongs to
     * @param inEpoch    0-based position in its epoch (replicas pick their minibatches by it)
     * @param endsEpoch  whether it is its epoch's last round (the epoch-end listeners follow it)
     */
    public record Slot(int round, int epoch, int inEpoch, boolean endsEpoch) {
    }

    public RunSchedule {
        Objects.requireNonNull(plan, "plan");
        completed = List.copyOf(completed);
        if (completed.size() > plan.totalRounds()) {
            throw new IllegalArgumentException(completed.size() + " rounds completed, beyond the plan's "
                    + plan.totalRounds() + " rounds");
        }
        for (int i = 0; i < completed.size(); i++) {
            if (completed.get(i).round() != i + 1) {
                throw new IllegalArgumentException("completed rounds must be 1.." + completed.size()
                        + " in order; position " + (i + 1) + " holds round " + completed.get(i).round());
            }
        }
    }

    /** A run that has not started. */
    public static RunSchedule start(RunPlan plan) {
        return new RunSchedule(plan, List.of());
    }

    /** The rounds after the completed ones, to the end of the plan. */
    public List<Slot> remaining() {
        int perEpoch = plan.roundsPerEpoch();
        return IntStream.rangeClosed(completed.size() + 1, plan.totalRounds())
                .mapToObj(round -> new Slot(round, (round - 1) / perEpoch + 1, (round - 1) % perEpoch,
                        round % perEpoch == 0))
                .toList();
    }

    /** Training time of the completed rounds (a resumed run's time includes it). */
    public long completedMillis() {
        return completed.stream().mapToLong(RoundMetrics::roundMs).sum();
    }
}
