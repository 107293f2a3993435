package io.dptrain.cli;

import io.dptrain.data.IdxReader;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.data.LabeledImages;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dptrain prepare}: raw data -> DataFrame -> Parquet (label int, pixels binary, shape metadata). */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Turn raw data into a prepared Parquet table.",
        subcommands = {PrepareCommand.FashionMnist.class, PrepareCommand.Table.class})
final class PrepareCommand implements Runnable {

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.err);
    }

    /** Shared options. */
    static class Common {
        @Option(names = "--master", defaultValue = "local[*]", description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE}).")
        String master;

        @Option(names = "--overwrite", description = "Replace existing output tables.")
        boolean overwrite;
    }

    @Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
            description = "Fashion-MNIST IDX files (jobs/fetch-data.sh) -> <out>/fashion-mnist-train.parquet and -test.parquet.")
    static final class FashionMnist implements Callable<Integer> {
        @Option(names = "--source", defaultValue = "data/fashion-mnist", description = "Folder with the four IDX .gz files (default: ${DEFAULT-VALUE}).")
        Path source;

        @Option(names = "--out", defaultValue = "data/prepared", description = "Output folder, local or Hadoop URI (default: ${DEFAULT-VALUE}).")
        String out;

        @picocli.CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            SparkSession spark = SparkSessions.get("dptrain prepare fashion-mnist", common.master);
            for (String[] split : new String[][]{{"train", "train"}, {"t10k", "test"}}) {
                LabeledImages images = IdxReader.read(source.resolve(split[0] + "-images-idx3-ubyte.gz"),
                        source.resolve(split[0] + "-labels-idx1-ubyte.gz"), 10);
                String path = out + "/fashion-mnist-" + split[1] + ".parquet";
                ImageTable.writeParquet(ImageTable.fromImages(spark, images), path, common.overwrite);
                System.out.println("prepared " + images.count() + " " + split[1] + " images " + images.shape() + " -> " + path);
            }
            return 0;
        }
    }

    @Command(name = "table", mixinStandardHelpOptions = true,
            description = "Any (label, pixels) table (CSV with header, JSON lines or Parquet) of a stated shape -> Parquet.")
    static final class Table implements Callable<Integer> {
        @Option(names = "--input", required = true, description = "Input table path or Hadoop URI.")
        String input;

        @Option(names = "--format", defaultValue = "csv", description = "csv, json or parquet (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--label-col", defaultValue = "label", description = "Integer label column (default: ${DEFAULT-VALUE}).")
        String labelCol;

        @Option(names = "--pixels-col", description = "Pixels column (binary or array of 0..255); omit when every other column is one pixel (label,pixel1,...).")
        String pixelsCol;

        @Option(names = "--height", required = true) int height;
        @Option(names = "--width", required = true) int width;
        @Option(names = "--channels", defaultValue = "1") int channels;
        @Option(names = "--classes", required = true) int classes;

        @Option(names = "--out", required = true, description = "Output Parquet path or Hadoop URI.")
        String out;

        @picocli.CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            if (!format.matches("csv|json|parquet")) {
                throw new IllegalArgumentException("--format '" + format + "' is not allowed; allowed: csv, json, parquet");
            }
            SparkSession spark = SparkSessions.get("dptrain prepare table", common.master);
            Dataset<Row> raw = switch (format) {
                case "csv" -> spark.read().option("header", "true").option("inferSchema", "true").csv(input);
                case "json" -> spark.read().json(input);
                default -> spark.read().parquet(input);
            };
            Dataset<Row> table = ImageTable.fromTable(raw, labelCol, pixelsCol, new ImageShape(height, width, channels, classes));
            ImageTable.writeParquet(table, out, common.overwrite);
            System.out.println("prepared " + spark.read().parquet(out).count() + " rows -> " + out);
            return 0;
        }
    }
}
