package io.dptrain.bench;

import io.dptrain.checkpoint.Checkpoint;
import io.dptrain.config.Choices.ShardStorage;
import io.dptrain.config.DptrainConfig;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * The throughput cost of spilled shards ({@code dptrain.engine.shard-storage}): one training job run
 * twice, with its shards in memory and spilled, compared on steady examples per second (see
 * {@link BenchmarkRun#steadyExamplesPerSecond}). The two runs must be the same computation: their
 * configurations may differ only in the shard storage and the settings that do not change what is
 * computed (the checkpoint fingerprint's rule), so they train the same parameters and the ratio is
 * the cost of reading and decoding each round's minibatches.
 *
 * @param memory         the run with {@code shard-storage = memory}
 * @param spilled        the run with a spilling storage
 * @param spilledStorage which spilling storage
 */
public record SpillBenchmarkReport(BenchmarkRun memory, BenchmarkRun spilled, ShardStorage spilledStorage) {

    public SpillBenchmarkReport {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(spilled, "spilled");
        if (spilledStorage == ShardStorage.MEMORY) {
            throw new IllegalArgumentException("run folder " + spilled.dir() + " kept its shards in memory; "
                    + "give a run with dptrain.engine.shard-storage = memory-and-disk or disk");
        }
    }

    /** Reads the two run folders; errors name the folder and what does not match. */
    public static SpillBenchmarkReport read(Path memoryDir, Path spilledDir) {
        RunFolder memory = RunFolder.read(memoryDir);
        RunFolder spilled = RunFolder.read(spilledDir);
        DptrainConfig memoryConfig = memory.provenance().config();
        DptrainConfig spilledConfig = spilled.provenance().config();
        if (memoryConfig.engine().shardStorage() != ShardStorage.MEMORY) {
            throw new IllegalArgumentException("run folder " + memoryDir + " has dptrain.engine.shard-storage = "
                    + memoryConfig.engine().shardStorage().configName() + "; give a run with memory");
        }
        if (!Checkpoint.fingerprint(memoryConfig).equals(Checkpoint.fingerprint(spilledConfig))) {
            throw new IllegalArgumentException("run folders " + memoryDir + " and " + spilledDir + " are not the same "
                    + "job: their configurations differ in more than the shard storage (compare their "
                    + "provenance.json)");
        }
        return new SpillBenchmarkReport(BenchmarkRun.of(memory), BenchmarkRun.of(spilled),
                spilledConfig.engine().shardStorage());
    }

    /** Steady examples/s with spilled shards over steady examples/s with in-memory shards. */
    public double spillRatio() {
        return spilled.steadyExamplesPerSecond() / memory.steadyExamplesPerSecond();
    }

    /** The comparison as text; the last line is {@code SUMMARY spill_ratio=R}. */
    public String toText() {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%s, %d workers, %d training rows, %d rounds (%d skipped as warm-up)%n",
                memory.mode().configName(), memory.workers(), memory.trainRows(), memory.rounds().size(),
                memory.warmupRounds()));
        text.append("| shards | steady ex/s | mean round ms | mean slowest compute ms | last test accuracy |\n");
        text.append("|---|---|---|---|---|\n");
        line(text, "memory", memory);
        line(text, spilledStorage.configName(), spilled);
        text.append(String.format(Locale.ROOT, "SUMMARY spill_ratio=%.3f%n", spillRatio()));
        return text.toString();
    }

    private static void line(StringBuilder text, String label, BenchmarkRun run) {
        BenchmarkRun.Breakdown b = run.breakdown();
        text.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.4f |%n", label,
                run.steadyExamplesPerSecond(), b.roundMs(), b.computeMsMax(),
                run.accuracyAfter(run.lastEpoch()).orElse(Double.NaN)));
    }
}
