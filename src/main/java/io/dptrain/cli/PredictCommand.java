package io.dptrain.cli;

import io.dptrain.data.text.TextTable;
import io.dptrain.predict.ImagePredictor;
import io.dptrain.predict.PredictionWriter;
import io.dptrain.predict.Predictions;
import io.dptrain.predict.TextPredictor;
import io.dptrain.io.RunOutput;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;

/** {@code dptrain predict --model runs/x --input texts.csv --out predictions.parquet}; images as well. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict the classes of new texts or images with a trained model: writes every input column plus "
                + TextPredictor.PREDICTION + " (class name), " + TextPredictor.PREDICTION_INDEX + " and one "
                + TextPredictor.PROBABILITY_PREFIX + "<class> probability column per class.",
                "Text runs (their folder holds " + RunOutput.VOCABULARY + "): texts are tokenized as in training. Texts "
                        + "longer than the model's max length are cut to their first tokens, empty texts are predicted "
                        + "from the unknown token; the summary counts both, the unknown tokens and, with --label-col, "
                        + "the accuracy.",
                "Image runs: --features-col names the pixels (binary, array of numbers or Vector, whole numbers "
                        + "0..255, the run's image size); classes are named by their index."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR",
            description = "Output folder of a training run (model.zip, provenance.json; text runs also "
                    + RunOutput.VOCABULARY + ", " + RunOutput.CLASSES + "), local or Hadoop URI.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "Texts or images: a file, folder or glob, local or Hadoop URI.")
    String input;

    @Option(names = "--format", defaultValue = "csv",
            description = "csv (with header), json (one object per line), parquet or lines (one text per line, "
                    + "column '" + TextTable.TEXT + "') (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--text-col", defaultValue = TextTable.TEXT,
            description = "Text column (default: ${DEFAULT-VALUE}).")
    String textCol;

    @Option(names = "--features-col", defaultValue = "pixels",
            description = "Image runs: the pixels column (default: ${DEFAULT-VALUE}).")
    String featuresCol;

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
        Dataset<Row> rows = TextPredictor.readTexts(spark, input, format);
        try (Predictions predictions = isTextRun(spark)
                ? TextPredictor.load(spark, model).predict(rows, textCol, labelCol)
                : ImagePredictor.load(spark, model).predict(rows, featuresCol, labelCol)) {
            PredictionWriter.write(predictions.table(), out, outputFormat, overwrite);
            System.out.print(predictions.toText());
            System.out.println("wrote " + predictions.rows() + " predictions (" + outputFormat + ") -> " + out);
        }
        return 0;
    }

    /** A text run saves its vocabulary beside the model; an image run does not. */
    private boolean isTextRun(SparkSession spark) {
        Path vocabulary = new Path(model, RunOutput.VOCABULARY);
        try {
            return vocabulary.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(vocabulary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the run folder " + model, e);
        }
    }
}
