package io.dptrain.cli;

import io.dptrain.Trainer;
import io.dptrain.TrainingResult;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.ExampleSet;
import io.dptrain.data.ImageTable;
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
            test = TrainingData.collect(ImageTable.read(spark, data.test()), config);
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
        TrainingResult training = trainer.fit(ImageTable.read(spark, data.train()));
        Provenance provenance = Provenance.of(config, training.plan().examplesPerEpoch(), test.count(), epochs.last(),
                epochs.points(), training.trainMillis(), System.currentTimeMillis() - start,
                training.examplesPerSecond());
        new RunOutput(spark.sparkContext().hadoopConfiguration()).write(config.output().dir(),
                config.output().overwrite(), training.model(), provenance, metrics.toJsonLines());
        return new Result(provenance, training);
    }
}
