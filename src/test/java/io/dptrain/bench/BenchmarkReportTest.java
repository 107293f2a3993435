package io.dptrain.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.RoundMetrics;
import io.dptrain.cli.CommandOutcome;
import io.dptrain.config.Choices.EngineMode;
import io.dptrain.io.RunOutput;
import io.dptrain.report.EpochEvaluation;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark report on hand-written run folders with round numbers chosen so every figure is
 * known: warm-up rounds are slow, steady rounds take a fixed time.
 */
@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BenchmarkReportTest {

    private static final BenchmarkReport.Machine MACHINE =
            new BenchmarkReport.Machine(2, "Linux", "amd64", "17.0.15", LocalDate.of(2026, 1, 2));

    @TempDir
    Path tmp;

    private Path single;
    private Path pa;
    private Path ga;
    private Path dl4j;

    /** One round of metrics.jsonl; the fields the report does not read are zero. */
    private record Round(long examples, long roundMs, long computeMsMax, long computeMsMean, long broadcastMs,
                         long waitMs, long combineMs, long bytesBroadcast, long bytesAggregated) {
        static Round compute(long examples, long roundMs) {
            return new Round(examples, roundMs, roundMs, roundMs, 0, 0, 0, 0, 0);
        }

        static Round wall(long examples, long roundMs) {
            return new Round(examples, roundMs, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    /** Writes a run folder as `dptrain train` leaves it; the first round's loss is NaN. */
    private Path run(String name, String mode, int workers, long trainRows, List<EpochEvaluation.Point> epochs,
                     List<Round> warmup, int steadyCount, Round steady) throws IOException {
        List<Round> all = new ArrayList<>(warmup);
        for (int i = 0; i < steadyCount; i++) {
            all.add(steady);
        }
        List<RoundMetrics> rounds = new ArrayList<>();
        for (Round r : all) {
            int round = rounds.size() + 1;
            rounds.add(new RoundMetrics(round, 1, round == 1 ? Double.NaN : 0.5, r.examples(), r.computeMsMax(),
                    r.computeMsMean(), r.broadcastMs(), r.waitMs(), r.combineMs(), r.bytesBroadcast(),
                    r.bytesAggregated(), r.roundMs()));
        }
        return RunFolders.write(tmp.resolve(name), List.of("engine.mode=" + mode, "engine.workers=" + workers,
                        "engine.local-steps=5", "spark.master=local[2]"), "local[2]", trainRows, epochs,
                epochs.get(epochs.size() - 1).trainMillis(), rounds);
    }

    private static EpochEvaluation.Point at(int epoch, double accuracy, long millis) {
        return new EpochEvaluation.Point(epoch, accuracy, millis);
    }

    /**
     * single-process: 100 rounds, 2 warm-up, then 64 examples in 100 ms (640 ex/s), reaches 0.88 in
     * epoch 2 at 10 s. parameter-averaging: 50 rounds, 1 warm-up, then 640 examples in 500 ms (1280
     * ex/s) with 400 ms of compute (overhead 0.2), reaches it at 6 s. gradient-averaging: 200 rounds,
     * 4 warm-up, then 128 examples in 160 ms (800 ex/s, overhead 0.25), never reaches it in 3 epochs
     * (12 s). dl4j-spark: 3 epoch rounds, the first skipped, then 6000 in 10 s (600 ex/s), reaches it
     * in epoch 3 at 40 s.
     */
    @BeforeEach
    void runFolders() throws IOException {
        single = run("single-process", "single-process", 0, 6000, List.of(at(1, 0.85, 5000), at(2, 0.89, 10000)),
                List.of(Round.compute(64, 1000), Round.compute(64, 1000)), 98, Round.compute(64, 100));
        pa = run("parameter-averaging", "parameter-averaging", 2, 6000,
                List.of(at(1, 0.86, 3000), at(2, 0.885, 6000)), List.of(Round.compute(640, 5000)), 49,
                new Round(640, 500, 400, 380, 20, 60, 20, 5_000_000, 10_000_000));
        ga = run("gradient-averaging", "gradient-averaging", 2, 6000,
                List.of(at(1, 0.80, 4000), at(2, 0.84, 8000), at(3, 0.87, 12000)),
                List.of(Round.compute(128, 2000), Round.compute(128, 2000), Round.compute(128, 2000),
                        Round.compute(128, 2000)), 196, new Round(128, 160, 120, 110, 10, 20, 10, 1_700_000, 3_400_000));
        dl4j = run("dl4j-spark", "dl4j-spark", 2, 6000,
                List.of(at(1, 0.83, 20000), at(2, 0.875, 30000), at(3, 0.882, 40000)),
                List.of(Round.wall(6000, 20000)), 2, Round.wall(6000, 10000));
    }

    private BenchmarkReport report(Path... dirs) {
        return new BenchmarkReport(List.of(dirs).stream().map(BenchmarkRun::read).toList(), 0.88, MACHINE);
    }

    @Test
    void steadyStateSkipsTwoPercentOfTheRoundsAtLeastOne() {
        BenchmarkReport report = report(dl4j, ga, single, pa);

        assertThat(report.runs()).extracting(BenchmarkRun::mode).containsExactly(EngineMode.SINGLE_PROCESS,
                EngineMode.PARAMETER_AVERAGING, EngineMode.GRADIENT_AVERAGING, EngineMode.DL4J_SPARK);
        assertThat(report.runs()).extracting(BenchmarkRun::warmupRounds).containsExactly(2, 1, 4, 1);
        assertThat(report.runs()).extracting(BenchmarkRun::steadyExamplesPerSecond)
                .containsExactly(640.0, 1280.0, 800.0, 600.0);
        assertThat(report.throughputRatio(EngineMode.PARAMETER_AVERAGING, EngineMode.SINGLE_PROCESS).getAsDouble())
                .isCloseTo(2.0, within(1e-12));
        assertThat(report.throughputRatio(EngineMode.PARAMETER_AVERAGING, EngineMode.DL4J_SPARK).getAsDouble())
                .isCloseTo(1280.0 / 600, within(1e-12));
    }

    @Test
    void breakdownAveragesTheSteadyRoundsAndOverheadAppliesToTheDistributedEnginesOnly() {
        BenchmarkReport report = report(single, pa, ga, dl4j);

        BenchmarkRun.Breakdown b = report.run(EngineMode.PARAMETER_AVERAGING).orElseThrow().breakdown();
        assertThat(b.rounds()).isEqualTo(49);
        assertThat(b.roundMs()).isEqualTo(500.0);
        assertThat(b.computeMsMax()).isEqualTo(400.0);
        assertThat(b.computeMsMean()).isEqualTo(380.0);
        assertThat(b.broadcastMs()).isEqualTo(20.0);
        assertThat(b.waitMs()).isEqualTo(60.0);
        assertThat(b.combineMs()).isEqualTo(20.0);
        assertThat(b.bytesBroadcast()).isEqualTo(5e6);
        assertThat(b.bytesAggregated()).isEqualTo(1e7);
        assertThat(b.overhead().getAsDouble()).isCloseTo(0.2, within(1e-12));
        assertThat(report.run(EngineMode.GRADIENT_AVERAGING).orElseThrow().breakdown().overhead().getAsDouble())
                .isCloseTo(0.25, within(1e-12));
        assertThat(report.run(EngineMode.SINGLE_PROCESS).orElseThrow().breakdown().overhead()).isEmpty();
        assertThat(report.run(EngineMode.DL4J_SPARK).orElseThrow().breakdown().overhead()).isEmpty();
    }

    @Test
    void timeToTargetIsTheFirstEpochAtTargetOrTheCapFlagged() {
        BenchmarkReport report = report(single, pa, ga, dl4j);

        assertThat(report.run(EngineMode.SINGLE_PROCESS).orElseThrow().timeToTarget(0.88))
                .isEqualTo(new BenchmarkRun.TimeToTarget(0.88, 2, 10000, true, 2));
        assertThat(report.run(EngineMode.DL4J_SPARK).orElseThrow().timeToTarget(0.88))
                .isEqualTo(new BenchmarkRun.TimeToTarget(0.88, 3, 40000, true, 3));
        assertThat(report.run(EngineMode.GRADIENT_AVERAGING).orElseThrow().timeToTarget(0.88))
                .isEqualTo(new BenchmarkRun.TimeToTarget(0.88, 3, 12000, false, 3));
        assertThat(report.timeToTargetRatio(EngineMode.PARAMETER_AVERAGING, EngineMode.SINGLE_PROCESS).getAsDouble())
                .isCloseTo(0.6, within(1e-12));
        assertThat(report.toMarkdown()).contains("| 12.0 (not reached within 3 epochs; cap's time counted) |")
                .contains("| 6.0 (epoch 2) |");
    }

    @Test
    void summaryLineIsExactAndLast() {
        BenchmarkReport report = report(single, pa, ga, dl4j);

        String summary = "SUMMARY pa_vs_single=2.000 ga_vs_single=1.250 pa_vs_dl4jspark=2.133 tta_vs_single=0.600 "
                + "tta_vs_dl4jspark=0.150 pa_overhead=0.200 ga_overhead=0.250 acc_gap_pts=0.500";
        assertThat(report.summaryLine()).isEqualTo(summary);
        List<String> lines = report.toText().lines().toList();
        assertThat(lines.get(lines.size() - 1)).isEqualTo(summary);
    }

    @Test
    void markdownHasOneRowPerSystemWithAccuracyPerEpochAndTheMachine() {
        String md = report(single, pa, ga, dl4j).toMarkdown();

        assertThat(md).contains("Machine: 2 cores (Runtime.availableProcessors), Linux amd64, Java 17.0.15; "
                + "report of 2026-01-02.");
        assertThat(md).contains("| system | workers | steady ex/s | vs single-process | acc. epoch 1 | acc. epoch 2 "
                + "| acc. epoch 3 | time to 0.880 (s) |");
        assertThat(md).contains("| single-process | 1 (driver) | 640.0 | 1.000 | 0.8500 | 0.8900 |  | 10.0 (epoch 2) |");
        assertThat(md).contains("| dl4j-spark | 2 | 600.0 | 0.938 | 0.8300 | 0.8750 | 0.8820 | 40.0 (epoch 3) |");
        assertThat(md).contains("| parameter-averaging | 49 | 500.0 | 400.0 | 380.0 | 20.0 | 60.0 | 20.0 | 5.000 "
                + "| 10.000 | 0.200 |");
        assertThat(md).contains("| single-process | 98 | 100.0 | 100.0 | 100.0 | 0.0 | 0.0 | 0.0 | 0.000 | 0.000 | n/a |");
        assertThat(md.lines().filter(l -> l.startsWith("| dl4j-spark"))).hasSize(1);
    }

    @Test
    void missingSystemsGiveNa() {
        BenchmarkReport report = report(single, pa);

        assertThat(report.summaryLine()).isEqualTo("SUMMARY pa_vs_single=2.000 ga_vs_single=na pa_vs_dl4jspark=na "
                + "tta_vs_single=0.600 tta_vs_dl4jspark=na pa_overhead=0.200 ga_overhead=na acc_gap_pts=0.500");
        assertThat(report(dl4j).summaryLine()).isEqualTo("SUMMARY pa_vs_single=na ga_vs_single=na "
                + "pa_vs_dl4jspark=na tta_vs_single=na tta_vs_dl4jspark=na pa_overhead=na ga_overhead=na acc_gap_pts=na");
        assertThat(report.toMarkdown()).contains("Not run: gradient-averaging, dl4j-spark");
    }

    @Test
    void writesTheMarkdownAndA900x500Png() throws IOException {
        BenchmarkReport report = report(single, pa, ga, dl4j);
        Path out = tmp.resolve("report/nested");

        report.writeTo(out);

        assertThat(Files.readString(out.resolve(BenchmarkReport.MARKDOWN_FILE))).isEqualTo(report.toText());
        Path png = out.resolve(BenchmarkReport.CHART_FILE);
        assertThat(png).exists();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(900);
        assertThat(image.getHeight()).isEqualTo(500);
    }

    @Test
    void aFolderWithoutProvenanceIsAnErrorNamingIt() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("not-a-run"));

        assertThatThrownBy(() -> BenchmarkRun.read(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(empty.toString()).hasMessageContaining("provenance.json");
        assertThatThrownBy(() -> BenchmarkRun.read(tmp.resolve("absent")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(tmp.resolve("absent").toString());
    }

    @Test
    void aTrainingRunWithoutEpochAccuracyIsAnErrorACommunicationOnlyRunIsNot() throws IOException {
        List<RoundMetrics> rounds = List.of(new RoundMetrics(1, 1, 0.5, 128, 10, 10, 1, 1, 1, 100, 200, 15));
        List<String> settings = List.of("engine.mode=gradient-averaging", "engine.workers=2");
        Path trained = RunFolders.write(tmp.resolve("trained"), settings, "local[2]", 128, List.of(), 15, rounds);
        List<String> idleSettings = new ArrayList<>(settings);
        idleSettings.add("engine.communication-only=true");
        Path idle = RunFolders.write(tmp.resolve("idle"), idleSettings, "local[2]", 128, List.of(), 15, rounds);

        assertThatThrownBy(() -> BenchmarkRun.read(trained)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(trained.toString()).hasMessageContaining("no per-epoch test accuracy");
        BenchmarkRun communication = BenchmarkRun.read(idle);
        assertThat(communication.rounds()).hasSize(1);
        assertThatThrownBy(() -> communication.timeToTarget(0.9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no per-epoch test accuracy");
    }

    @Test
    void anUnknownModeIsAnErrorNamingTheFolderAndTheMode() throws IOException {
        Path odd = run("odd", "parameter-averaging", 2, 6000, List.of(at(1, 0.5, 100)), List.of(), 3,
                Round.compute(64, 10));
        Path provenance = odd.resolve(RunOutput.PROVENANCE);
        Files.writeString(provenance, Files.readString(provenance).replace("\"parameter-averaging\"", "\"federated\""));

        assertThatThrownBy(() -> BenchmarkRun.read(odd)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(odd.toString()).hasMessageContaining("config.engine.mode").hasMessageContaining("\"federated\"")
                .hasMessageContaining("single-process");
    }

    @Test
    void twoRunsOfOneModeAreAnError() throws IOException {
        Path again = run("pa-again", "parameter-averaging", 2, 6000, List.of(at(1, 0.5, 100)), List.of(), 3,
                Round.compute(64, 10));

        assertThatThrownBy(() -> report(pa, again)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(pa.toString()).hasMessageContaining(again.toString());
    }

    @Test
    void commandPrintsTheMarkdownEndingWithSummaryAndWritesBothFiles() {
        Path out = tmp.resolve("out");
        CommandOutcome run = CommandOutcome.dptrain("bench-report", "--target", "0.88", "--out", out.toString(),
                single.toString(), pa.toString(), ga.toString(), dl4j.toString());
        int code = run.code();
        String stdout = run.out();

        assertThat(code).isZero();
        assertThat(stdout).startsWith("# Benchmark").endsWith("acc_gap_pts=0.500\n");
        assertThat(out.resolve(BenchmarkReport.MARKDOWN_FILE)).exists();
        assertThat(out.resolve(BenchmarkReport.CHART_FILE)).exists();
    }

    @Test
    void commandRejectsAFolderWithoutProvenanceWithExitCode2() {
        CommandOutcome run = CommandOutcome.dptrain("bench-report", "--out", tmp.resolve("out").toString(),
                tmp.toString());
        int code = run.code();

        assertThat(code).isEqualTo(2);
        assertThat(run.err()).contains(tmp.toString()).contains("provenance.json");
    }
}
