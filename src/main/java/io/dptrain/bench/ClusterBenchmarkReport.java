package io.dptrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dptrain.io.RunOutput;
import io.dptrain.json.Json;
import io.dptrain.report.Provenance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The cluster benchmark's report (jobs/bench-cluster.sh): the same training job run on local[2] and
 * on a standalone cluster of two 1-core executors, compared on steady examples/s (the same rule as
 * {@link BenchmarkRun}), the per-round time breakdown, and the executors' resident memory (VmRSS)
 * sampled when the driver reported an early and a late round. {@link #toText()} is the markdown
 * followed by the last line {@code SUMMARY cluster_vs_local=R rss_growth=F}.
 *
 * <p>rss_growth is the largest relative growth of any executor between the two rounds: a replica
 * that leaks per round shows up there, while the heap and the native pools are already warm at the
 * early round.
 */
public final class ClusterBenchmarkReport {
    public static final String MARKDOWN_FILE = BenchmarkReport.MARKDOWN_FILE;

    /**
     * One reading of an executor's VmRSS, taken when the driver reported {@code round}.
     *
     * @param executor which executor (e.g. the Worker that started it: worker-1)
     * @param pid      the executor JVM's process id
     * @param round    the round the driver had just finished
     * @param rssKb    VmRSS from /proc/PID/status, in kB
     */
    public record RssSample(String executor, long pid, int round, long rssKb) {
        public RssSample {
            Objects.requireNonNull(executor, "executor");
            if (executor.isBlank() || executor.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("executor name '" + executor + "' is not allowed; allowed: a "
                        + "non-empty name without spaces, e.g. worker-1");
            }
            if (pid < 1 || round < 1 || rssKb < 1) {
                throw new IllegalArgumentException("RSS sample of " + executor + " has pid " + pid + ", round " + round
                        + ", rss " + rssKb + " kB; allowed: each >= 1");
            }
        }
    }

    /** One executor's VmRSS at the early and the late round; the same JVM (pid) at both. */
    public record ExecutorMemory(String executor, long pid, long earlyKb, long lateKb) {
        /** (late - early) / early. */
        public double growth() {
            return (lateKb - earlyKb) / (double) earlyKb;
        }
    }

    private final BenchmarkRun local;
    private final BenchmarkRun cluster;
    private final int earlyRound;
    private final int lateRound;
    private final List<ExecutorMemory> executors;
    private final BenchmarkReport.Machine machine;

    /**
     * @param local      the local[2] run
     * @param cluster    the same job on the standalone cluster; it must have reached {@code lateRound}
     * @param samples    VmRSS readings of the cluster's executors; every executor needs one at
     *                   {@code earlyRound} and one at {@code lateRound} from the same pid (readings at
     *                   other rounds are ignored)
     * @param earlyRound 1 <= earlyRound < lateRound
     */
    public ClusterBenchmarkReport(BenchmarkRun local, BenchmarkRun cluster, List<RssSample> samples, int earlyRound,
                                  int lateRound, BenchmarkReport.Machine machine) {
        if (earlyRound < 1 || lateRound <= earlyRound) {
            throw new IllegalArgumentException("RSS rounds " + earlyRound + " and " + lateRound + " are not allowed; "
                    + "allowed: 1 <= early round < late round");
        }
        if (local.mode() != cluster.mode() || local.workers() != cluster.workers()
                || local.trainRows() != cluster.trainRows()) {
            throw new IllegalArgumentException("the local run " + local.dir() + " (" + describe(local) + ") and the "
                    + "cluster run " + cluster.dir() + " (" + describe(cluster) + ") did not train the same job");
        }
        if (cluster.rounds().size() < lateRound) {
            throw new IllegalArgumentException("the cluster run " + cluster.dir() + " has " + cluster.rounds().size()
                    + " rounds, fewer than the late RSS round " + lateRound + ": train more epochs or choose an "
                    + "earlier round");
        }
        this.local = local;
        this.cluster = cluster;
        this.earlyRound = earlyRound;
        this.lateRound = lateRound;
        this.executors = pair(samples, earlyRound, lateRound);
        this.machine = machine;
    }

    /**
     * Reads both run folders ({@link BenchmarkRun#read}) and the RSS samples ({@link #readSamples});
     * the runs' configurations must be equal except for output, spark and checkpoint settings.
     */
    public static ClusterBenchmarkReport read(Path localDir, Path clusterDir, Path samplesFile, int earlyRound,
                                              int lateRound) {
        BenchmarkRun local = BenchmarkRun.read(localDir);
        BenchmarkRun cluster = BenchmarkRun.read(clusterDir);
        List<String> differences = configDifferences(jobConfig(localDir), jobConfig(clusterDir));
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("the local run " + localDir + " and the cluster run " + clusterDir
                    + " did not train the same job; their configurations differ in " + String.join(", ", differences));
        }
        return new ClusterBenchmarkReport(local, cluster, readSamples(samplesFile), earlyRound, lateRound,
                BenchmarkReport.Machine.current());
    }

    /**
     * Reads RSS samples: one per line, {@code EXECUTOR PID ROUND RSS_KB} separated by whitespace
     * (what jobs/bench-cluster.sh writes); blank lines and lines starting with # are skipped.
     */
    public static List<RssSample> readSamples(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("RSS samples file " + file + " does not exist or is not a file");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the RSS samples file " + file, e);
        }
        List<RssSample> samples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            try {
                if (f.length != 4) {
                    throw new IllegalArgumentException("it has " + f.length + " fields");
                }
                samples.add(new RssSample(f[0], Long.parseLong(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3])));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + " '" + line + "' is not an RSS sample ("
                        + e.getMessage() + "); allowed: EXECUTOR PID ROUND RSS_KB, e.g. 'worker-1 4242 20 812345'", e);
            }
        }
        return samples;
    }

    private static List<ExecutorMemory> pair(List<RssSample> samples, int earlyRound, int lateRound) {
        Map<String, RssSample> early = new LinkedHashMap<>();
        Map<String, RssSample> late = new LinkedHashMap<>();
        for (RssSample s : samples) {
            Map<String, RssSample> at = s.round() == earlyRound ? early : s.round() == lateRound ? late : null;
            if (at != null && at.put(s.executor(), s) != null) {
                throw new IllegalArgumentException("executor " + s.executor() + " has two RSS samples at round "
                        + s.round() + "; allowed: one per executor and round");
            }
        }
        TreeSet<String> names = new TreeSet<>(early.keySet());
        names.addAll(late.keySet());
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no executor RSS samples at rounds " + earlyRound + " and " + lateRound
                    + ": the sampler found no executor JVMs, or the driver never reported those rounds");
        }
        List<ExecutorMemory> paired = new ArrayList<>();
        for (String name : names) {
            RssSample a = early.get(name);
            RssSample b = late.get(name);
            if (a == null || b == null) {
                throw new IllegalArgumentException("executor " + name + " has no RSS sample at round "
                        + (a == null ? earlyRound : lateRound) + "; each executor needs one at both rounds");
            }
            if (a.pid() != b.pid()) {
                throw new IllegalArgumentException("executor " + name + " was pid " + a.pid() + " at round "
                        + earlyRound + " but pid " + b.pid() + " at round " + lateRound + ": the executor was "
                        + "replaced (lost and restarted), so its memory growth says nothing; see the Worker's log");
            }
            paired.add(new ExecutorMemory(name, a.pid(), a.rssKb(), b.rssKb()));
        }
        return List.copyOf(paired);
    }

    private static ObjectNode jobConfig(Path runDir) {
        Path file = runDir.resolve(RunOutput.PROVENANCE);
        try {
            ObjectNode job = Json.MAPPER.valueToTree(Provenance.fromJson(Files.readString(file), file.toString())
                    .config());
            // where the run ran and wrote to, not what it trained
            job.remove(List.of("output", "spark", "checkpoint"));
            return job;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** JSON pointers whose values differ between two configurations, with both values. */
    static List<String> configDifferences(JsonNode a, JsonNode b) {
        List<String> differences = new ArrayList<>();
        collectDifferences("", a, b, differences);
        return differences;
    }

    private static void collectDifferences(String pointer, JsonNode a, JsonNode b, List<String> out) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            TreeSet<String> keys = new TreeSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                collectDifferences(pointer + "/" + key, a.get(key), b.get(key), out);
            }
        } else if (!Objects.equals(a, b)) {
            out.add(pointer + " (" + a + " vs " + b + ")");
        }
    }

    public double clusterVsLocal() {
        return cluster.steadyExamplesPerSecond() / local.steadyExamplesPerSecond();
    }

    /** The executors in name order. */
    public List<ExecutorMemory> executors() {
        return executors;
    }

    /** The largest relative RSS growth of any executor between the early and the late round. */
    public double rssGrowth() {
        return executors.stream().mapToDouble(ExecutorMemory::growth).max().orElseThrow();
    }

    /** {@code SUMMARY cluster_vs_local=R rss_growth=F}, three and four decimals. */
    public String summaryLine() {
        return String.format(Locale.ROOT, "SUMMARY cluster_vs_local=%.3f rss_growth=%.4f", clusterVsLocal(),
                rssGrowth());
    }

    public String toMarkdown() {
        StringBuilder md = new StringBuilder("# Benchmark: standalone cluster against local[2]\n\n");
        md.append(String.format(Locale.ROOT, "Machine: %d cores (Runtime.availableProcessors), %s %s, Java %s; "
                + "report of %s.%n%n", machine.cores(), machine.os(), machine.arch(), machine.java(), machine.date()));
        md.append(String.format(Locale.ROOT, "Job: %s with %d workers, %d training rows, %d epoch(s) (%d rounds). "
                        + "Steady state skips the first max(1, ceil(2%%)) rounds (replica building, JIT warm-up); "
                        + "round times exclude Spark start, data preparation and evaluation.%n%n",
                local.mode().configName(), local.workers(), local.trainRows(), local.lastEpoch(),
                local.rounds().size()));

        int epochs = Math.max(local.lastEpoch(), cluster.lastEpoch());
        md.append("| run | steady ex/s | vs local[2] |");
        for (int e = 1; e <= epochs; e++) {
            md.append(" acc. epoch ").append(e).append(" |");
        }
        md.append("\n|---|---:|---:|").append("---:|".repeat(epochs)).append('\n');
        row(md, "local[2]", local, 1.0, epochs);
        row(md, "standalone cluster (2 Workers x 1 core)", cluster, clusterVsLocal(), epochs);

        md.append("\n## Per-round breakdown (means over the steady rounds)\n\n")
                .append("| run | rounds | round ms | compute max ms | compute mean ms | broadcast ms | wait ms "
                        + "| combine ms | broadcast MB | aggregated MB | overhead |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        breakdown(md, "local[2]", local);
        breakdown(md, "standalone cluster", cluster);
        md.append("\nWait = round - compute max - broadcast - combine: scheduling, task start and result transfer. "
                + "Overhead = 1 - sum(compute max) / sum(round).\n");

        md.append(String.format(Locale.ROOT, "%n## Executor memory (VmRSS of the executor JVMs)%n%n"
                + "| executor | pid | RSS at round %d (MB) | RSS at round %d (MB) | growth |%n"
                + "|---|---:|---:|---:|---:|%n", earlyRound, lateRound));
        for (ExecutorMemory e : executors) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %+.2f%% |%n", e.executor(), e.pid(),
                    e.earlyKb() / 1024.0, e.lateKb() / 1024.0, 100 * e.growth()));
        }
        md.append(String.format(Locale.ROOT, "%nRead from /proc/PID/status when the driver reported rounds %d and %d; "
                + "rss_growth = max over executors of (RSS %d - RSS %d) / RSS %d.%n", earlyRound, lateRound, lateRound,
                earlyRound, earlyRound));

        md.append("\n## Runs\n\n");
        md.append(String.format(Locale.ROOT, "- local[2]: `%s`, %d rounds, %d skipped as warm-up%n", local.dir(),
                local.rounds().size(), local.warmupRounds()));
        md.append(String.format(Locale.ROOT, "- standalone cluster: `%s` (master %s), %d rounds, %d skipped as "
                + "warm-up%n", cluster.dir(), cluster.master(), cluster.rounds().size(), cluster.warmupRounds()));
        return md.toString();
    }

    /** The markdown followed by the SUMMARY line, which is the last line. */
    public String toText() {
        return toMarkdown() + "\n" + summaryLine() + "\n";
    }

    /** Writes {@value #MARKDOWN_FILE} ({@link #toText()}) into {@code dir}, creating it. */
    public void writeTo(Path dir) {
        BenchmarkReport.writeMarkdown(dir, toText());
    }

    private static void row(StringBuilder md, String label, BenchmarkRun run, double ratio, int epochs) {
        md.append(String.format(Locale.ROOT, "| %s | %.1f | %.3f |", label, run.steadyExamplesPerSecond(), ratio));
        for (int e = 1; e <= epochs; e++) {
            var accuracy = run.accuracyAfter(e);
            md.append(accuracy.isPresent() ? String.format(Locale.ROOT, " %.4f |", accuracy.getAsDouble()) : " |");
        }
        md.append('\n');
    }

    private static void breakdown(StringBuilder md, String label, BenchmarkRun run) {
        BenchmarkRun.Breakdown b = run.breakdown();
        md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.3f | %.3f | %s |%n",
                label, b.rounds(), b.roundMs(), b.computeMsMax(), b.computeMsMean(), b.broadcastMs(), b.waitMs(),
                b.combineMs(), b.bytesBroadcast() / 1e6, b.bytesAggregated() / 1e6,
                b.overhead().isPresent() ? String.format(Locale.ROOT, "%.3f", b.overhead().getAsDouble()) : "n/a"));
    }

    private static String describe(BenchmarkRun run) {
        return run.mode().configName() + ", " + run.workers() + " workers, " + run.trainRows() + " rows";
    }
}
