package io.dptrain.cli;

import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.data.text.SequenceShape;
import io.dptrain.data.text.TextTable;
import io.dptrain.engine.TrainingData;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dptrain describe TABLE}: what a prepared table holds, as key=value lines for people and scripts. */
@Command(name = "describe", mixinStandardHelpOptions = true,
        description = {"Print what a prepared table holds, one key=value line each: rows, kind (image or text) and "
                + "its shape from the table's metadata (image: height, width, channels, classes; text: max-length, "
                + "vocabulary-size, classes).",
                "Scripts read a key with e.g. `sed -n 's/^rows=//p'` (jobs/bench-scale.sh sizes its runs by rows)."})
final class DescribeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TABLE", description = "Prepared Parquet table (dptrain prepare); local path or Hadoop URI.")
    String table;

    @Option(names = "--master", defaultValue = "local[*]",
            description = "Spark master when not under spark-submit (default: ${DEFAULT-VALUE}).")
    String master;

    @Override
    public Integer call() {
        SparkSession spark = SparkSessions.get("dptrain describe", master);
        lines(TrainingData.read(spark, table)).forEach(System.out::println);
        return 0;
    }

    /** The table's key=value lines: Spark's row count, then the shape its metadata records. */
    static List<String> lines(Dataset<Row> table) {
        List<String> lines = new ArrayList<>();
        lines.add("rows=" + table.count());
        if (TrainingData.isText(table)) {
            SequenceShape shape = TextTable.shapeOf(table);
            lines.add("kind=text");
            lines.add("max-length=" + shape.maxLength());
            lines.add("vocabulary-size=" + shape.vocabularySize());
            lines.add("classes=" + shape.classes());
        } else {
            ImageShape shape = ImageTable.shapeOf(table);
            lines.add("kind=image");
            lines.add("height=" + shape.height());
            lines.add("width=" + shape.width());
            lines.add("channels=" + shape.channels());
            lines.add("classes=" + shape.classes());
        }
        return lines;
    }
}
