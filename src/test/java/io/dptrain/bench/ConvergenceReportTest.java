package io.dptrain.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.RoundMetrics;
import io.dptrain.cli.CommandOutcome;
import io.dptrain.report.EpochEvaluation;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The convergence report on hand-written run folders whose figures are all known. single-process: 3
 * epochs, 0.85, 0.89, 0.905 at 10, 20, 30 s (the budget is 30 s; it reaches 0.90 at 30 s). The variants
 * train under a 33 s budget and stop inside an epoch:
 * <ul>
 * <li>pa-k5: 0.86, 0.895, 0.900, 0.903, then 0.904 after 3 of 10 rounds of epoch 5; 0.90 at 21 s (0.7x);
 *     rounds of 500 ms with 480 of compute (overhead 0.04)</li>
 * <li>pa-k20-nesterov: 0.84, 0.88, 0.899, 0.910, 0.915, then 0.916 after 1 of 5 rounds of epoch 6; 0.90 at
 *     24 s (0.8x); best at the budget (+1.1 points)</li>
 * <li>ga: 0.85, 0.885, 0.895, then 0.897 after 5 of 10 rounds; never 0.90; 1 MB per round, overhead 0.1</li>
 * <li>ga-float16: 0.85, 0.884, 0.894, then 0.896; 0.5 MB per round</li>
 * </ul>
 */
