package io.dptrain.hdfs;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.checkpoint.Checkpoint;
import io.dptrain.checkpoint.CheckpointListener;
import io.dptrain.checkpoint.CheckpointStore;
import io.dptrain.cli.CommandOutcome;
import io.dptrain.job.TrainJob;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.engine.TrainingData;
import io.dptrain.engine.spark.RoundEngineSettings;
import io.dptrain.engine.spark.SparkTrainer;
import io.dptrain.model.Networks;
import io.dptrain.json.MetricsLines;
import io.dptrain.report.Provenance;
import io.dptrain.io.RunOutput;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.dptrain.NdArrays.maxAbsDifference;
import static io.dptrain.cli.CommandOutcome.dptrain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * dptrain with everything on a real HDFS (a {@link MiniHdfs} in this JVM), reached only by full
 * {@code hdfs://127.0.0.1:<port>} URIs while Spark's default file system stays the local one: raw
 * IDX files in, prepared Parquet tables, the run's output and its checkpoints. Spark runs as
 * {@code local[2]} in this JVM, in a session of this class (the cluster tier's JVM holds one
 * SparkContext at a time, so it is stopped at the end). Runs in the surefire execution of the tag "cluster".
 */
@Tag("cluster")
@Timeout(240)
class HdfsRunTest {
    /** Temporary names dptrain and Spark use before renaming into place; none may survive a run. */
    private static final Pattern TEMPORARY = Pattern.compile("(^|/)(\\.[^/]*tmp[^/]*|_temporary)(/|$)");

    private static MiniHdfs hdfs;
    private static SparkSession spark;
    private static String trainTable;
    private static String testTable;

    @BeforeAll
    static void startHdfsAndSpark() {
        hdfs = MiniHdfs.start("run-test");
        java.io.File tmp = new java.io.File(System.getProperty("java.io.tmpdir"));
        spark = SparkSession.builder().master("local[2]").appName("dptrain-hdfs-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.local.dir", new java.io.File(tmp, "spark-local").getAbsolutePath())
                .config("spark.sql.warehouse.dir", new java.io.File(tmp, "spark-warehouse").getAbsolutePath())
                .config(RoundEngineSettings.applyDefaults(new SparkConf()))
                .getOrCreate();
        assertThat(spark.sparkContext().master()).as("this class's own session").isEqualTo("local[2]");
        assertThat(spark.sparkContext().hadoopConfiguration().get(FileSystem.FS_DEFAULT_NAME_KEY))
                .as("HDFS is reached by full URIs only").isEqualTo("file:///");

        Path raw = hdfs.copyIn(Fixtures.fashionMnistMini(), "/raw/fashion-mnist");
        Path prepared = hdfs.path("/prepared");
        CommandOutcome prepare = dptrain("prepare", "fashion-mnist", "--source", raw.toString(), "--out",
                prepared.toString(), "--master", "local[2]");
        assertThat(prepare.code()).as(prepare.toString()).isZero();
        trainTable = new Path(prepared, "fashion-mnist-train.parquet").toString();
        testTable = new Path(prepared, "fashion-mnist-test.parquet").toString();
        assertThat(prepare.out()).contains("prepared 600 train images").contains("-> " + trainTable)
                .contains("prepared 200 test images");
    }

    @AfterAll
    static void stopSparkAndHdfs() {
        if (spark != null) {
            spark.stop();
        }
        if (hdfs != null) {
            hdfs.close();
        }
    }

    /**
     * prepare (IDX files on HDFS -> Parquet on HDFS), train (parameter averaging, 2 workers, 10 rounds,
     * output and checkpoints on HDFS), evaluate (model and table read from HDFS).
     */
    @Test
    void prepareTrainEvaluateWithDataOutputAndCheckpointsOnHdfs() throws IOException {
        Path run = hdfs.path("/runs/lenet");
        Path checkpoints = hdfs.path("/checkpoints/lenet");
        // 300 rows per shard in batches of 32: 10 batches, k = 2: 5 rounds per epoch, 10 in all.
        // Checkpoints after rounds 2, 4, 5 (epoch end), 6, 8 and 10 (epoch end); the 2 newest stay.
        CommandOutcome train = dptrain("train", "--set", "data.train=" + trainTable, "--set", "data.test=" + testTable,
                "--set", "model.preset=lenet", "--set", "model.lenet.conv1-filters=4",
                "--set", "model.lenet.conv2-filters=8", "--set", "model.lenet.dense=32",
                "--set", "train.batch-size=32", "--set", "train.epochs=2", "--set", "train.progress-every=0",
                "--set", "engine.mode=parameter-averaging", "--set", "engine.workers=2",
                "--set", "engine.local-steps=2", "--set", "output.dir=" + run,
                "--set", "checkpoint.dir=" + checkpoints, "--set", "checkpoint.every-rounds=2",
                "--set", "checkpoint.keep=2");

        assertThat(train.code()).as(train.toString()).isZero();
        assertThat(hdfs.listFiles(run)).containsExactly(RunOutput.METRICS, RunOutput.MODEL, RunOutput.PROVENANCE, RunOutput.REPORT);
        assertThat(hdfs.listFiles(checkpoints)).containsExactly("ckpt-00000008.bin", "ckpt-00000010.bin");
        assertThat(readLines(new Path(run, RunOutput.METRICS))).hasSize(10);
        Provenance provenance = Provenance.fromJson(readText(new Path(run, RunOutput.PROVENANCE)), "provenance.json");
        assertThat(provenance.trainData()).isEqualTo(trainTable);
        assertThat(provenance.trainRows()).isEqualTo(600);
        assertThat(provenance.testRows()).isEqualTo(200);
        double accuracy = provenance.test().accuracy();
        assertThat(train.out()).contains(String.format(Locale.ROOT, "test accuracy: %.4f", accuracy))
                .contains("model in " + run);

        DptrainConfig config = ConfigLoader.load(null, List.of("model.preset=lenet", "model.lenet.conv1-filters=4",
                "model.lenet.conv2-filters=8", "model.lenet.dense=32", "train.batch-size=32", "train.epochs=2",
                "engine.mode=parameter-averaging", "engine.workers=2", "engine.local-steps=2",
                "data.train=" + trainTable, "data.test=" + testTable));
        Checkpoint last = store(checkpoints.toString(), 2).newestValid(Checkpoint.fingerprint(config),
                Networks.create(config).numParams());
        assertThat(last.round()).isEqualTo(10);
        assertThat(last.rounds()).extracting(RoundMetrics::round).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

        CommandOutcome evaluate = dptrain("evaluate", "--model", run.toString(), "--data", testTable, "--master", "local[2]");
        assertThat(evaluate.code()).as(evaluate.toString()).isZero();
        Matcher m = Pattern.compile("test accuracy (\\d\\.\\d{4}) on (\\d+) examples").matcher(evaluate.out());
        assertThat(m.find()).as(evaluate.toString()).isTrue();
        assertThat(m.group(2)).isEqualTo("200");
        assertThat(m.group(1)).as("the model read back from HDFS scores as the run reported")
                .isEqualTo(String.format(Locale.ROOT, "%.4f", accuracy));

        List<String> everything = hdfs.listFiles(hdfs.path("/"));
        assertThat(everything).as("every file on the HDFS").contains("prepared/fashion-mnist-train.parquet/_SUCCESS",
                "runs/lenet/model.zip", "checkpoints/lenet/ckpt-00000010.bin");
        assertThat(everything).as("temporary files or folders left behind on the HDFS")
                .noneMatch(f -> TEMPORARY.matcher(f).find());
    }

    /**
     * Gradient averaging stopped in round 26 and resumed with the job's --resume path from the newest
     * HDFS checkpoint (round 24) ends with the parameters and updater state of an uninterrupted run,
     * bit for bit (double precision).
     */
    @Test
    void resumingFromAnHdfsCheckpointEndsAsAnUninterruptedRun() {
        String checkpoints = hdfs.path("/checkpoints/resume").toString();
        // 320 rows, 2 shards of 20 batches of 8: 20 rounds per epoch, 40 in all
        List<String> settings = List.of("model.preset=mlp", "model.mlp.hidden=[16]", "model.data-type=double",
                "train.updater=adam", "train.learning-rate=0.01", "train.batch-size=8", "train.epochs=2",
                "train.progress-every=0", "engine.mode=gradient-averaging", "engine.workers=2",
                "data.train-limit=320", "data.train=" + trainTable, "data.test=" + testTable,
                "checkpoint.every-rounds=3", "checkpoint.keep=2");
        TrainJob.Result clean = TrainJob.run(spark, config(settings, "output.dir=" + hdfs.path("/runs/clean")));

        DptrainConfig config = config(settings, "output.dir=" + hdfs.path("/runs/resumed"),
                "checkpoint.dir=" + checkpoints);
        SparkTrainer stopped = new SparkTrainer(spark, config).addListener(stopAt(26));
        stopped.addListener(CheckpointListener.forRun(config, spark.sparkContext().hadoopConfiguration(), List.of(),
                stopped).orElseThrow());
        assertThatThrownBy(() -> stopped.fit(TrainingData.read(spark, trainTable)))
                .hasMessageContaining("stopped in round 26");
        CheckpointStore store = store(checkpoints, 2);
        assertThat(store.list()).extracting(Path::getName).containsExactly("ckpt-00000024.bin", "ckpt-00000021.bin");

        TrainJob.Result resumed = TrainJob.run(spark, config, true);

        TrainingResult a = resumed.training();
        TrainingResult b = clean.training();
        assertThat(a.rounds()).extracting(RoundMetrics::round).isEqualTo(b.rounds().stream().map(RoundMetrics::round)
                .toList());
        assertThat(maxAbsDifference(a.model().params(), b.model().params()))
                .as("largest parameter difference, resumed vs uninterrupted").isZero();
        assertThat(maxAbsDifference(a.model().getUpdater(true).getStateViewArray(),
                b.model().getUpdater(true).getStateViewArray()))
                .as("largest updater state difference, resumed vs uninterrupted").isZero();
        assertThat(resumed.provenance().test().accuracy()).isEqualTo(clean.provenance().test().accuracy());
        assertThat(readLines(hdfs.path("/runs/resumed/" + RunOutput.METRICS))).hasSize(40);
        assertThat(store.list()).extracting(Path::getName).containsExactly("ckpt-00000040.bin", "ckpt-00000039.bin");
    }

    /**
     * CheckpointStore's documented behaviour on HDFS: a truncated or foreign file at a checkpoint's
     * name is rejected with a message naming it; {@code --resume} skips such newer files and continues
     * from the newest valid checkpoint, and with none valid it fails naming the folder and each reason.
     * The resumed run deletes the temporary file of a write that never finished, lease and all.
     */
    @Test
    void damagedNewestCheckpointsOnHdfsAreSkippedOrRejectedByName() throws IOException {
        String checkpoints = hdfs.path("/checkpoints/damaged").toString();
        // 64 rows, 2 shards of 4 batches of 8: 4 rounds in the one epoch
        List<String> settings = List.of("model.preset=mlp", "model.mlp.hidden=[8]", "train.batch-size=8",
                "train.epochs=1", "train.progress-every=0", "engine.mode=gradient-averaging", "engine.workers=2",
                "data.train-limit=64", "data.train=" + trainTable, "data.test=" + testTable,
                "output.dir=" + hdfs.path("/runs/damaged"), "checkpoint.dir=" + checkpoints,
                "checkpoint.every-rounds=1", "checkpoint.keep=3");
        DptrainConfig config = config(settings);
        String fingerprint = Checkpoint.fingerprint(config);
        MultiLayerNetwork net = Networks.create(config);
        RunPlan plan = new RunPlan("gradient-averaging", 2, 1, 4, 64);
        CheckpointStore store = store(checkpoints, 3);

        // The newest two: a valid round-3 checkpoint cut short, and somebody else's file (a Parquet part).
        Path truncated = store.write(Checkpoint.of(net, fingerprint, plan, syntheticRounds(3)));
        byte[] bytes = readBytes(truncated);
        write(truncated, Arrays.copyOf(bytes, bytes.length - 100));
        Path foreign = store.path(4);
        Path parquetPart = hdfs.fileSystem().listStatus(new Path(trainTable), p -> p.getName().startsWith("part-"))[0]
                .getPath();
        write(foreign, readBytes(parquetPart));

        assertThatThrownBy(() -> store.read(truncated, fingerprint, net.numParams()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(truncated.toString())
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> store.read(foreign, fingerprint, net.numParams()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(foreign.toString())
                .hasMessageContaining("not a dptrain checkpoint");

        CommandOutcome noneValid = dptrain(trainArgs(settings, "--resume"));
        assertThat(noneValid.code()).as(noneValid.toString()).isEqualTo(2);
        assertThat(noneValid.err()).contains("no valid checkpoint to resume from in " + checkpoints)
                .contains(truncated + " is truncated").contains(foreign + " is not a dptrain checkpoint");

        // A valid checkpoint after round 2, with recognisable metrics: the resumed run must carry them on.
        List<RoundMetrics> firstTwo = syntheticRounds(2);
        store.write(Checkpoint.of(net, fingerprint, plan, firstTwo));
        assertThat(store.list()).extracting(Path::getName)
                .containsExactly("ckpt-00000004.bin", "ckpt-00000003.bin", "ckpt-00000002.bin");
        // A write that never finished, as a killed driver leaves it: still open, its lease held.
        Path unfinished = new Path(checkpoints, ".ckpt-00000003.bin.tmp-00000000-0000-4000-8000-000000000000");
        FSDataOutputStream abandoned = unfinished.getFileSystem(new Configuration()).create(unfinished, false);
        abandoned.write(Arrays.copyOf(bytes, 1000));
        abandoned.hflush();

        CommandOutcome resumed = dptrain(trainArgs(settings, "--resume"));

        assertThat(resumed.code()).as(resumed.toString()).isZero();
        assertThat(hdfs.listFiles(new Path(checkpoints))).as("the unfinished write is gone")
                .containsExactly("ckpt-00000002.bin", "ckpt-00000003.bin", "ckpt-00000004.bin");
        assertThatThrownBy(abandoned::close).as("the abandoned writer finds its file deleted")
                .isInstanceOf(IOException.class);
        List<String> metrics = readLines(hdfs.path("/runs/damaged/" + RunOutput.METRICS));
        assertThat(metrics).hasSize(4);
        for (int i = 0; i < 2; i++) {
            assertThat(MetricsLines.read(metrics.get(i), RunOutput.METRICS).get(0)).as("round %d from the checkpoint", i + 1)
                    .isEqualTo(firstTwo.get(i));
        }
        assertThat(store.newestValid(fingerprint, net.numParams()).round())
                .as("the damaged files were replaced by the resumed run's own").isEqualTo(4);
        assertThat(store.newestValid(fingerprint, net.numParams()).rounds().subList(0, 2)).isEqualTo(firstTwo);
    }

    /** Metrics no real run produces (a round time of 1000 + r ms), so a resumed run's carrying them on shows. */
    private static List<RoundMetrics> syntheticRounds(int count) {
        List<RoundMetrics> rounds = new ArrayList<>();
        for (int r = 1; r <= count; r++) {
            rounds.add(new RoundMetrics(r, 1, 2.5 - r / 10.0, 16, 3, 2.5, 1, 0, 1, 800, 1600, 1000 + r));
        }
        return rounds;
    }

    private static String[] trainArgs(List<String> settings, String... more) {
        List<String> args = new ArrayList<>(List.of("train"));
        for (String setting : settings) {
            args.addAll(List.of("--set", setting));
        }
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static DptrainConfig config(List<String> settings, String... more) {
        List<String> all = new ArrayList<>(settings);
        all.addAll(List.of(more));
        return ConfigLoader.load(null, all);
    }

    private static CheckpointStore store(String dir, int keep) {
        return new CheckpointStore(dir, new Configuration(), keep);
    }

    /** Stops the run by throwing in round {@code round}, before the checkpoint writer sees it. */
    private static TrainingListener stopAt(int round) {
        return new TrainingListener() {
            @Override
            public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                if (metrics.round() == round) {
                    throw new IllegalStateException("stopped in round " + round);
                }
            }
        };
    }

    private static byte[] readBytes(Path file) throws IOException {
        try (FSDataInputStream in = file.getFileSystem(new Configuration()).open(file)) {
            return in.readAllBytes();
        }
    }

    private static String readText(Path file) throws IOException {
        return new String(readBytes(file), StandardCharsets.UTF_8);
    }

    private static List<String> readLines(Path file) {
        try {
            return readText(file).lines().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = file.getFileSystem(new Configuration()).create(file, true)) {
            out.write(bytes);
        }
    }

}
