package io.dptrain.data;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The one switch from an input format's name to a DataFrame, for every command that reads a user's
 * table ({@code prepare table}, {@code prepare text}, {@code predict}).
 *
 * <p>{@code csv} needs a header line; fields follow RFC 4180 (quoted fields may span lines, a quote
 * inside is doubled). {@code json} is one object per line. {@code parquet} as written by Spark.
 * {@code lines} is plain text, one row per line (an empty line is an empty string), in one column
 * named {@value #LINES_COLUMN}.
 */
public final class InputTables {
    /** Every format {@link #read} knows. */
    public static final List<String> FORMATS = List.of("csv", "json", "parquet", "lines");
    /** The column of a {@code lines} input. */
    public static final String LINES_COLUMN = "text";

    private InputTables() {
    }

    /**
     * Reads a table lazily.
     *
     * @param spark      the session
     * @param path       a file, folder or glob, local or any Hadoop URI
     * @param format     one of {@code allowed}, case-insensitive
     * @param allowed    the formats the caller accepts (a subset of {@link #FORMATS}), named in the error
     * @param inferTypes CSV only: infer column types (numbers stay numbers: pixel tables) instead of
     *                   reading every column as a string (text tables, where a label "007" must stay "007")
     * @throws IllegalArgumentException naming the format and the allowed ones
     */
    public static Dataset<Row> read(SparkSession spark, String path, String format, List<String> allowed,
                                    boolean inferTypes) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        String f = format.toLowerCase(Locale.ROOT);
        if (!allowed.contains(f) || !FORMATS.contains(f)) {
            throw new IllegalArgumentException("format must be one of " + allowed + ", got '" + format + "'");
        }
        return switch (f) {
            case "csv" -> {
                DataFrameReader csv = spark.read().option("header", "true").option("multiLine", "true")
                        .option("escape", "\"");
                yield (inferTypes ? csv.option("inferSchema", "true") : csv).csv(path);
            }
            case "json" -> spark.read().json(path);
            case "parquet" -> spark.read().parquet(path);
            default -> spark.read().text(path).withColumnRenamed("value", LINES_COLUMN);
        };
    }
}
