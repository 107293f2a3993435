package io.dptrain.cli;

import io.dptrain.data.text.TextTable;
import io.dptrain.predict.PredictionWriter;
import io.dptrain.predict.Predictions;
import io.dptrain.predict.TextPredictor;
import io.dptrain.report.RunOutput;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code dptrain predict --model runs/x --input texts.csv --out predictions.parquet}. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict the classes of new texts with a trained text model (rnn, lstm): writes every input "
                + "column plus " + TextPredictor.PREDICTION + " (class name), " + TextPredictor.PREDICTION_INDEX
                + " and one " + TextPredictor.PROBABILITY_PREFIX + "<class> probability column per class.",
                "Texts are tokenized as in training. Texts longer than the model's max length are cut to their first "
                        + "tokens, empty texts are predicted from the unknown token; the summary counts both, the "
                        + "unknown tokens and, with --label-col, the accuracy."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR",
            description = "Output folder of a text training run (model.zip, " + RunOutput.VOCABULARY + ", "
                    + RunOutput.CLASSES + ", provenance.json), local or Hadoop URI.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "Texts: a file, folder or glob, local or Hadoop URI.")
    String input;

    @Option(names = "--format", defaultValue = "csv",
            description = "csv (with header), json (one object per line), parquet or lines (one text per line, "
                    + "column '" + TextTable.TEXT + "') (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--text-col", defaultValue = TextTable.TEXT,
            description = "Text column (default: ${DEFAULT-VALUE}).")
    String textCol;

    @Option(names = "--label-col", description = "Label column, if the texts are labelled: reports the accuracy; "
            + "labels the model never saw are an error.")
    String labelCol;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "Output path, local or Hadoop URI.")
    String out;

    @Option(names = "--out-format", defaultValue = "parquet",
            description = "parquet, csv or json (default: ${DEFAULT-VALUE}).")
    String outFormat;

    @Option(names = "--master", defaultValue = "local[*]",
            description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--overwrite", description = "Replace an existing output.")
    boolean overwrite;

    @Override
    public Integer call() {
        String outputFormat = PredictionWriter.format(outFormat);
        SparkSession spark = SparkSessions.get("dptrain predict", master);
        PredictionWriter.requireWritable(out, spark.sparkContext().hadoopConfiguration(), overwrite);
        TextPredictor predictor = TextPredictor.load(spark, model);
        Dataset<Row> texts = TextPredictor.readTexts(spark, input, format);
        try (Predictions predictions = predictor.predict(texts, textCol, labelCol)) {
            PredictionWriter.write(predictions.table(), out, outputFormat, overwrite);
            System.out.print(predictions.toText());
            System.out.println("wrote " + predictions.rows() + " predictions (" + outputFormat + ") -> " + out);
        }
        return 0;
    }
}
