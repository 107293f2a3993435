package io.dptrain.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.RoundMetrics;
import io.dptrain.cli.CommandOutcome;
import io.dptrain.bench.ClusterBenchmarkReport.ExecutorMemory;
import io.dptrain.bench.ClusterBenchmarkReport.RssSample;
import io.dptrain.report.EpochEvaluation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster benchmark report on hand-written run folders: 100 rounds each, the first 2 skipped as
 * warm-up; local[2] steady rounds take 500 ms for 640 examples (1280 ex/s), the cluster's 640 ms
 * (1000 ex/s), so the ratio is 0.78125.
 */
@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterBenchmarkReportTest {
    private static final BenchmarkReport.Machine MACHINE =
            new BenchmarkReport.Machine(2, "Linux", "amd64", "17.0.15", LocalDate.of(2026, 1, 2));

    @TempDir
    Path tmp;

    private Path local;
    private Path cluster;

    /** Writes a run folder as `dptrain train` leaves it. */
    private Path run(String name, String master, int epochs, int rounds, long steadyRoundMs, long computeMs)
            throws IOException {
        Path dir = tmp.resolve(name);
        List<RoundMetrics> metrics = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            long roundMs = round <= 2 ? 5000 : steadyRoundMs;
            long compute = round <= 2 ? 4000 : computeMs;
            metrics.add(new RoundMetrics(round, 1, 0.5, 640, compute, compute, 10, roundMs - compute - 15, 5,
                    5_000_000, 10_000_000, roundMs));
        }
        return RunFolders.write(dir, List.of("data.train=/data/fashion-mnist-train.parquet", "train.epochs=" + epochs,
                        "train.batch-size=64", "engine.mode=parameter-averaging", "engine.workers=2",
                        "engine.local-steps=5", "spark.master=" + master, "output.dir=" + dir),
                master, 60_000, List.of(new EpochEvaluation.Point(1, 0.86, 60_000)), 60_000, metrics);
    }

    @BeforeEach
    void runFolders() throws IOException {
        local = run("local", "local[2]", 1, 100, 500, 450);
        cluster = run("cluster", "spark://127.0.0.1:7077", 1, 100, 640, 560);
    }

    private static List<RssSample> samples(long worker2LateKb) {
        return List.of(new RssSample("worker-1", 101, 10, 700_000), new RssSample("worker-1", 101, 20, 800_000),
                new RssSample("worker-2", 202, 20, 1_000_000), new RssSample("worker-1", 101, 90, 808_000),
                new RssSample("worker-2", 202, 90, worker2LateKb));
    }

    private ClusterBenchmarkReport report(List<RssSample> samples) {
        return new ClusterBenchmarkReport(BenchmarkRun.read(local), BenchmarkRun.read(cluster), samples, 20, 90,
                MACHINE);
    }

    @Test
    void ratioOfSteadyThroughputAndLargestRssGrowthOverExecutors() {
        ClusterBenchmarkReport report = report(samples(1_030_000));

        assertThat(report.clusterVsLocal()).isCloseTo(1000.0 / 1280.0, within(1e-12));
        assertThat(report.executors()).containsExactly(new ExecutorMemory("worker-1", 101, 800_000, 808_000),
                new ExecutorMemory("worker-2", 202, 1_000_000, 1_030_000));
        assertThat(report.rssGrowth()).isCloseTo(0.03, within(1e-12));
        assertThat(report.summaryLine()).isEqualTo("SUMMARY cluster_vs_local=0.781 rss_growth=0.0300");
    }

    @Test
    void shrinkingMemoryGivesANegativeGrowthAndTheLargestStillWins() {
        ClusterBenchmarkReport report = report(samples(900_000));

        assertThat(report.executors()).extracting(ExecutorMemory::growth).containsExactly(0.01, -0.1);
        assertThat(report.rssGrowth()).isCloseTo(0.01, within(1e-12));
    }

    @Test
    void markdownHasBothRunsTheBreakdownAndEveryExecutorAndEndsWithTheSummary() {
        String text = report(samples(1_030_000)).toText();

        assertThat(text).contains("| local[2] | 1280.0 | 1.000 | 0.8600 |")
                .contains("| standalone cluster (2 Workers x 1 core) | 1000.0 | 0.781 | 0.8600 |")
                .contains("| local[2] | 98 | 500.0 | 450.0 | 450.0 | 10.0 | 35.0 | 5.0 | 5.000 | 10.000 | 0.100 |")
                .contains("| standalone cluster | 98 | 640.0 | 560.0 | 560.0 | 10.0 | 65.0 | 5.0 | 5.000 | 10.000 | 0.125 |")
                .contains("| worker-1 | 101 | 781.3 | 789.1 | +1.00% |")
                .contains("| worker-2 | 202 | 976.6 | 1005.9 | +3.00% |")
                .contains("master spark://127.0.0.1:7077")
                .endsWith("\nSUMMARY cluster_vs_local=0.781 rss_growth=0.0300\n");
    }

    @Test
    void anExecutorReplacedBetweenTheRoundsIsAnErrorNamingBothPids() {
        List<RssSample> replaced = List.of(new RssSample("worker-1", 101, 20, 800_000),
                new RssSample("worker-1", 333, 90, 400_000));

        assertThatThrownBy(() -> report(replaced)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker-1").hasMessageContaining("101").hasMessageContaining("333")
                .hasMessageContaining("replaced");
    }

    @Test
    void aMissingSampleOrNoneAtAllIsAnErrorNamingTheRound() {
        List<RssSample> noLate = List.of(new RssSample("worker-1", 101, 20, 800_000),
                new RssSample("worker-1", 101, 90, 800_000), new RssSample("worker-2", 202, 20, 800_000));

        assertThatThrownBy(() -> report(noLate)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker-2 has no RSS sample at round 90");
        assertThatThrownBy(() -> report(List.of(new RssSample("worker-1", 101, 10, 800_000))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no executor RSS samples");
    }

    @Test
    void aClusterRunShorterThanTheLateRoundOrBadRoundsAreErrors() {
        BenchmarkRun l = BenchmarkRun.read(local);
        BenchmarkRun c = BenchmarkRun.read(cluster);

        assertThatThrownBy(() -> new ClusterBenchmarkReport(l, c, samples(1_000_000), 20, 200, MACHINE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100 rounds")
                .hasMessageContaining("200");
        assertThatThrownBy(() -> new ClusterBenchmarkReport(l, c, samples(1_000_000), 90, 20, MACHINE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("90 and 20");
    }

    @Test
    void runsOfDifferentJobsAreRejectedNamingWhatDiffers() throws IOException {
        Path longer = run("longer", "spark://127.0.0.1:7077", 3, 100, 640, 560);
        Path rss = Files.writeString(tmp.resolve("rss.tsv"), "worker-1 101 20 800000\nworker-1 101 90 808000\n");

        assertThatThrownBy(() -> ClusterBenchmarkReport.read(local, longer, rss, 20, 90))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/train/epochs (1 vs 3)")
                .hasMessageNotContaining("/output").hasMessageNotContaining("/spark");
    }

    @Test
    void samplesFileSkipsCommentsAndRejectsABadLineNamingIt() throws IOException {
        Path good = Files.writeString(tmp.resolve("good.tsv"), "# executor pid round rss_kb\n\nworker-1\t101\t20\t800000\n");
        Path bad = Files.writeString(tmp.resolve("bad.tsv"), "worker-1 101 20 800000\nworker-2 202 twenty 5\n");

        assertThat(ClusterBenchmarkReport.readSamples(good)).containsExactly(new RssSample("worker-1", 101, 20, 800_000));
        assertThatThrownBy(() -> ClusterBenchmarkReport.readSamples(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bad + " line 2").hasMessageContaining("twenty");
    }

    @Test
    void commandPrintsTheReportEndingWithSummaryAndWritesIt() throws IOException {
        Path rss = Files.writeString(tmp.resolve("rss.tsv"), "worker-1 101 20 800000\nworker-1 101 90 840000\n");
        Path out = tmp.resolve("out");
        CommandOutcome run = CommandOutcome.dptrain("cluster-bench-report", "--local", local.toString(), "--cluster",
                cluster.toString(), "--rss", rss.toString(), "--rss-rounds", "20,90", "--out", out.toString());
        int code = run.code();

        assertThat(code).isZero();
        assertThat(run.out()).startsWith("# Benchmark: standalone cluster")
                .endsWith("\nSUMMARY cluster_vs_local=0.781 rss_growth=0.0500\n");
        assertThat(Files.readString(out.resolve(ClusterBenchmarkReport.MARKDOWN_FILE)))
                .isEqualTo(run.out());
    }

    @Test
    void commandRejectsThreeRssRoundsWithExitCode2() throws IOException {
        Path rss = Files.writeString(tmp.resolve("rss.tsv"), "worker-1 101 20 800000\n");
        CommandOutcome run = CommandOutcome.dptrain("cluster-bench-report", "--local", local.toString(), "--cluster",
                cluster.toString(), "--rss", rss.toString(), "--rss-rounds", "20,90,200", "--out",
                tmp.resolve("out").toString());
        int code = run.code();

        assertThat(code).isEqualTo(2);
        assertThat(run.err()).contains("--rss-rounds [20, 90, 200] is not allowed");
    }
}
