package io.dptrain.hdfs;

import io.dptrain.SparkSubmitJvm;
import io.dptrain.checkpoint.CheckpointStore;
import io.dptrain.cli.Dptrain;
import io.dptrain.data.Fixtures;
import io.dptrain.io.RunOutput;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.launcher.SparkAppHandle;
import org.apache.spark.launcher.SparkLauncher;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.dptrain.SparkSubmitJvm.tail;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The driver dies and the run goes on: a training driver (SparkSubmit, client mode, {@code local[2]},
 * its own JVM) reads its data from and writes its checkpoints to a {@link MiniHdfs} in this JVM by
 * {@code hdfs://} URIs; once a checkpoint for round 2N or later is on HDFS and the driver has gone
 * N/2 rounds past it, it is killed with SIGKILL (no shutdown hook, no finally block runs), and the same
 * command with {@code --resume} finishes the run from the newest checkpoint, having lost at most N
 * rounds and counting none twice.
 * Runs in the surefire execution of the tag "cluster".
 */
@Tag("cluster")
@Timeout(300)
class DriverKillResumeTest {
    /** checkpoint.every-rounds */
    private static final int EVERY = 4;
    /** 600 rows in 2 shards of 300, batches of 16: 19 rounds per epoch of gradient averaging, 3 epochs. */
    private static final int ROUNDS_PER_EPOCH = 19;
    private static final int TOTAL_ROUNDS = 3 * ROUNDS_PER_EPOCH;
    private static final Pattern PROGRESS = Pattern.compile("round (\\d+)/" + TOTAL_ROUNDS + " \\(epoch");
    private static final Pattern RESUMING = Pattern.compile("resuming after round (\\d+) \\(epoch \\d+\\) from (\\S+)");

    private static MiniHdfs hdfs;
    private static java.nio.file.Path dir;
    private static Path prepared;

    @BeforeAll
    static void startHdfsAndPrepareTheData() throws IOException {
        dir = Files.createTempDirectory(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")), "driver-kill");
        Files.createDirectories(dir.resolve("local"));
        hdfs = MiniHdfs.start("driver-kill");
        Path raw = hdfs.copyIn(Fixtures.fashionMnistMini(), "/raw/fashion-mnist");
        prepared = hdfs.path("/prepared");
        // A short session in this JVM, stopped before the drivers start (one SparkContext per JVM in this tier)
        try {
            int code = Dptrain.run("prepare", "fashion-mnist", "--source", raw.toString(), "--out",
                    prepared.toString(), "--master", "local[1]");
            assertThat(code).as("dptrain prepare exit code").isZero();
        } finally {
            SparkSession.getDefaultSession().foreach(session -> {
                session.stop();
                return null;
            });
        }
    }

    @AfterAll
    static void stopHdfs() {
        if (hdfs != null) {
            hdfs.close();
        }
    }

    @Test
    void killedDriverResumesFromTheNewestHdfsCheckpoint() throws Exception {
        Path checkpoints = hdfs.path("/checkpoints/killed");
        Path run = hdfs.path("/runs/killed");
        CheckpointStore store = new CheckpointStore(checkpoints.toString(), new Configuration(), 2);
        java.nio.file.Path killedLog = dir.resolve("driver-killed.log");

        // a plain process: its exit status must show the SIGKILL
        Process driver = SparkSubmitJvm.launch(driver(run, checkpoints, false, killedLog));
        int seen = awaitCheckpoint(store, 2 * EVERY, driver, killedLog);
        // Kill between two checkpoints, so the resumed run has rounds to do again (and must not count them twice).
        awaitProgress(killedLog, seen + EVERY / 2, driver);
        driver.destroyForcibly();
        assertThat(driver.waitFor(30, TimeUnit.SECONDS)).as("the killed driver is gone").isTrue();
        assertThat(driver.exitValue()).as("exit status of a JVM killed by SIGKILL").isEqualTo(128 + 9);

        int newest = newestRound(store);
        int doneWhenKilled = lastProgressRound(killedLog);
        assertThat(newest).as("newest checkpoint after the kill").isGreaterThanOrEqualTo(seen);
        assertThat(doneWhenKilled).as("rounds the killed driver reported, log %s", killedLog)
                .isGreaterThanOrEqualTo(newest).isLessThan(TOTAL_ROUNDS);
        assertThat(hdfs.listFiles(run)).as("the killed driver wrote no output").isEmpty();

        java.nio.file.Path resumedLog = dir.resolve("driver-resumed.log");
        SparkSubmitJvm.Submission resumed = SparkSubmitJvm.start(driver(run, checkpoints, true, resumedLog));
        try {
            assertThat(resumed.awaitEnd(Duration.ofSeconds(200), resumedLog))
                    .as("resumed driver's final state:%n%s", tail(resumedLog)).isEqualTo(SparkAppHandle.State.FINISHED);
        } finally {
            resumed.stop();
        }

        String log = Files.readString(resumedLog);
        Matcher resuming = RESUMING.matcher(log);
        assertThat(resuming.find()).as("the resumed driver says where it resumed:%n%s", tail(resumedLog)).isTrue();
        int resumedAfter = Integer.parseInt(resuming.group(1));
        assertThat(resumedAfter).as("resumed from the newest checkpoint").isEqualTo(newest);
        assertThat(resuming.group(2)).isEqualTo(store.path(newest).toString());
        assertThat(doneWhenKilled - resumedAfter).as("rounds lost (done %d when killed, resumed after %d)",
                doneWhenKilled, resumedAfter).isBetween(0, EVERY);
        assertThat(progressRounds(log)).as("rounds the resumed driver ran")
                .startsWith(resumedAfter + 1).endsWith(TOTAL_ROUNDS).doesNotHaveDuplicates();

        assertThat(hdfs.listFiles(run)).containsExactly(RunOutput.METRICS, RunOutput.MODEL, RunOutput.PROVENANCE, RunOutput.REPORT);
        List<String> metrics = readLines(new Path(run, RunOutput.METRICS));
        List<Integer> rounds = new ArrayList<>();
        long examples = 0;
        Pattern line = Pattern.compile("\\{\"round\":(\\d+),\"epoch\":\\d+,\"loss\":[^,]+,\"examples\":(\\d+),");
        for (String m : metrics) {
            Matcher fields = line.matcher(m);
            assertThat(fields.lookingAt()).as("metrics line %s", m).isTrue();
            rounds.add(Integer.parseInt(fields.group(1)));
            examples += Long.parseLong(fields.group(2));
        }
        assertThat(rounds).as("every round once, in order").isEqualTo(java.util.stream.IntStream
                .rangeClosed(1, TOTAL_ROUNDS).boxed().toList());
        assertThat(examples).as("3 epochs of 600 examples, none counted twice").isEqualTo(3 * 600);
        assertThat(hdfs.listFiles(checkpoints)).as("the newest 2 checkpoints and no temporary file of the killed "
                + "driver").containsExactly("ckpt-00000056.bin", "ckpt-00000057.bin");
    }

    /** The training driver: dptrain under SparkSubmit, client mode, {@code local[2]}, a JVM of its own. */
    private static SparkLauncher driver(Path run, Path checkpoints, boolean resume, java.nio.file.Path log) {
        List<String> args = new ArrayList<>(List.of("train"));
        for (String setting : List.of(
                "data.train=" + new Path(prepared, "fashion-mnist-train.parquet"),
                "data.test=" + new Path(prepared, "fashion-mnist-test.parquet"),
                "model.preset=lenet", "model.lenet.conv1-filters=4", "model.lenet.conv2-filters=8",
                "model.lenet.dense=32", "train.batch-size=16", "train.epochs=3", "train.progress-every=1",
                "engine.mode=gradient-averaging", "engine.workers=2", "output.dir=" + run,
                "checkpoint.dir=" + checkpoints, "checkpoint.every-rounds=" + EVERY, "checkpoint.keep=2")) {
            args.addAll(List.of("--set", setting));
        }
        if (resume) {
            args.add("--resume");
        }
        return SparkSubmitJvm.dptrain(dir, "local[2]", log, List.of(), args).setAppName("dptrain driver-kill test");
    }

    /** Polls HDFS until a checkpoint for {@code round} or later is there and returns its round. */
    private static int awaitCheckpoint(CheckpointStore store, int round, Process driver, java.nio.file.Path log)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (true) {
            int newest = newestRound(store);
            if (newest >= round) {
                return newest;
            }
            assertThat(driver.isAlive()).as("driver running while waiting for checkpoint %d:%n%s", round, tail(log))
                    .isTrue();
            assertThat(System.nanoTime()).as("checkpoint %d within 150 s:%n%s", round, tail(log)).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Waits until the driver's log reports round {@code round} or a later one. */
    private static void awaitProgress(java.nio.file.Path log, int round, Process driver) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (progressRounds(Files.readString(log)).stream().noneMatch(r -> r >= round)) {
            assertThat(driver.isAlive()).as("driver running while waiting for round %d:%n%s", round, tail(log))
                    .isTrue();
            assertThat(System.nanoTime()).as("round %d within 60 s:%n%s", round, tail(log)).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static int newestRound(CheckpointStore store) {
        List<Path> files = store.list();
        return files.isEmpty() ? 0 : Integer.parseInt(files.get(0).getName().replaceAll("\\D", ""));
    }

    private static int lastProgressRound(java.nio.file.Path log) throws IOException {
        List<Integer> rounds = progressRounds(Files.readString(log));
        assertThat(rounds).as("progress lines in %s", log).isNotEmpty();
        return rounds.get(rounds.size() - 1);
    }

    private static List<Integer> progressRounds(String log) {
        List<Integer> rounds = new ArrayList<>();
        Matcher m = PROGRESS.matcher(log);
        while (m.find()) {
            rounds.add(Integer.parseInt(m.group(1)));
        }
        return rounds;
    }

    private static List<String> readLines(Path file) throws IOException {
        try (FSDataInputStream in = file.getFileSystem(new Configuration()).open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }
}
