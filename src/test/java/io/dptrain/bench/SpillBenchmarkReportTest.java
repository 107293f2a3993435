package io.dptrain.bench;

import io.dptrain.RoundMetrics;
import io.dptrain.cli.CommandOutcome;
import io.dptrain.report.EpochEvaluation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpillBenchmarkReportTest {
    @TempDir
    Path tmp;

    /** A run folder of 50 rounds of 640 examples: 2 warm-up rounds of 5 s, then rounds of steadyRoundMs. */
    private Path run(String name, String storage, long steadyRoundMs, String... more) throws IOException {
        Path dir = tmp.resolve(name);
        List<RoundMetrics> metrics = new ArrayList<>();
        for (int round = 1; round <= 50; round++) {
            long roundMs = round == 1 ? 5000 : steadyRoundMs;
            metrics.add(new RoundMetrics(round, 1, 0.5, 640, roundMs - 100, roundMs - 120, 10, 85, 5, 5_000_000,
                    10_000_000, roundMs));
        }
        List<String> settings = new ArrayList<>(List.of("data.train-limit=32000", "engine.mode=parameter-averaging",
                "engine.workers=2", "engine.shard-storage=" + storage, "spark.master=local[2]", "output.dir=" + dir));
        settings.addAll(List.of(more));
        return RunFolders.write(dir, settings, "local[2]", 32_000,
                List.of(new EpochEvaluation.Point(1, 0.8125, 60_000)), 60_000, metrics);
    }

    @Test
    void ratioIsSpilledOverInMemorySteadyThroughput() throws IOException {
        // steady rounds (2..50): 640 examples in 800 ms = 800 ex/s in memory, in 1000 ms = 640 ex/s on disk
        SpillBenchmarkReport report = SpillBenchmarkReport.read(run("memory", "memory", 800),
                run("disk", "disk", 1000));

        assertThat(report.spillRatio()).isEqualTo(0.8);
        assertThat(report.toText()).contains("| memory | 800.0 | 800.0 | 700.0 | 0.8125 |\n")
                .contains("| disk | 640.0 | 1000.0 | 900.0 | 0.8125 |\n")
                .endsWith("\nSUMMARY spill_ratio=0.800\n");
    }

    @Test
    void runsMustBeTheSameJobApartFromTheStorage() throws IOException {
        Path memory = run("memory", "memory", 800);
        Path otherJob = run("other", "memory-and-disk", 1000, "engine.local-steps=20");
        assertThatThrownBy(() -> SpillBenchmarkReport.read(memory, otherJob))
                .hasMessageContaining("are not the same job");
        Path alsoMemory = run("memory-again", "memory", 800);
        assertThatThrownBy(() -> SpillBenchmarkReport.read(memory, alsoMemory))
                .hasMessageContaining("kept its shards in memory");
        assertThatThrownBy(() -> SpillBenchmarkReport.read(run("disk", "disk", 800), memory))
                .hasMessageContaining("has dptrain.engine.shard-storage = disk; give a run with memory");
    }

    @Test
    void commandPrintsTheTableEndingWithSummary() throws IOException {
        CommandOutcome run = CommandOutcome.dptrain("spill-bench-report", "--memory",
                run("memory", "memory", 800).toString(), "--spilled",
                run("spilled", "memory-and-disk", 1000).toString());

        assertThat(run.code()).isZero();
        assertThat(run.out()).startsWith("parameter-averaging, 2 workers, 32000 training rows, 50 rounds (1 skipped")
                .endsWith("\nSUMMARY spill_ratio=0.800\n");
    }
}
