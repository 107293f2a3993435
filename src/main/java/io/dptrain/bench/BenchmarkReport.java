package io.dptrain.bench;

import io.dptrain.config.Choices.EngineMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * Compares training runs of the four engines (single-process, parameter-averaging,
 * gradient-averaging, dl4j-spark) on the same task: steady-state throughput and its ratio to
 * single-process, the per-round breakdown of the dptrain engines, test accuracy after each epoch and
 * the time to a target accuracy. {@link #toText()} is the markdown followed by one machine-readable
 * {@link #summaryLine() SUMMARY} line; {@link #writeTo} also draws accuracy against training time.
 */
public final class BenchmarkReport {
    /** Test accuracy whose time to reach is compared (LeNet on Fashion-MNIST reaches it in a few epochs). */
    public static final double DEFAULT_TARGET = 0.88;
    public static final String MARKDOWN_FILE = "report.md";
    public static final String CHART_FILE = "accuracy-vs-time.png";

    /** Table order: the reference first, the baseline last. */
    private static final List<EngineMode> ORDER = List.of(EngineMode.SINGLE_PROCESS, EngineMode.PARAMETER_AVERAGING,
            EngineMode.GRADIENT_AVERAGING, EngineMode.DL4J_SPARK);

    /** The machine the report is made on (the benchmark runs on it too), and the date. */
    public record Machine(int cores, String os, String arch, String java, LocalDate date) {
        public static Machine current() {
            return new Machine(Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                    System.getProperty("os.arch"), System.getProperty("java.version"), LocalDate.now());
        }

        /** The reports' machine line: "Machine: 2 cores (...), Linux amd64, Java 17; report of DATE." */
        String markdownLine() {
            return String.format(Locale.ROOT, "Machine: %d cores (Runtime.availableProcessors), %s %s, Java %s; "
                    + "report of %s.", cores, os, arch, java, date);
        }
    }

    private final Map<EngineMode, BenchmarkRun> runs = new EnumMap<>(EngineMode.class);
    private final double target;
    private final Machine machine;

    /** At most one run per engine mode; target in (0, 1]. */
    public BenchmarkReport(List<BenchmarkRun> runs, double target, Machine machine) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to report on: give at least one run folder");
        }
        if (!(target > 0 && target <= 1)) {
            throw new IllegalArgumentException("target accuracy " + target + " is not allowed; allowed: (0, 1]");
        }
        for (BenchmarkRun run : runs) {
            BenchmarkRun other = this.runs.put(run.mode(), run);
            if (other != null) {
                throw new IllegalArgumentException("run folders " + other.dir() + " and " + run.dir()
                        + " are both " + run.mode().configName() + "; give one run per engine mode");
            }
        }
        this.target = target;
        this.machine = machine;
    }

    /** Reads the run folders (see {@link BenchmarkRun#read}) and reports on this machine, today. */
    public static BenchmarkReport read(List<Path> dirs, double target) {
        return new BenchmarkReport(dirs.stream().map(BenchmarkRun::read).toList(), target, Machine.current());
    }

    /** The runs in table order: single-process, parameter-averaging, gradient-averaging, dl4j-spark. */
    public List<BenchmarkRun> runs() {
        return ORDER.stream().filter(runs::containsKey).map(runs::get).toList();
    }

    public Optional<BenchmarkRun> run(EngineMode mode) {
        return Optional.ofNullable(runs.get(mode));
    }

    public double target() {
        return target;
    }

    /** Steady examples/s of {@code mode} divided by that of {@code reference}; empty when either is missing. */
    public OptionalDouble throughputRatio(EngineMode mode, EngineMode reference) {
        return ratio(mode, reference, BenchmarkRun::steadyExamplesPerSecond);
    }

    /** Time to target of {@code mode} divided by that of {@code reference} (lower is better). */
    public OptionalDouble timeToTargetRatio(EngineMode mode, EngineMode reference) {
        return ratio(mode, reference, r -> (double) r.timeToTarget(target).millis());
    }

    /** Test accuracy of single-process minus that of {@code mode} after the last epoch both ran, in points. */
    public OptionalDouble accuracyGapPoints(EngineMode mode) {
        BenchmarkRun single = runs.get(EngineMode.SINGLE_PROCESS);
        BenchmarkRun other = runs.get(mode);
        if (single == null || other == null) {
            return OptionalDouble.empty();
        }
        int epoch = Math.min(single.lastEpoch(), other.lastEpoch());
        OptionalDouble a = single.accuracyAfter(epoch);
        OptionalDouble b = other.accuracyAfter(epoch);
        return a.isPresent() && b.isPresent() ? OptionalDouble.of(100 * (a.getAsDouble() - b.getAsDouble()))
                : OptionalDouble.empty();
    }

    private OptionalDouble ratio(EngineMode mode, EngineMode reference, Function<BenchmarkRun, Double> value) {
        BenchmarkRun a = runs.get(mode);
        BenchmarkRun b = runs.get(reference);
        return a == null || b == null ? OptionalDouble.empty() : OptionalDouble.of(value.apply(a) / value.apply(b));
    }

    /**
     * {@code SUMMARY pa_vs_single=R ga_vs_single=R pa_vs_dl4jspark=R tta_vs_single=R
     * tta_vs_dl4jspark=R pa_overhead=F ga_overhead=F acc_gap_pts=P}, three decimals, {@code na}
     * where a system it needs is missing.
     */
    public String summaryLine() {
        EngineMode pa = EngineMode.PARAMETER_AVERAGING;
        EngineMode single = EngineMode.SINGLE_PROCESS;
        EngineMode dl4j = EngineMode.DL4J_SPARK;
        return "SUMMARY pa_vs_single=" + fixed(throughputRatio(pa, single))
                + " ga_vs_single=" + fixed(throughputRatio(EngineMode.GRADIENT_AVERAGING, single))
                + " pa_vs_dl4jspark=" + fixed(throughputRatio(pa, dl4j))
                + " tta_vs_single=" + fixed(timeToTargetRatio(pa, single))
                + " tta_vs_dl4jspark=" + fixed(timeToTargetRatio(pa, dl4j))
                + " pa_overhead=" + fixed(overhead(pa))
                + " ga_overhead=" + fixed(overhead(EngineMode.GRADIENT_AVERAGING))
                + " acc_gap_pts=" + fixed(accuracyGapPoints(pa));
    }

    private OptionalDouble overhead(EngineMode mode) {
        BenchmarkRun run = runs.get(mode);
        return run == null ? OptionalDouble.empty() : run.breakdown().overhead();
    }

    /** The markdown: machine, the comparison table, the per-round breakdown and which folders were read. */
    public String toMarkdown() {
        List<BenchmarkRun> ordered = runs();
        int epochs = ordered.stream().mapToInt(BenchmarkRun::lastEpoch).max().orElse(0);
        StringBuilder md = new StringBuilder("# Benchmark: data-parallel training\n\n");
        md.append(machine.markdownLine()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Target test accuracy %.3f. Steady state skips the first max(1, ceil(2%%))"
                + " rounds of each run (replica building, JIT warm-up); a round is one minibatch step for "
                + "single-process and a whole epoch for dl4j-spark. Times are training-loop time, evaluation "
                + "excluded.%n%n", target));

        md.append("| system | workers | steady ex/s | vs single-process |");
        for (int e = 1; e <= epochs; e++) {
            md.append(" acc. epoch ").append(e).append(" |");
        }
        md.append(String.format(Locale.ROOT, " time to %.3f (s) |%n|---|---|---:|---:|", target));
        md.append("---:|".repeat(epochs)).append("---|\n");
        for (BenchmarkRun run : ordered) {
            md.append("| ").append(run.mode().configName()).append(" | ").append(workers(run)).append(" | ")
                    .append(fixed(run.steadyExamplesPerSecond(), 1)).append(" | ")
                    .append(fixed(throughputRatio(run.mode(), EngineMode.SINGLE_PROCESS))).append(" |");
            for (int e = 1; e <= epochs; e++) {
                OptionalDouble acc = run.accuracyAfter(e);
                md.append(' ').append(acc.isPresent() ? fixed(acc.getAsDouble(), 4) : "").append(" |");
            }
            md.append(' ').append(timeToTarget(run.timeToTarget(target))).append(" |\n");
        }

        List<BenchmarkRun> dptrain = ordered.stream().filter(r -> r.mode() != EngineMode.DL4J_SPARK).toList();
        if (!dptrain.isEmpty()) {
            md.append("\n## Per-round breakdown (dptrain engines, means over the steady rounds)\n\n")
                    .append("| system | rounds | round ms | compute max ms | compute mean ms | broadcast ms | wait ms "
                            + "| combine ms | broadcast MB | aggregated MB | overhead |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (BenchmarkRun run : dptrain) {
                BenchmarkRun.Breakdown b = run.breakdown();
                md.append("| ").append(run.mode().configName()).append(" | ").append(b.rounds());
                for (double ms : new double[]{b.roundMs(), b.computeMsMax(), b.computeMsMean(), b.broadcastMs(),
                        b.waitMs(), b.combineMs()}) {
                    md.append(" | ").append(fixed(ms, 1));
                }
                md.append(" | ").append(fixed(b.bytesBroadcast() / 1e6, 3))
                        .append(" | ").append(fixed(b.bytesAggregated() / 1e6, 3))
                        .append(" | ").append(b.overhead().isPresent() ? fixed(b.overhead().getAsDouble(), 3) : "n/a")
                        .append(" |\n");
            }
            md.append("\nOverhead = 1 - sum(compute max) / sum(round): the share of a round not spent in the slowest "
                    + "replica's compute (n/a for single-process, which does not communicate).\n");
        }

        md.append("\n## Runs\n\n");
        for (BenchmarkRun run : ordered) {
            md.append(String.format(Locale.ROOT, "- %s: `%s`, %d training rows, %d epochs, %d rounds (%s)%n",
                    run.mode().configName(), run.dir(), run.trainRows(), run.lastEpoch(), run.rounds().size(),
                    run.warmupIncluded() ? "only one round: warm-up included"
                            : run.warmupRounds() + " skipped as warm-up"));
        }
        List<String> missing = ORDER.stream().filter(m -> !runs.containsKey(m)).map(EngineMode::configName).toList();
        if (!missing.isEmpty()) {
            md.append("\nNot run: ").append(String.join(", ", missing)).append(" (their SUMMARY values are na).\n");
        }
        return md.toString();
    }

    /** The markdown followed by the SUMMARY line, which is the last line. */
    public String toText() {
        return toMarkdown() + "\n" + summaryLine() + "\n";
    }

    /** Draws the accuracy-vs-time chart (PNG, 900x500). */
    public void writeChart(Path png) {
        BenchmarkChart.write(runs().stream()
                .map(r -> new BenchmarkChart.Series(r.mode().configName(), r.epochs())).toList(), target, png);
    }

    /** Writes {@value #MARKDOWN_FILE} ({@link #toText()}) and {@value #CHART_FILE} into {@code dir}, creating it. */
    public void writeTo(Path dir) {
        writeMarkdown(dir, toText());
        writeChart(dir.resolve(CHART_FILE));
    }

    /** Writes {@code text} as {@value #MARKDOWN_FILE} into {@code dir}, creating it (the benchmark reports' file). */
    static void writeMarkdown(Path dir, String text) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(MARKDOWN_FILE), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the report to " + dir + " failed", e);
        }
    }

    private static String workers(BenchmarkRun run) {
        if (run.mode() == EngineMode.SINGLE_PROCESS) {
            return "1 (driver)";
        }
        return run.workers() > 0 ? Integer.toString(run.workers()) : "default (" + run.master() + ")";
    }

    private static String timeToTarget(BenchmarkRun.TimeToTarget t) {
        String seconds = fixed(t.seconds(), 1);
        return t.reached() ? seconds + " (epoch " + t.epoch() + ")"
                : seconds + " (not reached within " + t.epochsRun() + " epochs; cap's time counted)";
    }

    /** The middle value (the mean of the two middle ones for an even count) of a non-empty array. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The value at fraction {@code p} of the sorted values (nearest rank, rounding half up) of a non-empty array. */
    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
    }

    /** Three decimals, or {@code na}: the SUMMARY lines' number format. */
    static String fixed(OptionalDouble value) {
        return value.isPresent() ? fixed(value.getAsDouble(), 3) : "na";
    }

    /** {@code decimals} decimals, or {@code na} for a non-finite value. */
    static String fixed(double value, int decimals) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%." + decimals + "f", value) : "na";
    }
}
