package io.dptrain.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dptrain.RoundMetrics;
import io.dptrain.config.Choices.EngineMode;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

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

    private static final ObjectMapper JSON = new ObjectMapper();

    public BenchmarkRun {
        if (epochs.isEmpty()) {
            throw new IllegalArgumentException("run folder " + dir + ": " + RunOutput.PROVENANCE
                    + " has no per-epoch test accuracy (epochs is empty)");
        }
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
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("run folder " + dir + " does not exist or is not a folder");
        }
        Path provenanceFile = dir.resolve(RunOutput.PROVENANCE);
        if (!Files.isRegularFile(provenanceFile)) {
            throw new IllegalArgumentException("run folder " + dir + " has no " + RunOutput.PROVENANCE
                    + ": give the output folder (output.dir) of a finished `dptrain train` run");
        }
        JsonNode p;
        try {
            p = JSON.readTree(provenanceFile.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + provenanceFile + ": " + e.getMessage(), e);
        }
        String modeName = text(p, "/config/engine/mode", provenanceFile);
        EngineMode mode = Arrays.stream(EngineMode.values()).filter(m -> m.configName().equals(modeName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("run folder " + dir + ": engine mode '" + modeName
                        + "' in " + RunOutput.PROVENANCE + " is unknown; allowed: " + Arrays.stream(EngineMode.values())
                        .map(EngineMode::configName).collect(Collectors.joining(", "))));
        List<EpochEvaluation.Point> epochs = new ArrayList<>();
        for (JsonNode e : p.path("epochs")) {
            epochs.add(new EpochEvaluation.Point(e.path("epoch").asInt(), e.path("accuracy").asDouble(),
                    e.path("trainMillis").asLong()));
        }
        return new BenchmarkRun(dir, mode, p.at("/config/engine/workers").asInt(0),
                p.at("/sparkMaster").asText(p.at("/config/spark/master").asText("")), number(p, "/trainRows", provenanceFile).longValue(),
                epochs, readRounds(dir.resolve(RunOutput.METRICS)), number(p, "/trainMillis", provenanceFile).longValue());
    }

    private static List<RoundMetrics> readRounds(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("run folder " + file.getParent() + " has no " + RunOutput.METRICS);
        }
        List<RoundMetrics> rounds = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode m = JSON.readTree(line);
                String where = file + " line " + lineNo;
                JsonNode loss = m.path("loss");
                rounds.add(new RoundMetrics(number(m, "/round", where).intValue(), number(m, "/epoch", where).intValue(),
                        loss.isNumber() ? loss.asDouble() : Double.NaN, number(m, "/examples", where).longValue(),
                        number(m, "/computeMsMax", where).longValue(), number(m, "/computeMsMean", where).doubleValue(),
                        number(m, "/broadcastMs", where).longValue(), number(m, "/waitMs", where).longValue(),
                        number(m, "/combineMs", where).longValue(), number(m, "/bytesBroadcast", where).longValue(),
                        number(m, "/bytesAggregated", where).longValue(), number(m, "/roundMs", where).longValue()));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return rounds;
    }

    private static String text(JsonNode node, String pointer, Object where) {
        JsonNode v = node.at(pointer);
        if (!v.isTextual()) {
            throw new IllegalArgumentException(where + " has no text at " + pointer);
        }
        return v.asText();
    }

    private static Number number(JsonNode node, String pointer, Object where) {
        JsonNode v = node.at(pointer);
        if (!v.isNumber()) {
            throw new IllegalArgumentException(where + " has no number at " + pointer);
        }
        return v.numberValue();
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
        boolean distributed = mode == EngineMode.PARAMETER_AVERAGING || mode == EngineMode.GRADIENT_AVERAGING;
        OptionalDouble overhead = distributed && roundMs > 0
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
}
