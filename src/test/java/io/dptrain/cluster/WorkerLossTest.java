package io.dptrain.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dptrain.SparkSubmitJvm;
import io.dptrain.io.RunOutput;
import org.apache.spark.launcher.SparkAppHandle;
import org.apache.spark.launcher.SparkLauncher;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Worker JVM killed (SIGKILL) in the middle of a run on a standalone cluster of two 1-core
 * Workers: its executor ends with it, the run finishes on the surviving executor, every round
 * counts each shard once (the round in flight is recomputed, not added twice), and the model
 * equals a clean run's. The shards the lost executor had cached are rebuilt from the Parquet
 * tables, which every executor reads from this machine's file system.
 */
@Tag("cluster")
@Timeout(480)
class WorkerLossTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(180);
    /** Gradient averaging, batch 32 per worker: 300 rows per shard are 10 rounds per epoch. */
    private static final int EPOCHS = 3;
    private static final int ROUNDS = 10 * EPOCHS;
    /** The Worker dies once the driver has reported this round: early, so most of the run comes after. */
    private static final int KILL_AFTER_ROUND = 4;
    private static final Pattern PROGRESS = Pattern.compile("ConsoleProgress: round (\\d+)/(\\d+)");

    private static StandaloneCluster cluster;
    private static Path data;

    /** 1 core per Worker: each runs one executor, and after the loss the survivor runs both shards in turn. */
    @BeforeAll
    static void startCluster() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "worker-loss");
        data = ClusterJobs.fixtureTables(dir);
        cluster = StandaloneCluster.in(dir).workers(2, 1, "2g").start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void runSurvivesAWorkerKilledMidRunAndEndsLikeACleanRun() throws Exception {
        Path cleanRun = cluster.dir().resolve("run-clean");
        Path cleanLog = cluster.dir().resolve("submit-clean.log");
        assertThat(cluster.run(submitter(cleanLog, cleanRun), cleanLog, RUN_TIMEOUT))
                .as("final state of the clean run:%n%s", SparkSubmitJvm.tail(cleanLog))
                .isEqualTo(SparkAppHandle.State.FINISHED);

        Path faultRun = cluster.dir().resolve("run-fault");
        Path faultLog = cluster.dir().resolve("submit-fault.log");
        SparkSubmitJvm.Submission driver = cluster.start(submitter(faultLog, faultRun)
                .setConf("spark.extraListeners", ExecutorEvents.class.getName()));
        String appId = driver.awaitAppId(RUN_TIMEOUT, faultLog);
        awaitProgress(driver, faultLog, KILL_AFTER_ROUND);
        int victim = shardBlocksOf(1, appId, Files.readString(faultLog)).isEmpty() ? 2 : 1;
        int survivor = 3 - victim;
        List<String> lostShards = shardBlocksOf(victim, appId, Files.readString(faultLog));
        assertThat(lostShards).as("shard blocks cached by worker %d's executor, driver log %s", victim, faultLog)
                .isNotEmpty();
        List<ProcessHandle> executors = cluster.worker(victim).descendants().toList();
        assertThat(executors).as("worker %d's executor JVM", victim).isNotEmpty();

        cluster.worker(victim).destroyForcibly(); // SIGKILL: no shutdown hook, the Worker cannot stop its executor
        assertThat(cluster.worker(victim).waitFor(10, TimeUnit.SECONDS)).as("worker %d killed", victim).isTrue();
        // the executor's WorkerWatcher sees its connection to the Worker drop and exits the executor JVM
        try {
            for (ProcessHandle executor : executors) {
                boolean ended = executor.onExit().completeOnTimeout(null, 30, TimeUnit.SECONDS).join() != null;
                assertThat(ended).as("executor pid %d of the killed worker ended by itself within 30 s",
                        executor.pid()).isTrue();
            }
        } finally {
            // an orphan the cluster's close() cannot find any more (its parent is gone) must not outlive a failure
            executors.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }

        assertThat(driver.awaitEnd(RUN_TIMEOUT, faultLog)).as("final state after the loss:%n%s",
                SparkSubmitJvm.tail(faultLog)).isEqualTo(SparkAppHandle.State.FINISHED);
        assertThat(faultRun.resolve(RunOutput.MODEL)).isNotEmptyFile();

        // mid-run: the driver's listener saw the executor removed after round KILL_AFTER_ROUND and before the last
        String log = Files.readString(faultLog);
        int lostAt = log.indexOf(ExecutorEvents.removed(executorId(victim, appId)) + "\n");
        assertThat(lostAt).as("the driver's listener saw worker %d's executor removed", victim).isNotNegative();
        assertThat(lastRound(log.substring(0, lostAt))).as("last round reported before the loss")
                .isBetween(KILL_AFTER_ROUND, ROUNDS - 1);
        // the lost shards were rebuilt from the Parquet table and cached by the surviving executor
        String afterLoss = log.substring(lostAt);
        for (String shard : lostShards) {
            assertThat(afterLoss).as("%s rebuilt on worker %d's executor after the loss", shard, survivor)
                    .contains(ExecutorEvents.cached(shard, executorId(survivor, appId)) + "\n");
        }

        // every round counted each shard once: the round in flight at the loss was recomputed, not added twice
        List<JsonNode> clean = rounds(cleanRun);
        List<JsonNode> fault = rounds(faultRun);
        assertThat(clean).as("rounds of the clean run").hasSize(ROUNDS);
        assertThat(fault).as("rounds of the run with the loss").hasSize(ROUNDS);
        for (int r = 0; r < ROUNDS; r++) {
            assertThat(fault.get(r).get("examples").asLong()).as("examples of round %d", r + 1)
                    .isEqualTo(clean.get(r).get("examples").asLong());
        }
        // Identical, not merely close: a rebuilt replica loads the broadcast parameters, a rebuilt shard
        // has the same rows in the same order (the layout depends only on the seed and the table), each
        // task runs one nd4j thread wherever it lands, never on the thread that loaded nd4j's natives
        // (which rounds oneDNN's convolutions differently: NativeBuild.load), and gradient averaging adds
        // two vectors, which is commutative in floating point; so the run with the loss computes exactly
        // the clean run's numbers. Compared as float arrays: INDArray.equals allows a relative 1e-5.
        assertThat(model(faultRun).params().toFloatVector()).as("parameters after the loss")
                .isEqualTo(model(cleanRun).params().toFloatVector());
        double cleanAccuracy = testAccuracy(cleanRun);
        assertThat(testAccuracy(faultRun)).as("test accuracy after the loss, clean run %s", cleanAccuracy)
                .isEqualTo(cleanAccuracy);
    }

    private static SparkLauncher submitter(Path log, Path run) {
        return cluster.submitter(log, ClusterJobs.tinyLenetTrain(data, run, "engine.mode=gradient-averaging",
                        "train.epochs=" + EPOCHS, "train.progress-every=1", "train.learning-rate=0.005"))
                .setAppName("dptrain worker-loss test").setConf(SparkLauncher.EXECUTOR_MEMORY, "768m")
                .setConf("spark.cores.max", "2");
    }

    /** Waits until the driver's log reports round {@code round}; fails if the driver ends first. */
    private static void awaitProgress(SparkSubmitJvm.Submission driver, Path log, int round)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        while (lastRound(Files.readString(log)) < round) {
            assertThat(driver.running()).as("driver alive before round %d:%n%s", round, SparkSubmitJvm.tail(log))
                    .isTrue();
            assertThat(System.nanoTime()).as("round %d within %s", round, RUN_TIMEOUT).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static int lastRound(String log) {
        Matcher matcher = PROGRESS.matcher(log);
        int last = 0;
        while (matcher.find()) {
            last = Integer.parseInt(matcher.group(1));
        }
        return last;
    }

    /** The id of the application's executor on Worker {@code worker}: its folder in the Worker's work folder. */
    private static String executorId(int worker, String appId) throws IOException {
        try (Stream<Path> executors = Files.list(cluster.workDir(worker).resolve(appId))) {
            List<String> ids = executors.map(p -> p.getFileName().toString()).toList();
            assertThat(ids).as("executors of %s on worker %d", appId, worker).hasSize(1);
            return ids.get(0);
        }
    }

    /** The cached blocks ({@code rdd_<id>_<partition>}: the shards) the driver's listener saw on Worker {@code worker}'s executor. */
    private static List<String> shardBlocksOf(int worker, String appId, String log) throws IOException {
        String executor = executorId(worker, appId);
        Matcher matcher = ExecutorEvents.CACHED.matcher(log);
        List<String> blocks = new ArrayList<>();
        while (matcher.find()) {
            if (matcher.group(2).equals(executor)) {
                blocks.add(matcher.group(1));
            }
        }
        return blocks;
    }

    private static MultiLayerNetwork model(Path run) throws IOException {
        return ModelSerializer.restoreMultiLayerNetwork(run.resolve(RunOutput.MODEL).toFile(), false);
    }

    private static List<JsonNode> rounds(Path run) throws IOException {
        List<JsonNode> rounds = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(RunOutput.METRICS))) {
            if (!line.isBlank()) {
                rounds.add(JSON.readTree(line));
            }
        }
        return rounds;
    }

    private static double testAccuracy(Path run) throws IOException {
        return JSON.readTree(run.resolve(RunOutput.PROVENANCE).toFile()).get("test").get("accuracy").asDouble();
    }
}
