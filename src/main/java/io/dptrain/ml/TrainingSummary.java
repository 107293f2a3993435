package io.dptrain.ml;

import io.dptrain.RoundMetrics;
import io.dptrain.TrainingResult;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.MetricsSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * How a {@link DptrainClassifier#fit} went, kept by the model it returned (as Spark's
 * {@code LogisticRegressionModel.summary}): every round's metrics and, with validation data, the
 * validation accuracy after each epoch. Not saved with the model.
 */
public final class TrainingSummary {
    private final TrainingResult result;
    private final List<EpochEvaluation.Point> epochs;

    TrainingSummary(TrainingResult result, List<EpochEvaluation.Point> epochs) {
        this.result = Objects.requireNonNull(result, "result");
        this.epochs = List.copyOf(epochs);
    }

    /** The trainer's result: the run's plan, every round's metrics and the training time. */
    public TrainingResult trainingResult() {
        return result;
    }

    /** Rounds run (each a broadcast-compute-combine cycle; a minibatch step in single-process). */
    public int totalRounds() {
        return result.rounds().size();
    }

    /** Mean training loss of each round, in order. */
    public double[] objectiveHistory() {
        return result.rounds().stream().mapToDouble(RoundMetrics::loss).toArray();
    }

    /** Examples trained per second of training-loop time. */
    public double examplesPerSecond() {
        return result.examplesPerSecond();
    }

    /** Validation accuracy after each epoch, empty without validation data. */
    public List<EpochEvaluation.Point> validation() {
        return epochs;
    }

    /** One row per round: round, epoch, loss, examples, compute/broadcast/wait/combine times, bytes. */
    public Dataset<Row> rounds(SparkSession spark) {
        MetricsSink sink = new MetricsSink();
        result.rounds().forEach(m -> sink.onRound(m, null));
        return sink.toDataFrame(spark);
    }

    /** One row per evaluated epoch: epoch, validationAccuracy, trainMillis (training time up to it). */
    public Dataset<Row> epochs(SparkSession spark) {
        StructType schema = new StructType().add("epoch", DataTypes.IntegerType)
                .add("validationAccuracy", DataTypes.DoubleType).add("trainMillis", DataTypes.LongType);
        List<Row> rows = new ArrayList<>(epochs.size());
        for (EpochEvaluation.Point p : epochs) {
            rows.add(RowFactory.create(p.epoch(), p.accuracy(), p.trainMillis()));
        }
        return spark.createDataFrame(rows, schema);
    }
}
