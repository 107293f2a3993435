package io.dptrain.job;

import io.dptrain.Trainer;
import io.dptrain.TrainingResult;
import io.dptrain.checkpoint.Checkpoint;
import io.dptrain.checkpoint.CheckpointListener;
import io.dptrain.checkpoint.CheckpointStore;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.text.SequenceShape;
import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.Vocabulary;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import io.dptrain.engine.DivergenceCheck;
import io.dptrain.engine.TrainingData;
import io.dptrain.engine.spark.Trainers;
import io.dptrain.engine.spark.SparkTrainer;
import io.dptrain.report.ConsoleProgress;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.EvaluationReport;
import io.dptrain.report.Evaluator;
import io.dptrain.report.MetricsSink;
import io.dptrain.report.Provenance;
import io.dptrain.io.RunOutput;
import io.dptrain.report.TrainingReport;
import io.dptrain.model.Networks;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole training run: read the prepared tables, train with the configured engine (progress,
 * divergence check, metrics and per-epoch test accuracy as listeners), evaluate, and write
 * model.zip, provenance.json, metrics.jsonl and (with {@code dptrain.output.report}) report.html to
 * the output folder. With {@code dptrain.checkpoint.dir} set the round engines write checkpoints, and a
 * resumed run continues from the newest valid one.
 */
public final class TrainJob {
    private TrainJob() {
    }

    /** The run's provenance (with the final test metrics) and the trainer's result. */
    public record Result(Provenance provenance, TrainingResult training) {
    }

    /** A fresh run (no resume). */
    public static Result run(SparkSession spark, DptrainConfig config) {
        return run(spark, config, false);
    }

    /**
     * @param resume continue from the newest valid checkpoint in {@code dptrain.checkpoint.dir}
     *               (newer invalid ones are skipped with a warning); none is an error naming the folder
     */
    public static Result run(SparkSession spark, DptrainConfig config, boolean resume) {
        long start = System.currentTimeMillis();
        DptrainConfig.Data data = config.data();
        Evaluator evaluator;
        try {
            Dataset<Row> testTable = TrainingData.read(spark, data.test());
            evaluator = new Evaluator(testTable, TrainingData.codec(testTable, config));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("test table " + data.test() + ": " + e.getMessage(), e);
        }
        Evaluator validation = null;
        try {
            Dataset<Row> trainTable = TrainingData.read(spark, data.train());
            // With data.validation-rows the epochs are evaluated on rows held out of the training table, and the
            // test table only once at the end: settings are tuned without looking at the test split.
            validation = TrainingData.validation(trainTable, config)
                    .map(rows -> new Evaluator(rows, TrainingData.codec(rows, config))).orElse(null);
            return run(spark, config, resume, trainTable, validation, evaluator, start);
        } finally {
            if (validation != null) {
                validation.close();
            }
            evaluator.close();
        }
    }

    private static Result run(SparkSession spark, DptrainConfig config, boolean resume, Dataset<Row> trainTable,
                              Evaluator validation, Evaluator evaluator, long start) {
        EpochEvaluation epochs = validation == null ? new EpochEvaluation(evaluator)
                : new EpochEvaluation(validation, "validation");
        CheckpointStore store = resume ? resumeStore(spark, config) : null;
        Checkpoint from = store == null ? null
                : store.newestValid(Checkpoint.fingerprint(config), Networks.create(config).numParams());
        Trainer trainer = (from == null ? Trainers.create(spark, config)
                : new SparkTrainer(spark, config).resumeFrom(from, store.path(from.round()).toString()))
                .addListener(new DivergenceCheck())
                .addListener(new ConsoleProgress(config.train().progressEvery()));
        if (!config.engine().communicationOnly()) {
            // Communication-only rounds train nothing: an evaluation per epoch would measure the initial network
            // again and again (benchmarks run small tables for many epochs); the final one still runs.
            trainer.addListener(epochs);
        }
        // Last: a round the divergence check rejects is never saved.
        CheckpointListener.forRun(config, spark.sparkContext().hadoopConfiguration(),
                from == null ? List.of() : from.rounds(), trainer).ifPresent(trainer::addListener);
        Map<String, String> extraFiles = new LinkedHashMap<>(
                TrainingData.isText(trainTable) ? textFiles(spark, config, trainTable) : Map.of());
        TrainingResult training = trainer.fit(trainTable);
        // A run resumed from its final checkpoint has no epoch left to evaluate.
        EvaluationReport finalTest = epochs.last() != null && validation == null ? epochs.last()
                : evaluator.evaluate(training.model());
        Provenance provenance = Provenance.of(config, spark.sparkContext().master(), training.plan().workers(),
                training.plan().examplesPerEpoch(), evaluator.examples(), finalTest,
                epochs.points(), training.trainMillis(), System.currentTimeMillis() - start,
                training.examplesPerSecond());
        if (config.output().report()) {
            extraFiles.put(RunOutput.REPORT,
                    new TrainingReport(training.rounds(), epochs.points(), finalTest).toHtml(provenance));
        }
        new RunOutput(spark.sparkContext().hadoopConfiguration()).write(config.output().dir(),
                config.output().overwrite(), training.model(), provenance, metricsJson(training), extraFiles);
        return new Result(provenance, training);
    }

    /** The checkpoint folder {@code --resume} continues from ({@code dptrain.checkpoint.dir}, a round engine's). */
    private static CheckpointStore resumeStore(SparkSession spark, DptrainConfig config) {
        CheckpointListener.requireRoundEngine(config);
        if (!config.checkpoint().enabled()) {
            throw new IllegalArgumentException("--resume needs dptrain.checkpoint.dir: the folder of the checkpoints "
                    + "to continue from");
        }
        return CheckpointStore.of(config.checkpoint(), spark.sparkContext().hadoopConfiguration());
    }

    /** metrics.jsonl: every round of the run, those before a resume included. */
    private static String metricsJson(TrainingResult training) {
        MetricsSink all = new MetricsSink();
        training.rounds().forEach(m -> all.onRound(m, training.model()));
        return all.toJsonLines();
    }

    /**
     * A text model is only usable with its vocabulary and class names: both are saved next to it.
     * The vocabulary file must be the one the tables were prepared with (same fingerprint).
     */
    private static Map<String, String> textFiles(SparkSession spark, DptrainConfig config, Dataset<Row> train) {
        String path = config.data().vocabulary();
        if (path.isBlank()) {
            throw new IllegalArgumentException("dptrain.data.vocabulary is empty, but " + config.data().train()
                    + " is a text table: set it to the vocabulary file `dptrain prepare` wrote with the tables");
        }
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Vocabulary vocabulary = Vocabulary.load(path, hadoop);
        SequenceShape shape = TextTable.shapeOf(train);
        if (!vocabulary.fingerprint().equals(shape.vocabularyFingerprint())) {
            throw new IllegalArgumentException("the vocabulary " + path + " (fingerprint " + vocabulary.fingerprint()
                    + ") is not the one " + config.data().train() + " was prepared with (fingerprint "
                    + shape.vocabularyFingerprint() + "): use the vocabulary file written with the tables");
        }
        try (InputStream in = new Path(path).getFileSystem(hadoop).open(new Path(path))) {
            return Map.of(RunOutput.VOCABULARY, new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    RunOutput.CLASSES, String.join("\n", shape.classNames()) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the vocabulary " + path, e);
        }
    }
}