@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConvergenceReportTest {
    private static final BenchmarkReport.Machine MACHINE =
            new BenchmarkReport.Machine(2, "Linux", "amd64", "17.0.15", LocalDate.of(2026, 1, 2));
    private static final String PA = "engine.mode=parameter-averaging";
    private static final String GA = "engine.mode=gradient-averaging";
    private static final String SUMMARY = "SUMMARY tta90_vs_single=0.700 budget_gain_pts=1.100 acc_gap_pts=0.500 "
            + "k20_gap_pts=0.600 fp16_bytes_ratio=0.500 fp16_acc_delta_pts=0.100 pa_overhead=0.040 ga_overhead=0.100";

    @TempDir
    Path tmp;

    private Path single;
    private Path paK5;
    private Path paK20;
    private Path ga;
    private Path gaHalf;

    /** A steady round's figures; the first round of every run is a slow warm-up round. */
    private record Round(long examples, long roundMs, long computeMs, long bytesSent) {
    }

    /**
     * Writes a run folder as `dptrain train` leaves it.
     *
     * @param roundsPerEpoch the rounds each epoch ran (a smaller last one: the budget stopped it)
     */
    private Path run(String name, List<String> settings, List<EpochEvaluation.Point> epochs, int[] roundsPerEpoch,
                     Round steady) throws IOException {
        List<RoundMetrics> rounds = new ArrayList<>();
        for (int e = 1; e <= roundsPerEpoch.length; e++) {
            for (int i = 0; i < roundsPerEpoch[e - 1]; i++) {
                boolean warmup = rounds.isEmpty();
                long ms = warmup ? 5000 : steady.roundMs();
                long compute = warmup ? 4000 : steady.computeMs();
                rounds.add(new RoundMetrics(rounds.size() + 1, e, 0.5, steady.examples(), compute, compute, 0,
                        ms - compute, 0, 0, steady.bytesSent(), ms));
            }
        }
        long trainMillis = epochs.get(epochs.size() - 1).trainMillis() + 3000; // the evaluations
        List<String> all = Stream.concat(Stream.of("spark.master=local[2]"), settings.stream()).toList();
        return RunFolders.write(tmp.resolve(name), all, "local[2]", 6000, epochs, trainMillis, rounds);
    }

    private static EpochEvaluation.Point at(int epoch, double accuracy, long millis) {
        return new EpochEvaluation.Point(epoch, accuracy, millis);
    }

    private static List<String> budgeted(String... settings) {
        return Stream.concat(Stream.of("engine.workers=2", "train.batch-size=64", "train.epochs=100",
                "train.time-budget-seconds=33"), Stream.of(settings)).toList();
    }

    @BeforeEach
    void runFolders() throws IOException {
        single = run("single-process", List.of("engine.mode=single-process", "train.batch-size=128", "train.epochs=3"),
                List.of(at(1, 0.85, 10_000), at(2, 0.89, 20_000), at(3, 0.905, 30_000)), new int[]{47, 47, 47},
                new Round(128, 100, 100, 0));
        paK5 = run("pa-k5", budgeted(PA, "engine.local-steps=5"),
                List.of(at(1, 0.86, 7000), at(2, 0.895, 14_000), at(3, 0.900, 21_000), at(4, 0.903, 28_000),
                        at(5, 0.904, 30_500)), new int[]{10, 10, 10, 10, 3}, new Round(640, 500, 480, 2_000_000));
        paK20 = run("pa-k20-nesterov", budgeted(PA, "engine.local-steps=20", "engine.outer.optimizer=nesterov",
                        "engine.outer.learning-rate=0.7", "engine.outer.momentum=0.9"),
                List.of(at(1, 0.84, 6000), at(2, 0.88, 12_000), at(3, 0.899, 18_000), at(4, 0.910, 24_000),
                        at(5, 0.915, 30_000), at(6, 0.916, 31_000)), new int[]{5, 5, 5, 5, 5, 1},
                new Round(2560, 2000, 1950, 2_000_000));
        ga = run("ga", budgeted(GA), List.of(at(1, 0.85, 9000), at(2, 0.885, 18_000), at(3, 0.895, 27_000),
                at(4, 0.897, 31_000)), new int[]{10, 10, 10, 5}, new Round(128, 200, 180, 1_000_000));
        gaHalf = run("ga-float16", budgeted(GA, "engine.exchange=float16"), List.of(at(1, 0.85, 8500),
                        at(2, 0.884, 17_000), at(3, 0.894, 25_500), at(4, 0.896, 31_000)), new int[]{10, 10, 10, 5},
                new Round(128, 190, 180, 500_000));
    }

    private ConvergenceReport report(Path... dirs) {
        return new ConvergenceReport(Stream.of(dirs).map(ConvergenceRun::read).toList(), MACHINE);
    }

    @Test
    void summaryLineIsExactAndLast() {
        ConvergenceReport report = report(single, paK5, paK20, ga, gaHalf);

        assertThat(report.summaryLine()).isEqualTo(SUMMARY);
        List<String> lines = report.toText().lines().toList();
        assertThat(lines.get(lines.size() - 1)).isEqualTo(SUMMARY);
    }

    @Test
    void eachSummaryFigureNamesTheVariantItComesFrom() {
        ConvergenceReport report = report(single, paK5, paK20, ga, gaHalf);

        assertThat(report.timeToTargetVsSingle().orElseThrow().run().name()).isEqualTo("pa-k5");
        assertThat(report.budgetGainPoints().orElseThrow().run().name()).isEqualTo("pa-k20-nesterov");
        assertThat(report.accuracyGapPoints().orElseThrow().detail()).isEqualTo("after epoch 3");
        assertThat(report.float16Pair().orElseThrow().float16().name()).isEqualTo("ga-float16");
        assertThat(report.float16Pair().orElseThrow().float32().name()).isEqualTo("ga");
        assertThat(report.toMarkdown())
                .contains("- tta90_vs_single (lowest time to the target over single-process's): 0.700 from pa-k5, reached")
                .contains("- budget_gain_pts (highest accuracy at the budget minus single-process's): 1.100 from "
                        + "pa-k20-nesterov, at 31.0 s")
                .contains("- fp16_bytes_ratio, fp16_acc_delta_pts (float32 minus float16 after equal epochs): "
                        + "ga-float16 against ga: 0.500, 0.100 after epoch 3");
    }

    @Test
    void aBudgetStopInsideAnEpochIsAPartialEpochOnlyAtTheBudget() throws IOException {
        ConvergenceRun pa = ConvergenceRun.read(paK5);
        ConvergenceRun reference = ConvergenceRun.read(single);
        Path early = run("stopped-in-epoch-1", budgeted(GA), List.of(at(1, 0.7, 2000)), new int[]{4},
                new Round(128, 200, 180, 1_000_000));

        assertThat(pa.endsInPartialEpoch()).isTrue();
        assertThat(pa.lastWholeEpoch()).isEqualTo(4);
        assertThat(pa.accuracyAfter(4)).hasValue(0.903);
        assertThat(pa.accuracyAfter(5)).isEmpty();
        assertThat(pa.atBudget()).isEqualTo(at(5, 0.904, 30_500));
        assertThat(reference.endsInPartialEpoch()).isFalse();
        assertThat(reference.lastWholeEpoch()).isEqualTo(3);
        assertThat(ConvergenceRun.read(early).lastWholeEpoch()).isZero();
    }

    @Test
    void aVariantThatNeverReachesTheTargetCountsTheBudget() {
        ConvergenceReport report = report(single, ga);

        assertThat(report.budgetMillis()).isEqualTo(30_000);
        assertThat(report.timeToTargetMillis(report.variants().get(0))).isEqualTo(30_000);
        assertThat(report.toMarkdown()).contains("| ga | gradient-averaging, 2 x 64 | 0.8500 | 0.8850 | 0.8950 | "
                + "0.8970 (epoch 4 partial, 31.0 s) | 30.0 (not reached: the budget) | 1.000 |");
    }

    @Test
    void markdownHasTheAccuracyAndTrafficTablesWithTheSettings() {
        String md = report(single, paK5, paK20, ga, gaHalf).toMarkdown();

        assertThat(md).contains("Machine: 2 cores (Runtime.availableProcessors), Linux amd64, Java 17.0.15; "
                + "report of 2026-01-02.").contains("Budget: 30.0 s of training, single-process's 3 epochs.");
        assertThat(md).contains("| variant | settings | epoch 1 | epoch 2 | epoch 3 | epoch 4 | epoch 5 | at the budget "
                + "| time to 0.90 (s) | vs single-process |");
        assertThat(md).contains("| single-process | single-process, batch 128 | 0.8500 | 0.8900 | 0.9050 |  |  | "
                + "0.9050 (epoch 3, 30.0 s) | 30.0 (epoch 3) | 1.000 |");
        assertThat(md).contains("| pa-k20-nesterov | parameter-averaging, 2 x 64, k=20, outer nesterov eta=0.7 mu=0.9 "
                + "| 0.8400 | 0.8800 | 0.8990 | 0.9100 | 0.9150 | 0.9160 (epoch 6 partial, 31.0 s) | 24.0 (epoch 4) "
                + "| 0.800 |");
        assertThat(md).contains("| ga-float16 | gradient-averaging, 2 x 64, float16 |");
        // pa-k5: 43 rounds, 1 warm-up; 640 examples per 500 ms
        assertThat(md).contains("| pa-k5 | 42 | 1280.0 | 1.000 | 500.0 | 480.0 | 20.0 | 0.0 | 2.000 | 0.040 |");
        assertThat(md).contains("| single-process | 138 | 1280.0 | 1.000 | 100.0 | 100.0 | 0.0 | 0.0 | 0.000 | n/a |");
        assertThat(md).contains("- pa-k5: `" + paK5 + "`, 6000 training rows, 43 rounds (1 skipped as warm-up), "
                + "budget 33.0 s, training 33.5 s");
    }

    @Test
    void missingVariantsGiveNa() {
        assertThat(report(single, paK5).summaryLine()).isEqualTo("SUMMARY tta90_vs_single=0.700 budget_gain_pts=-0.100 "
                + "acc_gap_pts=0.500 k20_gap_pts=na fp16_bytes_ratio=na fp16_acc_delta_pts=na pa_overhead=0.040 "
                + "ga_overhead=na");
        assertThat(report(single).summaryLine()).isEqualTo("SUMMARY tta90_vs_single=na budget_gain_pts=na "
                + "acc_gap_pts=na k20_gap_pts=na fp16_bytes_ratio=na fp16_acc_delta_pts=na pa_overhead=na ga_overhead=na");
    }

    @Test
    void theAccuracyGapIsTakenAfterSingleProcessEpochsAndLeavesOutVariantsThatDidNotFinishThem() throws IOException {
        Path slow = run("ga-slow", budgeted(GA), List.of(at(1, 0.88, 15_000), at(2, 0.90, 30_000),
                at(3, 0.901, 31_000)), new int[]{10, 10, 1}, new Round(128, 200, 180, 1_000_000));

        ConvergenceReport report = report(single, slow, paK20);

        assertThat(report.accuracyGapPoints().orElseThrow().run().name()).isEqualTo("pa-k20-nesterov");
        assertThat(report.accuracyGapPoints().orElseThrow().value()).isCloseTo(0.6, within(1e-9));
        assertThat(report(single, slow).accuracyGapPoints()).isEmpty();
        assertThat(report(single, slow).summaryLine()).contains(" acc_gap_pts=na ");
    }

    @Test
    void aFloat16RunWithoutAFloat32TwinHasNoFloat16Figures() throws IOException {
        Path otherRate = run("ga-rate", budgeted(GA, "train.learning-rate=0.002"), List.of(at(1, 0.8, 9000)),
                new int[]{10}, new Round(128, 200, 180, 1_000_000));

        ConvergenceReport report = report(single, gaHalf, otherRate);

        assertThat(report.float16Pair()).isEmpty();
        assertThat(report.summaryLine()).contains("fp16_bytes_ratio=na fp16_acc_delta_pts=na");
        assertThat(report.toMarkdown()).contains("na (no float16 variant with a float32 twin)");
    }

    @Test
    void variantsWithOtherNumericsSaySoAndAreNoTwinsNorOverheadFigures() throws IOException {
        Path noFlush = run("ga-no-flush", budgeted(GA, "train.flush-subnormals-every=0"), List.of(at(1, 0.8, 9000)),
                new int[]{10}, new Round(128, 200, 180, 1_000_000));
        Path dl4jAdam = run("ga-dl4j-adam", budgeted(GA, "train.vectorized-adam=false"), List.of(at(1, 0.8, 9000)),
                new int[]{10}, new Round(128, 200, 180, 1_000_000));

        ConvergenceReport report = report(single, gaHalf, noFlush, dl4jAdam);

        assertThat(report.toMarkdown()).contains("| ga-no-flush | gradient-averaging, 2 x 64, subnormals not flushed |")
                .contains("| ga-dl4j-adam | gradient-averaging, 2 x 64, DL4J's Adam op |");
        assertThat(report.float16Pair()).isEmpty();
        assertThat(report.gradientAveragingOverhead()).isEmpty();
        assertThat(report(single, ga, noFlush).gradientAveragingOverhead()).isEqualTo(
                report(single, ga).gradientAveragingOverhead());
    }

    @Test
    void theReportNeedsExactlyOneSingleProcessRunAndDistinctNames() throws IOException {
        Path secondSingle = run("single-again", List.of("engine.mode=single-process"), List.of(at(1, 0.8, 100)),
                new int[]{3}, new Round(64, 10, 10, 0));
        Path sameName = Files.createDirectories(tmp.resolve("elsewhere"));
        Path paAgain = run("elsewhere/pa-k5", budgeted(PA), List.of(at(1, 0.8, 100)), new int[]{3},
                new Round(64, 10, 10, 0));

        assertThatThrownBy(() -> report(paK5, ga)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exactly one single-process run").hasMessageContaining("got 0");
        assertThatThrownBy(() -> report(single, secondSingle)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(single.toString()).hasMessageContaining(secondSingle.toString());
        assertThatThrownBy(() -> report(single, paK5, paAgain)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'pa-k5'").hasMessageContaining(sameName.toString());
    }

    @Test
    void writesTheMarkdownAndA900x500Chart() throws IOException {
        ConvergenceReport report = report(single, paK5, paK20, ga, gaHalf);
        Path out = tmp.resolve("docs/bench/convergence");

        report.writeTo(out);

        assertThat(Files.readString(out.resolve(BenchmarkReport.MARKDOWN_FILE))).isEqualTo(report.toText());
        BufferedImage image = ImageIO.read(out.resolve(BenchmarkReport.CHART_FILE).toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(900);
        assertThat(image.getHeight()).isEqualTo(500);
    }

    @Test
    void commandPrintsTheReportEndingWithSummaryAndPrintsTheBudget() {
        Path out = tmp.resolve("out");
        CommandOutcome report = CommandOutcome.dptrain("convergence-report", "--out", out.toString(), single.toString(),
                paK5.toString(), paK20.toString(), ga.toString(), gaHalf.toString());
        CommandOutcome budget = CommandOutcome.dptrain("convergence-report", "--print-budget", single.toString());

        assertThat(report.code()).as(report.toString()).isZero();
        assertThat(report.out()).startsWith("# Benchmark: convergence").endsWith(SUMMARY + "\n");
        assertThat(out.resolve(BenchmarkReport.CHART_FILE)).exists();
        assertThat(budget.code()).as(budget.toString()).isZero();
        // single-process's round times: one warm-up round of 5 s and 140 of 100 ms (its evaluations do not count)
        assertThat(budget.out()).isEqualTo("19.000\n");
    }

    @Test
    void commandRejectsABudgetFromAVariantAndMissingArgumentsWithExitCode2() {
        CommandOutcome fromVariant = CommandOutcome.dptrain("convergence-report", "--print-budget", paK5.toString());
        CommandOutcome nothing = CommandOutcome.dptrain("convergence-report", "--out", tmp.resolve("x").toString());

        assertThat(fromVariant.code()).isEqualTo(2);
        assertThat(fromVariant.err()).contains(paK5.toString()).contains("parameter-averaging run");
        assertThat(nothing.code()).isEqualTo(2);
        assertThat(nothing.err()).contains("--print-budget");
    }
}
