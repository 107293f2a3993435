package io.dptrain.cli;

import io.dptrain.Trainer;
import io.dptrain.TrainingResult;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.ExampleSet;
import io.dptrain.data.text.SequenceShape;
import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.Vocabulary;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import io.dptrain.engine.DivergenceCheck;
import io.dptrain.engine.TrainingData;
import io.dptrain.engine.Trainers;
import io.dptrain.report.ConsoleProgress;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.Evaluator;
import io.dptrain.report.MetricsSink;
import io.dptrain.report.Provenance;
import io.dptrain.report.RunOutput;
import io.dptrain.model.Networks;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A whole training run: read the prepared tables, train with the configured engine (progress,
 * divergence check, metrics and per-epoch test accuracy as listeners), evaluate, and write
 * model.zip, provenance.json and metrics.jsonl to the output folder.
 */
public final class TrainJob {
    private TrainJob() {
    }

    /** The run's provenance (with the final test metrics) and the trainer's result. */
    public record Result(Provenance provenance, TrainingResult training) {
    }

    public static Result run(SparkSession spark, DptrainConfig config) {
        long start = System.currentTimeMillis();
        DptrainConfig.Data data = config.data();
        ExampleSet test;
        try {
            test = TrainingData.collect(TrainingData.read(spark, data.test()), config);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("test table " + data.test() + ": " + e.getMessage(), e);
        }
        EpochEvaluation epochs = new EpochEvaluation(new Evaluator(test, Networks.dataType(config)));
        MetricsSink metrics = new MetricsSink();
        Trainer trainer = Trainers.create(spark, config)
                .addListener(new DivergenceCheck())
                .addListener(new ConsoleProgress(config.train().progressEvery()))
                .addListener(metrics)
                .addListener(epochs);
        Dataset<Row> trainTable = TrainingData.read(spark, data.train());
        Map<String, String> extraFiles = TrainingData.isText(trainTable) ? textFiles(spark, config, trainTable) : Map.of();
        TrainingResult training = trainer.fit(trainTable);
        Provenance provenance = Provenance.of(config, training.plan().examplesPerEpoch(), test.count(), epochs.last(),
                epochs.points(), training.trainMillis(), System.currentTimeMillis() - start,
                training.examplesPerSecond());
        new RunOutput(spark.sparkContext().hadoopConfiguration()).write(config.output().dir(),
                config.output().overwrite(), training.model(), provenance, metrics.toJsonLines(), extraFiles);
        return new Result(provenance, training);
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
