package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.checkpoint.Checkpoint;
import io.dptrain.checkpoint.CheckpointListener;
import io.dptrain.checkpoint.CheckpointStore;
import io.dptrain.cli.Dptrain;
import io.dptrain.job.TrainJob;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import io.dptrain.engine.Shards;
import io.dptrain.engine.TrainingData;
import io.dptrain.model.Networks;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.dptrain.NdArrays.maxAbsDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run stopped mid-way and resumed from its newest checkpoint ends with exactly the parameters of
 * an uninterrupted run (double precision, bit for bit), whether the checkpoint is mid-epoch or at an
 * epoch end; the folder keeps {@code checkpoint.keep} files; --resume needs a valid checkpoint.
 */
@Tag("spark")
@Timeout(300)
class CheckpointResumeTest extends LocalSparkTest {
    private static final int ROWS = 320; // 2 shards x 20 batches of 8

    @TempDir
    Path tmp;

    /**
     * {@code mode} may name an outer optimizer after a '+' (parameter-averaging+nesterov: η 0.7, μ 0.9) and
     * engine.rounds-per-job after an '@' (gradient-averaging@5: barrier jobs of up to 5 rounds).
     */
    private static DptrainConfig config(String mode, String checkpointDir, String... more) {
        String roundsPerJob = mode.contains("@") ? mode.substring(mode.indexOf('@') + 1) : "1";
        mode = mode.contains("@") ? mode.substring(0, mode.indexOf('@')) : mode;
        String outer = mode.contains("+") ? mode.substring(mode.indexOf('+') + 1) : "none";
        mode = mode.contains("+") ? mode.substring(0, mode.indexOf('+')) : mode;
        List<String> settings = new ArrayList<>(List.of("engine.outer.optimizer=" + outer,
                "engine.outer.learning-rate=" + (outer.equals("none") ? 1.0 : 0.7),
                "engine.outer.momentum=" + (outer.equals("none") ? 0.0 : 0.9),"model.preset=mlp", "model.mlp.hidden=[16]",
                "train.updater=adam", "train.learning-rate=0.01", "train.batch-size=8", "train.epochs=2",
                "engine.mode=" + mode, "engine.workers=2", "engine.local-steps=2", "data.train-limit=" + ROWS,
                "model.data-type=double", "checkpoint.dir=" + checkpointDir, "checkpoint.every-rounds=3",
                "checkpoint.keep=2", "engine.rounds-per-job=" + roundsPerJob));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    private static Shards shards(DptrainConfig config) {
        Dataset<Row> table = TrainingData.checked(ImageTable.fromImages(spark(), Fixtures.train()), config);
        return Shards.build(table, config.engine().workers(), TrainingData.codec(table, config),
                config.train().seed());
    }

    private static TrainingResult train(SparkTrainer trainer, DptrainConfig config, Shards shards) {
        return train(trainer, config, shards, List.of());
    }

    /** As the job does: the checkpoint writer (when the config has a folder) after the test's listeners. */
    private static TrainingResult train(SparkTrainer trainer, DptrainConfig config, Shards shards,
                                        List<RoundMetrics> earlier) {
        CheckpointListener.forRun(config, spark().sparkContext().hadoopConfiguration(), earlier, trainer)
                .ifPresent(trainer::addListener);
        return trainer.train(JavaSparkContext.fromSparkContext(spark().sparkContext()), SyncStrategy.of(config),
                shards, "test-" + System.nanoTime());
    }

    /** Stops the run by throwing in round {@code round}, before later listeners (the checkpoint writer) see it. */
    private static TrainingListener stopAt(int round) {
        return new TrainingListener() {
            @Override
            public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                if (metrics.round() == round) {
                    throw new IllegalStateException("stopped at round " + round);
                }
            }
        };
    }

