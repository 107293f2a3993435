package io.dptrain.bench;

import io.dptrain.RoundMetrics;
import io.dptrain.config.Choices.EngineMode;
import io.dptrain.io.RunOutput;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.Provenance;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

/**
 * One benchmarked system read back from a training run's output folder (provenance.json and
 * metrics.jsonl), with the numbers a benchmark compares: steady-state throughput, the per-round
 * time and traffic breakdown, and the time to a target test accuracy.
 *
 * <p>Steady state skips the first {@code max(1, ceil(2% of the rounds))} rounds, which carry the
 * replica building and the JIT warm-up. A round is one minibatch step for single-process, one
 * averaging round for the dptrain engines and a whole epoch for dl4j-spark (so there the first
 * epoch is skipped). A run of a single round keeps it ({@link #warmupIncluded()}).
 *
 * @param dir         the run's output folder
 * @param mode        the engine it trained with (config.engine.mode)
 * @param workers     configured replicas; 0 means Spark's default parallelism
 * @param master      the Spark master of the run
 * @param trainRows   training rows per epoch
 * @param epochs      test accuracy after each epoch with the training time spent to reach it
 * @param rounds      every round's metrics, in order
 * @param trainMillis training-loop wall time of the whole run
 */
public record BenchmarkRun(Path dir, EngineMode mode, int workers, String master, long trainRows,
                           List<EpochEvaluation.Point> epochs, List<RoundMetrics> rounds, long trainMillis) {

    public BenchmarkRun {
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("run folder " + dir + ": " + RunOutput.METRICS + " has no rounds");
        }
        epochs = List.copyOf(epochs);
        rounds = List.copyOf(rounds);
    }

    /** Means over the steady rounds; overhead is empty where it does not apply. */
    public record Breakdown(int rounds, double roundMs, double computeMsMax, double computeMsMean,
                            double broadcastMs, double waitMs, double combineMs, double bytesBroadcast,
                            double bytesAggregated, OptionalDouble overhead) {
    }

    /**
     * When a run first reached the target accuracy, or, when it never did, the training time of its
     * last epoch (the cap) with {@code reached} false.
     */
    public record TimeToTarget(double target, int epoch, long millis, boolean reached, int epochsRun) {
        public double seconds() {
            return millis / 1000.0;
        }
    }

    /** Reads a run folder written by {@code dptrain train}; errors name the folder and what is wrong. */
    public static BenchmarkRun read(Path dir) {
        return of(RunFolder.read(dir));
    }

    static BenchmarkRun of(RunFolder folder) {
        Provenance p = folder.provenance();
        // runs from before provenance recorded the master Spark really used have the configuration's
        String master = p.sparkMaster() != null ? p.sparkMaster() : p.config().spark().master();
        // Communication-only runs train nothing, so their epochs are not evaluated (TrainJob); every other run's are.
        if (p.epochs().isEmpty() && !p.config().engine().communicationOnly()) {
            throw noEpochs(folder.dir());
        }
        return new BenchmarkRun(folder.dir(), p.config().engine().mode(), p.config().engine().workers(), master,
                p.trainRows(), p.epochs(), folder.rounds(), p.trainMillis());
    }

    /** Rounds skipped as warm-up: max(1, ceil(2% of the rounds)), none when the run has one round. */
    public int warmupRounds() {
        int n = rounds.size();
        return n == 1 ? 0 : Math.max(1, (int) Math.ceil(0.02 * n));
    }

    /** True when the run is too short to skip a warm-up round, so its numbers include it. */
    public boolean warmupIncluded() {
        return warmupRounds() == 0;
    }

    public List<RoundMetrics> steadyRounds() {
        return rounds.subList(warmupRounds(), rounds.size());
    }

    /** Examples per second of round wall time over the steady rounds; NaN when they took no time. */
    public double steadyExamplesPerSecond() {
        List<RoundMetrics> steady = steadyRounds();
        long examples = steady.stream().mapToLong(RoundMetrics::examples).sum();
        long millis = steady.stream().mapToLong(RoundMetrics::roundMs).sum();
        return millis == 0 ? Double.NaN : examples * 1000.0 / millis;
    }

    /**
     * Means over the steady rounds, and overhead = 1 - sum(computeMsMax) / sum(roundMs): the share
     * of the round not spent in the slowest replica's compute. Overhead applies to the dptrain
     * distributed engines only (single-process has no communication, dl4j-spark reports no compute).
     */
    public Breakdown breakdown() {
        List<RoundMetrics> steady = steadyRounds();
        long roundMs = steady.stream().mapToLong(RoundMetrics::roundMs).sum();
        long computeMs = steady.stream().mapToLong(RoundMetrics::computeMsMax).sum();
        OptionalDouble overhead = mode.roundEngine() && roundMs > 0
                ? OptionalDouble.of(1 - computeMs / (double) roundMs) : OptionalDouble.empty();
        return new Breakdown(steady.size(), mean(steady, RoundMetrics::roundMs), mean(steady, RoundMetrics::computeMsMax),
                mean(steady, RoundMetrics::computeMsMean), mean(steady, RoundMetrics::broadcastMs),
                mean(steady, RoundMetrics::waitMs), mean(steady, RoundMetrics::combineMs),
                mean(steady, RoundMetrics::bytesBroadcast), mean(steady, RoundMetrics::bytesAggregated), overhead);
    }

    private static double mean(List<RoundMetrics> rounds, ToDoubleFunction<RoundMetrics> field) {
        return rounds.stream().mapToDouble(field).average().orElse(Double.NaN);
    }

    /** Training time of the first epoch whose test accuracy is at least {@code target}, or of the last epoch. */
    public TimeToTarget timeToTarget(double target) {
        if (epochs.isEmpty()) {
            throw noEpochs(dir);
        }
        for (EpochEvaluation.Point p : epochs) {
            if (p.accuracy() >= target) {
                return new TimeToTarget(target, p.epoch(), p.trainMillis(), true, epochs.size());
            }
        }
        EpochEvaluation.Point last = epochs.get(epochs.size() - 1);
        return new TimeToTarget(target, last.epoch(), last.trainMillis(), false, epochs.size());
    }

    /** Test accuracy after the given (1-based) epoch, empty when the run did not evaluate it. */
    public OptionalDouble accuracyAfter(int epoch) {
        return epochs.stream().filter(p -> p.epoch() == epoch).mapToDouble(EpochEvaluation.Point::accuracy).findFirst();
    }

    public int lastEpoch() {
        return epochs.stream().mapToInt(EpochEvaluation.Point::epoch).max().orElse(0);
    }

    private static IllegalArgumentException noEpochs(Path dir) {
        return new IllegalArgumentException("run folder " + dir + ": " + RunOutput.PROVENANCE
                + " has no per-epoch test accuracy (epochs is empty)");
    }
}
