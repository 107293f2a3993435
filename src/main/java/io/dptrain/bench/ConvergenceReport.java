package io.dptrain.bench;

import io.dptrain.RoundMetrics;

import static io.dptrain.bench.BenchmarkReport.fixed;

import io.dptrain.config.Choices.EngineMode;
import io.dptrain.config.Choices.Exchange;
import io.dptrain.config.Choices.OuterOptimizer;
import io.dptrain.config.DptrainConfig;
import io.dptrain.report.EpochEvaluation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The convergence benchmark's report (jobs/bench-convergence.sh): variants of the engines, each given
 * the training time single-process needed for its epochs, compared on test accuracy after each whole
 * epoch and at the budget, time to {@value #TARGET} test accuracy, steady examples/s, bytes the replicas
 * send per round and overhead. {@link #toText()} is the markdown followed by the {@link #summaryLine()
 * SUMMARY} line; {@link #writeTo} also draws accuracy against training time.
 *
 * <p>Times are training time with the per-epoch evaluations taken out (the chart's clock, {@link
 * EpochEvaluation}); the budget on that clock is single-process's last evaluation, and a variant that
 * never reaches the target counts as taking the budget.
 */
public final class ConvergenceReport {
    /** The test accuracy whose time to reach is compared: a LeNet on Fashion-MNIST one would ship. */
    public static final double TARGET = 0.90;

    /** A figure of the SUMMARY and the variant it comes from (the best one, where it is a best). */
    public record Figure(ConvergenceRun run, double value, String detail) {
    }

    /** A variant exchanging float16 and its twin in float32: the same settings but the exchange. */
    public record Float16Pair(ConvergenceRun float16, ConvergenceRun float32) {
    }

    private final ConvergenceRun single;
    private final List<ConvergenceRun> variants;
    private final BenchmarkReport.Machine machine;

    /**
     * @param runs exactly one single-process run (the reference) and any number of variants, with
     *             distinct names; the tables keep their order, the reference first
     */
    public ConvergenceReport(List<ConvergenceRun> runs, BenchmarkReport.Machine machine) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to report on: give the single-process run folder and the "
                    + "variants' run folders");
        }
        Map<String, ConvergenceRun> byName = new HashMap<>();
        for (ConvergenceRun run : runs) {
            ConvergenceRun other = byName.put(run.name(), run);
            if (other != null) {
                throw new IllegalArgumentException("run folders " + other.run().dir() + " and " + run.run().dir()
                        + " have the same name '" + run.name() + "'; the folder name names the variant");
            }
        }
        List<ConvergenceRun> singles = runs.stream().filter(r -> r.mode() == EngineMode.SINGLE_PROCESS).toList();
        if (singles.size() != 1) {
            throw new IllegalArgumentException("the report needs exactly one single-process run (the reference and "
                    + "its budget); got " + singles.size() + ": "
                    + singles.stream().map(r -> r.run().dir().toString()).toList());
        }
        this.single = singles.get(0);
        this.variants = runs.stream().filter(r -> r != single).toList();
        this.machine = Objects.requireNonNull(machine, "machine");
    }

    /** Reads the run folders ({@link ConvergenceRun#read}) and reports on this machine, today. */
    public static ConvergenceReport read(List<Path> dirs) {
        return new ConvergenceReport(dirs.stream().map(ConvergenceRun::read).toList(),
                BenchmarkReport.Machine.current());
    }

    /**
     * The budget the other variants get, in seconds: the single-process run's training time on the clock
     * {@code train.time-budget-seconds} counts, the sum of its rounds' times (evaluations excluded).
     */
    public static double budgetSeconds(Path singleDir) {
        ConvergenceRun run = ConvergenceRun.read(singleDir);
        if (run.mode() != EngineMode.SINGLE_PROCESS) {
            throw new IllegalArgumentException("run folder " + singleDir + " is a " + run.mode().configName()
                    + " run; the budget is single-process's training time");
        }
        return run.run().rounds().stream().mapToLong(RoundMetrics::roundMs).sum() / 1000.0;
    }

    public ConvergenceRun reference() {
        return single;
    }

    /** The runs other than single-process, in the order given. */
    public List<ConvergenceRun> variants() {
        return variants;
    }

    /** The budget on the report's clock: the training time of single-process's last evaluation. */
    public long budgetMillis() {
        return single.atBudget().trainMillis();
    }

    /** Training time of the first evaluation at or above {@value #TARGET}, or the budget when there is none. */
    public long timeToTargetMillis(ConvergenceRun run) {
        return run.firstReaching(TARGET).map(EpochEvaluation.Point::trainMillis).orElse(budgetMillis());
    }

    /**
     * Test accuracy of {@code reference} minus that of {@code other} after the given whole epoch, in points,
     * with that epoch as the detail; empty when one of them did not finish it.
     */
    static Optional<Figure> gapPoints(ConvergenceRun reference, ConvergenceRun other, int epoch) {
        OptionalDouble a = reference.accuracyAfter(epoch);
        OptionalDouble b = other.accuracyAfter(epoch);
        return a.isPresent() && b.isPresent()
                ? Optional.of(new Figure(other, 100 * (a.getAsDouble() - b.getAsDouble()), "after epoch " + epoch))
                : Optional.empty();
    }

    /** tta90_vs_single: the lowest ratio of a variant's time to {@value #TARGET} to single-process's. */
    public Optional<Figure> timeToTargetVsSingle() {
        double reference = timeToTargetMillis(single);
        return best(variants, r -> Optional.of(new Figure(r, timeToTargetMillis(r) / reference,
                r.firstReaching(TARGET).isPresent() ? "reached" : "not reached: the budget counted")),
                Comparator.naturalOrder());
    }

    /** budget_gain_pts: the highest test accuracy at the budget minus single-process's, in points. */
    public Optional<Figure> budgetGainPoints() {
        double reference = single.atBudget().accuracy();
        return best(variants, r -> Optional.of(new Figure(r, 100 * (r.atBudget().accuracy() - reference),
                "at " + fixed(r.atBudget().trainMillis() / 1000.0, 1) + " s")), Comparator.reverseOrder());
    }

    /**
     * acc_gap_pts: single-process's test accuracy after its epochs minus the best variant's after as many whole
     * epochs, in points; a variant that did not finish them within the budget is left out.
     */
    public Optional<Figure> accuracyGapPoints() {
        return best(variants, r -> gapPoints(single, r, single.lastWholeEpoch()), Comparator.naturalOrder());
    }

    /** k20_gap_pts: as {@link #accuracyGapPoints()} over parameter averaging with k = 20 and an outer step. */
    public Optional<Figure> k20GapPoints() {
        List<ConvergenceRun> k20 = variants.stream().filter(r -> r.mode() == EngineMode.PARAMETER_AVERAGING
                && r.config().engine().localSteps() == 20
                && r.config().engine().outer().optimizer() != OuterOptimizer.NONE).toList();
        return best(k20, r -> gapPoints(single, r, single.lastWholeEpoch()), Comparator.naturalOrder());
    }

    /**
     * The first variant exchanging float16 that has a float32 twin (the same settings but the exchange),
     * with that twin; empty when there is none.
     */
    public Optional<Float16Pair> float16Pair() {
        for (ConvergenceRun half : variants) {
            if (half.config().engine().exchange() != Exchange.FLOAT16) {
                continue;
            }
            for (ConvergenceRun full : variants) {
                if (full.config().engine().exchange() == Exchange.FLOAT32 && twinKey(full).equals(twinKey(half))) {
                    return Optional.of(new Float16Pair(half, full));
                }
            }
        }
        return Optional.empty();
    }

    /** What must match for two runs to differ only in the exchange format. */
    private static List<Object> twinKey(ConvergenceRun run) {
        DptrainConfig config = run.config();
        DptrainConfig.Engine e = config.engine();
        return List.of(e.mode(), run.run().workers(), e.localSteps(), e.updaterState(), e.outer(), e.roundsPerJob(),
                config.train().batchSize(), config.train().learningRate(), config.train().warmupRounds(),
                config.train().learningRateScaling(), config.train().flushSubnormalsEvery(),
                config.train().vectorizedAdam(), config.model(),
                config.data().trainLimit());
    }

    /** fp16_bytes_ratio: bytes per round sent in float16 over those sent in float32 by its twin. */
    public OptionalDouble float16BytesRatio() {
        return float16Pair().map(p -> OptionalDouble.of(p.float16().run().breakdown().bytesAggregated()
                / p.float32().run().breakdown().bytesAggregated())).orElse(OptionalDouble.empty());
    }

    /**
     * fp16_acc_delta_pts: the float32 twin's test accuracy minus the float16 run's after the last whole
     * epoch both ran, in points (positive: float16 lost accuracy).
     */
    public Optional<Figure> float16AccuracyDeltaPoints() {
        return float16Pair().flatMap(p -> gapPoints(p.float32(), p.float16(),
                Math.min(p.float32().lastWholeEpoch(), p.float16().lastWholeEpoch())));
    }

    /**
     * pa_overhead: parameter averaging at k = 5, no outer step, float32; the lowest over the variants that
     * differ only in how rounds map to Spark jobs ({@code engine.rounds-per-job}). Variants with other numerics
     * than the shipped ones ({@link #shippedNumerics}) are left out.
     */
    public OptionalDouble parameterAveragingOverhead() {
        return overhead(r -> r.mode() == EngineMode.PARAMETER_AVERAGING && r.config().engine().localSteps() == 5
                && r.config().engine().outer().optimizer() == OuterOptimizer.NONE
                && r.config().engine().exchange() == Exchange.FLOAT32 && shippedNumerics(r));
    }

    /** ga_overhead: gradient averaging in float32, the lowest over {@code engine.rounds-per-job} variants. */
    public OptionalDouble gradientAveragingOverhead() {
        return overhead(r -> r.mode() == EngineMode.GRADIENT_AVERAGING
                && r.config().engine().exchange() == Exchange.FLOAT32 && shippedNumerics(r));
    }

    /**
     * Subnormals flushed and Adam vectorized: a variant without them computes more slowly, so the same
     * communication is a smaller share of its round (ga-barrier-no-flush: 5.3% against ga-barrier's 6.2%,
     * docs/bench/convergence/report.md).
     */
    private static boolean shippedNumerics(ConvergenceRun run) {
        return run.config().train().flushSubnormalsEvery() > 0 && run.config().train().vectorizedAdam();
    }

    private OptionalDouble overhead(Predicate<ConvergenceRun> which) {
        return variants.stream().filter(which).map(r -> r.run().breakdown().overhead())
                .filter(OptionalDouble::isPresent).mapToDouble(OptionalDouble::getAsDouble).min();
    }

    private static Optional<Figure> best(List<ConvergenceRun> runs, Function<ConvergenceRun, Optional<Figure>> figure,
                                         Comparator<Double> better) {
        Figure best = null;
        for (ConvergenceRun run : runs) {
            Optional<Figure> f = figure.apply(run);
            if (f.isPresent() && (best == null || better.compare(f.get().value(), best.value()) < 0)) {
                best = f.get();
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * {@code SUMMARY tta90_vs_single=R budget_gain_pts=P acc_gap_pts=P k20_gap_pts=P fp16_bytes_ratio=R
     * fp16_acc_delta_pts=P pa_overhead=F ga_overhead=F}, three decimals, {@code na} where a variant a
     * figure needs is missing.
     */
    public String summaryLine() {
        return "SUMMARY tta90_vs_single=" + figure(timeToTargetVsSingle())
                + " budget_gain_pts=" + figure(budgetGainPoints())
                + " acc_gap_pts=" + figure(accuracyGapPoints())
                + " k20_gap_pts=" + figure(k20GapPoints())
                + " fp16_bytes_ratio=" + fixed(float16BytesRatio())
                + " fp16_acc_delta_pts=" + figure(float16AccuracyDeltaPoints())
                + " pa_overhead=" + fixed(parameterAveragingOverhead())
                + " ga_overhead=" + fixed(gradientAveragingOverhead());
    }

    /** The markdown: machine and budget, the accuracy table, the speed and traffic table, the figures, the runs. */
    public String toMarkdown() {
        List<ConvergenceRun> all = new ArrayList<>();
        all.add(single);
        all.addAll(variants);
        int epochs = all.stream().mapToInt(ConvergenceRun::lastWholeEpoch).max().orElse(0);
        StringBuilder md = new StringBuilder("# Benchmark: convergence at equal training time\n\n");
        md.append(machine.markdownLine()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Budget: %.1f s of training, single-process's %d epochs. Times are "
                + "training time with the per-epoch test evaluations taken out. The variants' "
                + "`train.time-budget-seconds` is single-process's training time on the clock the budget counts "
                + "(the sum of its round times, evaluations excluded), so each variant trains as long as "
                + "single-process did, give or take its last round. \"At the budget\" "
                + "is a run's last evaluation, after a partial epoch when the budget ended one; a run that never "
                + "reaches %.2f counts the budget as its time to it.%n%n",
                budgetMillis() / 1000.0, single.atBudget().epoch(), TARGET));

        md.append("## Test accuracy\n\n| variant | settings |");
        for (int e = 1; e <= epochs; e++) {
            md.append(" epoch ").append(e).append(" |");
        }
        md.append(String.format(Locale.ROOT, " at the budget | time to %.2f (s) | vs single-process |%n|---|---|",
                TARGET));
        md.append("---:|".repeat(epochs)).append("---|---|---:|\n");
        double referenceTime = timeToTargetMillis(single);
        for (ConvergenceRun run : all) {
            md.append("| ").append(run.name()).append(" | ").append(run.settings()).append(" |");
            for (int e = 1; e <= epochs; e++) {
                OptionalDouble acc = run.accuracyAfter(e);
                md.append(' ').append(acc.isPresent() ? fixed(acc.getAsDouble(), 4) : "").append(" |");
            }
            EpochEvaluation.Point end = run.atBudget();
            md.append(' ').append(fixed(end.accuracy(), 4)).append(" (epoch ").append(end.epoch())
                    .append(run.endsInPartialEpoch() ? " partial" : "").append(", ")
                    .append(fixed(end.trainMillis() / 1000.0, 1)).append(" s) | ");
            Optional<EpochEvaluation.Point> reached = run.firstReaching(TARGET);
            md.append(fixed(timeToTargetMillis(run) / 1000.0, 1)).append(reached
                    .map(p -> " (epoch " + p.epoch() + (p.equals(end) && run.endsInPartialEpoch() ? " partial)" : ")"))
                    .orElse(" (not reached: the budget)"));
            md.append(" | ").append(fixed(timeToTargetMillis(run) / referenceTime, 3)).append(" |\n");
        }

        md.append("\n## Speed and traffic (means over the steady rounds)\n\n")
                .append("| variant | rounds | steady ex/s | vs single-process | round ms | compute max ms | wait ms "
                        + "| combine ms | sent per round (MB) | overhead |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        double referenceSpeed = single.run().steadyExamplesPerSecond();
        for (ConvergenceRun run : all) {
            BenchmarkRun.Breakdown b = run.run().breakdown();
            md.append("| ").append(run.name()).append(" | ").append(b.rounds())
                    .append(" | ").append(fixed(run.run().steadyExamplesPerSecond(), 1))
                    .append(" | ").append(fixed(run.run().steadyExamplesPerSecond() / referenceSpeed, 3));
            for (double ms : new double[]{b.roundMs(), b.computeMsMax(), b.waitMs(), b.combineMs()}) {
                md.append(" | ").append(fixed(ms, 1));
            }
            md.append(" | ").append(fixed(b.bytesAggregated() / 1e6, 3)).append(" | ")
                    .append(b.overhead().isPresent() ? fixed(b.overhead().getAsDouble(), 3) : "n/a").append(" |\n");
        }
        md.append("\nSent per round: bytes the replicas send back (all of them, in their exchange format). Overhead = "
                + "1 - sum(compute max) / sum(round), as in the engine benchmark (n/a for single-process).\n");

        md.append("\n## Figures of the SUMMARY line\n\n");
        summaryItem(md, "tta90_vs_single", "lowest time to the target over single-process's", timeToTargetVsSingle());
        summaryItem(md, "budget_gain_pts", "highest accuracy at the budget minus single-process's", budgetGainPoints());
        summaryItem(md, "acc_gap_pts", "single-process minus the best variant after single-process's epochs; variants that did not finish "
                + "them are left out",
                accuracyGapPoints());
        summaryItem(md, "k20_gap_pts", "the same for parameter averaging with k = 20 and an outer step",
                k20GapPoints());
        Optional<Float16Pair> pair = float16Pair();
        md.append("- fp16_bytes_ratio, fp16_acc_delta_pts (float32 minus float16 after equal epochs): ")
                .append(pair.map(p -> p.float16().name() + " against " + p.float32().name() + ": "
                        + fixed(float16BytesRatio()) + ", " + figure(float16AccuracyDeltaPoints())
                        + float16AccuracyDeltaPoints().map(f -> " " + f.detail()).orElse(""))
                        .orElse("na (no float16 variant with a float32 twin)")).append('\n');
        md.append("- pa_overhead (parameter averaging, k = 5, no outer step, float32): ")
                .append(fixed(parameterAveragingOverhead()))
                .append("; ga_overhead (gradient averaging, float32): ").append(fixed(gradientAveragingOverhead()))
                .append('\n');

        md.append("\n## Runs\n\n");
        for (ConvergenceRun run : all) {
            double budget = run.config().train().timeBudgetSeconds();
            md.append(String.format(Locale.ROOT, "- %s: `%s`, %d training rows, %d rounds (%d skipped as warm-up), "
                            + "%s, training %.1f s, wall %.1f s%n", run.name(), run.run().dir(), run.run().trainRows(),
                    run.run().rounds().size(), run.run().warmupRounds(),
                    budget > 0 ? "budget " + fixed(budget, 1) + " s" : run.config().train().epochs() + " epochs",
                    run.run().trainMillis() / 1000.0, run.provenance().wallMillis() / 1000.0));
        }
        return md.toString();
    }

    private static void summaryItem(StringBuilder md, String key, String meaning, Optional<Figure> figure) {
        md.append("- ").append(key).append(" (").append(meaning).append("): ")
                .append(figure.map(f -> fixed(f.value(), 3) + " from " + f.run().name() + ", " + f.detail())
                        .orElse("na"))
                .append('\n');
    }

    /** The markdown followed by the SUMMARY line, which is the last line. */
    public String toText() {
        return toMarkdown() + "\n" + summaryLine() + "\n";
    }

    /**
     * Writes {@value BenchmarkReport#MARKDOWN_FILE} ({@link #toText()}) and {@value BenchmarkReport#CHART_FILE}
     * (every run's test accuracy against training time, PNG 900x500) into {@code dir}, creating it.
     */
    public void writeTo(Path dir) {
        BenchmarkReport.writeMarkdown(dir, toText());
        List<BenchmarkChart.Series> lines = new ArrayList<>();
        lines.add(new BenchmarkChart.Series(single.name(), single.run().epochs()));
        variants.forEach(r -> lines.add(new BenchmarkChart.Series(r.name(), r.run().epochs())));
        BenchmarkChart.write(lines, TARGET, dir.resolve(BenchmarkReport.CHART_FILE));
    }

    private static String figure(Optional<Figure> figure) {
        return figure.map(f -> fixed(f.value(), 3)).orElse("na");
    }
}