    /**
     * Gradient averaging: 20 rounds per epoch; parameter averaging (k=2): 10. Checkpoints every 3
     * rounds and at each epoch end; the stop leaves the newest at {@code resumedAfter}.
     */
    @ParameterizedTest(name = "{0} stopped in round {1}")
    @CsvSource({"gradient-averaging, 7, 6, ckpt-00000040.bin ckpt-00000039.bin",
            "gradient-averaging, 21, 20, ckpt-00000040.bin ckpt-00000039.bin",
            "parameter-averaging, 7, 6, ckpt-00000020.bin ckpt-00000018.bin",
            "parameter-averaging, 11, 10, ckpt-00000020.bin ckpt-00000018.bin",
            "parameter-averaging+nesterov, 7, 6, ckpt-00000020.bin ckpt-00000018.bin",
            "parameter-averaging+momentum, 11, 10, ckpt-00000020.bin ckpt-00000018.bin",
            // barrier jobs end at checkpoint rounds, so a checkpoint holds its round's network
            "gradient-averaging@5, 7, 6, ckpt-00000040.bin ckpt-00000039.bin",
            "parameter-averaging+nesterov@4, 11, 10, ckpt-00000020.bin ckpt-00000018.bin"})
    void resumedRunEndsWithTheParametersOfAnUninterruptedOne(String mode, int stop, int resumedAfter,
                                                             String keptAtTheEnd) {
        DptrainConfig config = config(mode, tmp.resolve("ckpt").toString());
        Shards shards = shards(config);
        try {
            TrainingResult clean = train(new SparkTrainer(spark(), config(mode, "")), config, shards);

            assertThatThrownBy(() -> train(new SparkTrainer(spark(), config).addListener(stopAt(stop)), config,
                    shards)).hasMessageContaining("stopped at round " + stop);
            CheckpointStore store = CheckpointStore.of(config.checkpoint(), spark().sparkContext().hadoopConfiguration());
            Checkpoint checkpoint = store.newestValid(Checkpoint.fingerprint(config),
                    Networks.create(config).numParams());
            assertThat(checkpoint.round()).isEqualTo(resumedAfter);

            List<Integer> resumedRounds = new ArrayList<>();
            List<Integer> epochEnds = new ArrayList<>();
            TrainingResult resumed = train(new SparkTrainer(spark(), config)
                    .resumeFrom(checkpoint, store.path(checkpoint.round()).toString())
                    .addListener(new TrainingListener() {
                        @Override
                        public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                            resumedRounds.add(metrics.round());
                        }

                        @Override
                        public void onEpochEnd(int epoch, MultiLayerNetwork model) {
                            epochEnds.add(epoch);
                        }
                    }), config, shards, checkpoint.rounds());

            int total = clean.rounds().size();
            assertThat(resumedRounds).first().isEqualTo(resumedAfter + 1);
            assertThat(resumedRounds).hasSize(total - resumedAfter);
            assertThat(epochEnds).containsExactly(resumedAfter < total / 2 ? new Integer[]{1, 2} : new Integer[]{2});
            assertThat(resumed.rounds()).extracting(RoundMetrics::round)
                    .isEqualTo(clean.rounds().stream().map(RoundMetrics::round).toList());
            assertThat(resumed.rounds().subList(0, resumedAfter)).isEqualTo(checkpoint.rounds());
            assertThat(maxAbsDifference(resumed.model().params(), clean.model().params()))
                    .as("largest parameter difference, resumed vs uninterrupted").isZero();
            assertThat(maxAbsDifference(resumed.model().getUpdater(true).getStateViewArray(),
                    clean.model().getUpdater(true).getStateViewArray()))
                    .as("largest updater state difference, resumed vs uninterrupted").isZero();
            assertThat(resumed.model().getIterationCount()).isEqualTo(clean.model().getIterationCount());
            if (mode.contains("+")) { // the outer momentum buffer travelled through the checkpoint
                assertThat(checkpoint.engineState()).isNotNull();
                assertThat(checkpoint.engineState().length()).isEqualTo(clean.model().numParams());
            } else {
                assertThat(checkpoint.engineState()).isNull();
            }
            assertThat(store.list()).extracting(org.apache.hadoop.fs.Path::getName)
                    .containsExactly(keptAtTheEnd.split(" "));
        } finally {
            shards.release();
        }
    }

    /**
     * Through the job: a run keeps all its checkpoints; dropping the newer ones and damaging the next (as if the driver had
     * died while writing round 5) and running again with resume gives the same model and all rounds' metrics.
     */
    @Test
    void trainJobResumesFromTheNewestValidCheckpoint() throws java.io.IOException {
        String ckpt = tmp.resolve("job-ckpt").toString();
        DptrainConfig first = config("gradient-averaging", ckpt, "data.train=" + table(), "data.test=" + table(),
                "output.dir=" + tmp.resolve("out1"), "checkpoint.keep=100", "train.progress-every=0");
        TrainJob.Result clean = TrainJob.run(spark(), first);
        CheckpointStore store = CheckpointStore.of(first.checkpoint(), spark().sparkContext().hadoopConfiguration());
        assertThat(store.list()).hasSize(13 + 2); // rounds 3, 6, .., 39 and the two epoch ends (20, 40)
        TrainJob.Result nothingLeft = TrainJob.run(spark(), first, true); // from round 40: evaluates only
        assertThat(maxAbsDifference(nothingLeft.training().model().params(), clean.training().model().params())).isZero();
        assertThat(nothingLeft.provenance().test().accuracy()).isEqualTo(clean.provenance().test().accuracy());

        store.deleteAfter(5);
        java.nio.file.Files.write(tmp.resolve("job-ckpt").resolve(store.path(5).getName()), new byte[]{1, 2, 3});

        DptrainConfig again = config("gradient-averaging", ckpt, "data.train=" + table(), "data.test=" + table(),
                "output.dir=" + tmp.resolve("out2"), "checkpoint.keep=100", "train.progress-every=7");
        TrainJob.Result resumed = TrainJob.run(spark(), again, true);

        assertThat(resumed.training().rounds()).hasSize(40);
        assertThat(resumed.training().rounds().subList(0, 3)).isEqualTo(clean.training().rounds().subList(0, 3));
        assertThat(maxAbsDifference(resumed.training().model().params(), clean.training().model().params())).isZero();
        assertThat(resumed.provenance().test().accuracy()).isEqualTo(clean.provenance().test().accuracy());
        assertThat(java.nio.file.Files.readAllLines(tmp.resolve("out2").resolve("metrics.jsonl"))).hasSize(40);
    }

    @Test
    void resumeWithAnEmptyCheckpointFolderIsAnErrorNamingIt() {
        String empty = tmp.resolve("empty").toString();
        List<String> args = new ArrayList<>(List.of("train", "--resume"));
        for (String setting : List.of("engine.mode=gradient-averaging", "model.preset=mlp", "data.train=" + table(),
                "data.test=" + table(), "output.dir=" + tmp.resolve("out"), "checkpoint.dir=" + empty)) {
            args.addAll(List.of("--set", setting));
        }
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(e);
            code = Dptrain.run(args.toArray(String[]::new));
        } finally {
            System.setErr(oldErr);
        }
        assertThat(code).as("exit code of bad usage").isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no checkpoint to resume from in")
                .contains(empty);
    }

    @Test
    void checkpointsWithAnEngineThatCannotWriteThemAreAnError() {
        DptrainConfig config = config("single-process", tmp.resolve("ckpt").toString(), "data.train=" + table(),
                "data.test=" + table(), "output.dir=" + tmp.resolve("out"));
        assertThatThrownBy(() -> TrainJob.run(spark(), config, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("single-process").hasMessageContaining("dptrain.checkpoint.dir");
    }

    private String table() {
        Path path = tmp.resolve("table.parquet");
        if (!path.toFile().exists()) {
            ImageTable.fromImages(spark(), Fixtures.train()).write().parquet(path.toString());
        }
        return path.toString();
    }
}
