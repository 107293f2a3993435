package io.dptrain.cli;

import io.dptrain.engine.TrainingData;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import io.dptrain.report.EvaluationReport;
import io.dptrain.report.Evaluator;
import io.dptrain.io.RunOutput;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code dptrain evaluate --model runs/x --data test.parquet}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a saved model on a prepared table: accuracy, per-class precision/recall/F1, confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model.zip or a run's output folder (local or Hadoop URI).")
    String model;

    @Option(names = "--data", required = true, description = "Prepared Parquet table (dptrain prepare).")
    String data;

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE}).")
    String master;

    @Override
    public Integer call() {
        SparkSession spark = SparkSessions.get("dptrain evaluate", master);
        MultiLayerNetwork net = new RunOutput(spark.sparkContext().hadoopConfiguration()).loadModel(model);
        Dataset<Row> table = TrainingData.read(spark, data);
        boolean text = TrainingData.isText(table);
        EvaluationReport report;
        try (Evaluator evaluator = new Evaluator(table, TrainingData.codecOf(table))) {
            report = evaluator.evaluate(net);
        } catch (RuntimeException e) {
            // DL4J reports a shape mismatch deep in a layer (inside a Spark task); say which inputs did not fit.
            throw new IllegalArgumentException("the model " + model + " cannot take the "
                    + (text ? "token sequences" : "images") + " of " + data + ": " + rootMessage(e), e);
        }
        System.out.print(report.toText());
        return 0;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
