package io.dptrain.predict;

import io.dptrain.io.AtomicOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a prediction table as Parquet, CSV (with a header line) or JSON lines, atomically: into a
 * hidden sibling of the target first, renamed into place once complete, so a failed write leaves
 * no partial output and an existing output is replaced only when that is allowed.
 */
public final class PredictionWriter {

    /** The output formats of {@link #write}. */
    public static final List<String> FORMATS = List.of("parquet", "csv", "json");

    private static final Logger LOG = LoggerFactory.getLogger(PredictionWriter.class);

    private PredictionWriter() {
    }

    /**
     * Checks an output format.
     *
     * @param format the format's name
     * @return the format in lower case, one of {@link #FORMATS}
     * @throws IllegalArgumentException naming the format and the allowed ones
     */
    public static String format(String format) {
        Objects.requireNonNull(format, "format");
        String f = format.toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new IllegalArgumentException("output format must be one of " + FORMATS + ", got '"
                    + format + "'");
        }
        return f;
    }

    /**
     * Checks, before any work, that the output may be written.
     *
     * @param path      the output path, local or any Hadoop URI
     * @param conf      the Hadoop configuration
     * @param overwrite whether an existing output may be replaced
     * @throws IllegalArgumentException naming the path if it exists and {@code overwrite} is false
     */
    public static void requireWritable(String path, Configuration conf, boolean overwrite) {
        Objects.requireNonNull(path, "path");
        Path target = new Path(path);
        try {
            FileSystem fs = target.getFileSystem(conf);
            if (!overwrite && fs.exists(target)) {
                throw new IllegalArgumentException("output path " + fs.makeQualified(target)
                        + " already exists; delete it or allow overwriting (predict --overwrite)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output path " + path, e);
        }
    }

    /**
     * Writes the table.
     *
     * @param table     the predictions (or any table)
     * @param path      the output path, local or any Hadoop URI; a folder of part files
     * @param format    one of {@link #FORMATS}
     * @param overwrite whether an existing output may be replaced
     * @throws IllegalArgumentException for an unknown format, columns CSV cannot hold (arrays,
     *                                  maps, structs, binary), or an existing path without
     *                                  {@code overwrite}
     * @throws UncheckedIOException     if the file system operations fail
     */
    public static void write(Dataset<Row> table, String path, String format, boolean overwrite) {
        Objects.requireNonNull(table, "table");
        String f = format(format);
        if (f.equals("csv")) {
            requireFlat(table.schema());
        }
        Configuration conf = table.sparkSession().sparkContext().hadoopConfiguration();
        requireWritable(path, conf, overwrite);
        try {
            Path target = new Path(path);
            FileSystem fs = target.getFileSystem(conf);
            target = fs.makeQualified(target);
            AtomicOutput.write(fs, target, overwrite, temporary -> {
                DataFrameWriter<Row> writer = table.write().mode(SaveMode.ErrorIfExists).format(f);
                if (f.equals("csv")) {
                    writer = writer.option("header", "true");
                }
                writer.save(temporary.toString());
            });
            LOG.info("wrote predictions ({}) to {}", f, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write predictions to " + path, e);
        }
    }

    private static void requireFlat(StructType schema) {
        List<String> nested = Arrays.stream(schema.fields())
                .filter(PredictionWriter::notCsv)
                .map(field -> field.name() + " " + field.dataType().simpleString())
                .toList();
        if (!nested.isEmpty()) {
            throw new IllegalArgumentException("CSV cannot hold the columns " + nested
                    + "; write parquet or json, or drop them from the input");
        }
    }

    private static boolean notCsv(StructField field) {
        return field.dataType() instanceof ArrayType || field.dataType() instanceof MapType
                || field.dataType() instanceof StructType || field.dataType() instanceof BinaryType;
    }
}
