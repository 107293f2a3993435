package io.dptrain.ml;

import io.dptrain.RoundMetrics;
import io.dptrain.TrainingResult;
import io.dptrain.config.DptrainConfig;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.EvaluationReport;
import io.dptrain.report.Provenance;
import io.dptrain.report.TrainingReport;
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
    private final EvaluationReport lastValidation;
    private final DptrainConfig config;
    private final String sparkMaster;
    private final long wallMillis;

    TrainingSummary(TrainingResult result, List<EpochEvaluation.Point> epochs, EvaluationReport lastValidation,
                    DptrainConfig config, String sparkMaster, long wallMillis) {
        this.result = Objects.requireNonNull(result, "result");
        this.epochs = List.copyOf(epochs);
        this.lastValidation = lastValidation;
        this.config = Objects.requireNonNull(config, "config");
        this.sparkMaster = sparkMaster;
        this.wallMillis = wallMillis;
    }

    /** The configuration the fit trained with (the Params and {@code config} laid over reference.conf). */
    public DptrainConfig config() {
        return config;
    }

    /**
     * The validation set's accuracy, per-class metrics and confusion matrix after the last epoch.
     *
     * @throws IllegalStateException without validation data
     */
    public EvaluationReport validationReport() {
        if (lastValidation == null) {
            throw new IllegalStateException("this fit had no validation data: set validationData or validationFraction"
                    + " on the DptrainClassifier to get a validation report");
        }
        return lastValidation;
    }

    /**
     * The training report of this fit (what {@code dptrain train} writes as report.html): its charts as
     * images ({@link TrainingReport#png}) for a notebook, or {@link #reportHtml()} for the whole page.
     *
     * @throws IllegalStateException without validation data (the accuracy and confusion charts need it)
     */
    public TrainingReport report() {
        return new TrainingReport(result.rounds(), epochs, validationReport());
    }

    /** The training report as one self-contained HTML page (charts embedded), as {@code report.html}. */
    public String reportHtml() {
        EvaluationReport validation = validationReport();
        Provenance provenance = Provenance.of(config, sparkMaster, result.plan().workers(),
                result.plan().examplesPerEpoch(), validation.examples(), validation, epochs, result.trainMillis(),
                wallMillis, result.examplesPerSecond());
        return report().toHtml(provenance);
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
