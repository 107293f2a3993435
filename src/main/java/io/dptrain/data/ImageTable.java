package io.dptrain.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import io.dptrain.io.AtomicOutput;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;

/**
 * Labelled images as a Spark DataFrame, and their Parquet storage.
 *
 * <p>The canonical table has two columns: {@value #LABEL} (int, the class index in
 * {@code 0..classes-1}) and {@value #PIXELS} (binary, {@code pixelsPerImage} unsigned bytes in
 * row-major HWC order). The {@link ImageShape} travels as metadata on the {@value #PIXELS}
 * column (keys {@value #HEIGHT}, {@value #WIDTH}, {@value #CHANNELS}, {@value #CLASSES}), which
 * Spark stores in Parquet files, so a prepared table describes itself. Neither column holds
 * nulls: {@link #fromImages} declares them non-nullable; Spark reports them nullable after a
 * Parquet read or a conversion, as it does for every such column.
 */
public final class ImageTable {

    /** Name of the label column. */
    public static final String LABEL = "label";
    /** Name of the pixels column. */
    public static final String PIXELS = "pixels";
    /** Metadata key on the pixels column: image height. */
    public static final String HEIGHT = "height";
    /** Metadata key on the pixels column: image width. */
    public static final String WIDTH = "width";
    /** Metadata key on the pixels column: channels per pixel. */
    public static final String CHANNELS = "channels";
    /** Metadata key on the pixels column: number of classes. */
    public static final String CLASSES = "classes";

    private static final String INTEGER_TYPES = "tinyint, smallint, int, bigint";
    private static final String PIXEL_TYPES =
            "binary, array of tinyint, smallint, int, bigint, float or double, or an ml.linalg.Vector";
    private static final String LABEL_TYPES = INTEGER_TYPES + ", float, double (whole numbers)";
    /** The pixel scale of prepared tables and of {@link #fromTable(Dataset, String, String, ImageShape)}. */
    public static final double BYTE_MAX = 255;

    private ImageTable() {
    }

    /**
     * Returns the canonical schema for images of the given shape.
     *
     * @param shape the shape recorded as metadata on the pixels column
     * @return {@code label int not null, pixels binary not null} with the shape metadata
     */
    public static StructType schema(ImageShape shape) {
        return new StructType(new StructField[] {
            new StructField(LABEL, DataTypes.IntegerType, false, Metadata.empty()),
            new StructField(PIXELS, DataTypes.BinaryType, false, metadata(shape)),
        });
    }

    /**
     * Distributes in-memory images as a canonical table, one row per image. The images travel from the
     * driver inside the tasks, so this is for sets the driver holds anyway (tests, a notebook's slice);
     * {@link IdxTable} reads IDX files on the executors instead.
     *
     * @param spark  the session
     * @param images at least one image
     * @return the canonical table
     */
    public static Dataset<Row> fromImages(SparkSession spark, LabeledImages images) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(images, "images");
        if (images.count() == 0) {
            throw new IllegalArgumentException("images must hold at least one image, got 0");
        }
        int n = images.shape().pixelsPerImage();
        List<Row> rows = new ArrayList<>(images.count());
        for (int i = 0; i < images.count(); i++) {
            rows.add(RowFactory.create(images.label(i),
                    Arrays.copyOfRange(images.pixels(), i * n, (i + 1) * n)));
        }
        return spark.createDataFrame(rows, schema(images.shape()));
    }

    /**
     * Converts any labelled pixel table to the canonical table, validating every row first.
     *
     * <p>Pixels may be a {@code binary} column of {@code pixelsPerImage} bytes, an array column
     * of {@code pixelsPerImage} whole numbers in 0..255, or, when {@code pixelsCol} is null,
     * every column except the label, in order (the Kaggle CSV layout
     * {@code label,pixel1..pixel784}), each numeric.
     *
     * @param table     the source table, not empty
     * @param labelCol  an integer column of class indices in {@code 0..classes-1}
     * @param pixelsCol a binary or numeric array column, or null for the wide layout
     * @param shape     the shape of every image
     * @return the canonical table with the shape as metadata
     * @throws IllegalArgumentException naming the column, the value and what is allowed
     */
    public static Dataset<Row> fromTable(Dataset<Row> table, String labelCol, String pixelsCol,
            ImageShape shape) {
        return fromTable(table, labelCol, pixelsCol, shape, BYTE_MAX);
    }

    /**
     * As {@link #fromTable(Dataset, String, String, ImageShape)}, for pixel values on any scale
     * {@code 0..pixelMax}: with {@code pixelMax} 255 values must be whole numbers (the prepared
     * layout); with any other maximum (e.g. 1 for values already in 0..1) each value {@code v}
     * becomes the byte {@code round(v * 255 / pixelMax)}, so precision beyond 8 bits is lost.
     * Binary columns are bytes 0..255 whatever {@code pixelMax} says. The label may also be a
     * float or double column of whole numbers (what Spark ML's {@code StringIndexer} writes).
     *
     * @param pixelMax the largest pixel value, &gt; 0
     */
    public static Dataset<Row> fromTable(Dataset<Row> table, String labelCol, String pixelsCol,
            ImageShape shape, double pixelMax) {
        requirePixelMax(pixelMax);
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(labelCol, "labelCol");
        Objects.requireNonNull(shape, "shape");
        StructType schema = table.schema();
        DataType labelType = field(schema, labelCol).dataType();
        if (!isNumeric(labelType)) {
            throw new IllegalArgumentException("label column '" + labelCol + "' has type "
                    + labelType.simpleString() + "; allowed: " + LABEL_TYPES);
        }
        Column pixels = pixelsColumn(table, labelCol, pixelsCol, shape);
        String pixelsName = pixelsCol == null ? "pixel columns" : "pixels column '" + pixelsCol
                + "'";
        boolean binary = pixelsCol != null
                && field(schema, pixelsCol).dataType() instanceof BinaryType;

        Column label = column(labelCol);
        Column badLabel = label.isNull().or(label.isNaN()).or(label.lt(0)).or(label.geq(shape.classes()))
                .or(label.notEqual(round(label)));
        Column pixelCount = binary ? length(pixels) : size(pixels);
        Column badCount = pixels.isNull().or(pixelCount.notEqual(shape.pixelsPerImage()));
        Column badValue = binary ? lit(false) : exists(pixels, x -> badPixel(x, pixelMax));
        Column firstBadValue = binary ? lit(null) : firstBadPixel(pixels, pixelMax);
        Row check = table.agg(
                count(lit(1)),
                sum(when(badLabel, 1).otherwise(0)),
                first(when(badLabel, label.cast("string")), true),
                sum(when(badCount, 1).otherwise(0)),
                first(when(badCount, pixelCount), true),
                sum(when(not(badCount).and(badValue), 1).otherwise(0)),
                first(when(not(badCount).and(badValue), pixels.cast("string")), true),
                first(when(not(badCount).and(badValue), firstBadValue.cast("string")), true))
                .first();
        long rows = check.getLong(0);
        if (rows == 0) {
            throw new IllegalArgumentException("table is empty: it must hold at least one row");
        }
        if (check.getLong(1) > 0) {
            throw new IllegalArgumentException("label column '" + labelCol + "': "
                    + check.getLong(1) + " of " + rows + " rows have a label that is not a class index"
                    + " (a whole number in 0.." + (shape.classes() - 1) + "), e.g. " + check.getString(2));
        }
        if (check.getLong(3) > 0) {
            throw new IllegalArgumentException(pixelsName + ": " + check.getLong(3) + " of "
                    + rows + " rows have the wrong number of pixels: found "
                    + (check.isNullAt(4) ? "null" : check.get(4)) + ", expected "
                    + shape.pixelsPerImage() + " (" + describe(shape) + ")");
        }
        if (check.getLong(5) > 0) {
            throw new IllegalArgumentException(pixelsName + ": " + check.getLong(5) + " of "
                    + rows + " rows have pixel values that are not " + pixelRange(pixelMax) + ","
                    + " e.g. " + check.getString(7) + " in " + abbreviate(check.getString(6)));
        }
        Column bytes = binary ? pixels : toBytes(pixelMax).apply(pixels.cast("array<double>"));
        return table.select(label.cast("int").as(LABEL),
                bytes.as(PIXELS, metadata(shape)));
    }

    /**
     * Writes a canonical table as Parquet, atomically ({@link AtomicOutput}): the data goes to a hidden sibling of
     * {@code path} first and is renamed into place once complete, so a failed write leaves no
     * partial output.
     *
     * @param df        a canonical table (see {@link #shapeOf})
     * @param path      a Hadoop path or URI (a plain local path works too)
     * @param overwrite whether an existing {@code path} may be replaced
     * @throws IllegalArgumentException if {@code path} exists and {@code overwrite} is false
     * @throws UncheckedIOException     if the file system operations fail
     */
    public static void writeParquet(Dataset<Row> df, String path, boolean overwrite) {
        Objects.requireNonNull(df, "df");
        shapeOf(df);
        AtomicOutput.writeParquet(df.select(LABEL, PIXELS), path, overwrite, "image table");
    }

    /**
     * Reads a canonical table written by {@link #writeParquet}.
     *
     * @param spark the session
     * @param path  a Hadoop path or URI
     * @return the table, columns {@value #LABEL} and {@value #PIXELS}, shape in the metadata
     * @throws IllegalArgumentException naming the path if it is not a canonical image table
     */
    public static Dataset<Row> read(SparkSession spark, String path) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(path, "path");
        Dataset<Row> df = spark.read().parquet(path);
        try {
            shapeOf(df);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + " is not an image table: "
                    + e.getMessage(), e);
        }
        return df.select(LABEL, PIXELS);
    }

    /**
     * Returns the image shape recorded in a canonical table's metadata.
     *
     * @param df a canonical table
     * @return the shape of its images
     * @throws IllegalArgumentException naming the missing column, wrong type or missing keys
     */
    public static ImageShape shapeOf(Dataset<Row> df) {
        Objects.requireNonNull(df, "df");
        StructType schema = df.schema();
        DataType labelType = field(schema, LABEL).dataType();
        if (!(labelType instanceof IntegerType)) {
            throw new IllegalArgumentException("column '" + LABEL + "' has type "
                    + labelType.simpleString() + ", expected int");
        }
        StructField pixels = field(schema, PIXELS);
        if (!(pixels.dataType() instanceof BinaryType)) {
            throw new IllegalArgumentException("column '" + PIXELS + "' has type "
                    + pixels.dataType().simpleString() + ", expected binary");
        }
        Metadata m = pixels.metadata();
        List<String> missing = new ArrayList<>();
        for (String key : List.of(HEIGHT, WIDTH, CHANNELS, CLASSES)) {
            if (!m.contains(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("column '" + PIXELS + "' lacks the image shape"
                    + " metadata keys " + missing + " (found " + m.json() + "); build tables"
                    + " with ImageTable.fromImages or ImageTable.fromTable");
        }
        return new ImageShape(Math.toIntExact(m.getLong(HEIGHT)),
                Math.toIntExact(m.getLong(WIDTH)), Math.toIntExact(m.getLong(CHANNELS)),
                Math.toIntExact(m.getLong(CLASSES)));
    }

    /**
     * Collects a canonical table to the driver, in the order Spark returns its rows: the
     * order of {@link #fromImages} and of single-file sources; after a Parquet read Spark does
     * not promise the written order.
     *
     * @param df a canonical table small enough for the driver's memory
     * @return the images
     * @throws IllegalArgumentException if a row is null or has the wrong number of bytes
     */
    public static LabeledImages collect(Dataset<Row> df) {
        ImageShape shape = shapeOf(df);
        List<Row> rows = df.select(LABEL, PIXELS).collectAsList();
        int n = shape.pixelsPerImage();
        long total = (long) rows.size() * n;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rows.size() + " images of " + describe(shape)
                    + " need " + total + " bytes, more than one array holds");
        }
        byte[] pixels = new byte[(int) total];
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (row.isNullAt(0) || row.isNullAt(1)) {
                throw new IllegalArgumentException("row " + i + " has a null " + LABEL + " or "
                        + PIXELS);
            }
            byte[] image = (byte[]) row.get(1);
            if (image.length != n) {
                throw new IllegalArgumentException("row " + i + " has " + image.length
                        + " pixel bytes, expected " + n + " (" + describe(shape) + ")");
            }
            labels[i] = row.getInt(0);
            System.arraycopy(image, 0, pixels, i * n, n);
        }
        return new LabeledImages(shape, pixels, labels);
    }

    /**
     * A pixels column of any accepted type as the canonical bytes, checked row by row when Spark
     * evaluates it: lazy, for tables nobody has checked (a model's {@code transform}). A null, a
     * row of the wrong size or a value outside {@code 0..pixelMax} fails the Spark job with a
     * message naming the column and the value. Values are scaled as in
     * {@link #fromTable(Dataset, String, String, ImageShape, double)}.
     *
     * @param schema    the table's schema
     * @param pixelsCol a binary, numeric array or ml.linalg.Vector column
     * @param shape     the shape every image must have
     * @param pixelMax  the largest pixel value, &gt; 0
     * @return a binary column of {@code shape.pixelsPerImage()} bytes
     * @throws IllegalArgumentException for a missing column or a type that is not accepted
     */
    public static Column pixelBytes(StructType schema, String pixelsCol, ImageShape shape, double pixelMax) {
        requirePixelMax(pixelMax);
        Column values = pixelValues(schema, pixelsCol);
        String name = "pixels column '" + pixelsCol + "'";
        int n = shape.pixelsPerImage();
        boolean binary = field(schema, pixelsCol).dataType() instanceof BinaryType;
        Column count = binary ? length(values) : size(values);
        Column checked = when(values.isNull(), raise_error(lit(name + ": a row has no pixels (null)")))
                .when(count.notEqual(n), raise_error(concat(lit(name + ": a row has "), count.cast("string"),
                        lit(" pixel values, the model takes " + n + " (" + describe(shape) + ")"))));
        if (binary) {
            return checked.otherwise(values);
        }
        return checked.when(exists(values, x -> badPixel(x, pixelMax)), raise_error(concat(
                        lit(name + ": pixel value "), firstBadPixel(values, pixelMax).cast("string"),
                        lit(" is outside the allowed values, " + pixelRange(pixelMax)))))
                .otherwise(toBytes(pixelMax).apply(values.cast("array<double>")));
    }

    /** Whether a column may hold images: binary, a numeric array or an ml.linalg.Vector. */
    public static boolean isPixelType(DataType type) {
        return type instanceof BinaryType || type instanceof VectorUDT
                || type instanceof ArrayType array && isNumeric(array.elementType());
    }

    /** The pixels column: binary or a numeric array as it is, a Vector as an array of doubles. */
    private static Column pixelValues(StructType schema, String pixelsCol) {
        DataType type = field(schema, pixelsCol).dataType();
        if (!isPixelType(type)) {
            throw new IllegalArgumentException("pixels column '" + pixelsCol + "' has type "
                    + type.simpleString() + "; allowed: " + PIXEL_TYPES);
        }
        return type instanceof VectorUDT
                ? org.apache.spark.ml.functions.vector_to_array(column(pixelsCol), "float64")
                : column(pixelsCol);
    }

    /** Null, NaN, outside 0..pixelMax, or (on the byte scale) not a whole number. */
    private static Column badPixel(Column x, double pixelMax) {
        Column bad = x.isNull().or(x.isNaN()).or(x.lt(0)).or(x.gt(pixelMax));
        return pixelMax == BYTE_MAX ? bad.or(x.notEqual(round(x))) : bad;
    }

    /** The first value of a pixel array that {@link #badPixel} rejects, null if none: the value an error names. */
    private static Column firstBadPixel(Column pixels, double pixelMax) {
        return element_at(filter(pixels, x -> badPixel(x, pixelMax)), 1);
    }

    private static String pixelRange(double pixelMax) {
        return pixelMax == BYTE_MAX ? "whole numbers in 0..255" : "numbers in 0.." + pixelMax;
    }

    private static void requirePixelMax(double pixelMax) {
        if (!(pixelMax > 0) || Double.isInfinite(pixelMax)) {
            throw new IllegalArgumentException("pixelMax must be a finite number > 0 (255 for bytes, 1 for"
                    + " values in 0..1), got " + pixelMax);
        }
    }

    private static Metadata metadata(ImageShape shape) {
        return new MetadataBuilder()
                .putLong(HEIGHT, shape.height())
                .putLong(WIDTH, shape.width())
                .putLong(CHANNELS, shape.channels())
                .putLong(CLASSES, shape.classes())
                .build();
    }

    /** The pixels as one column: the named column, or the remaining columns as an array. */
    private static Column pixelsColumn(Dataset<Row> table, String labelCol, String pixelsCol,
            ImageShape shape) {
        StructType schema = table.schema();
        if (pixelsCol != null) {
            return pixelValues(schema, pixelsCol);
        }
        List<Column> columns = new ArrayList<>();
        for (StructField f : schema.fields()) {
            if (f.name().equals(labelCol)) {
                continue;
            }
            if (!isNumeric(f.dataType())) {
                throw new IllegalArgumentException("pixel column '" + f.name() + "' has type "
                        + f.dataType().simpleString() + "; with pixelsCol null every column but"
                        + " the label must be numeric (" + INTEGER_TYPES + ", float, double)");
            }
            columns.add(column(f.name()));
        }
        if (columns.size() != shape.pixelsPerImage()) {
            throw new IllegalArgumentException("found " + columns.size() + " pixel columns"
                    + " besides label column '" + labelCol + "', expected "
                    + shape.pixelsPerImage() + " (" + describe(shape) + ")");
        }
        return org.apache.spark.sql.functions.array(columns.toArray(new Column[0]));
    }

    /** A column by its exact name, even if the name holds dots or backticks. */
    private static Column column(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }

    private static StructField field(StructType schema, String name) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("column '" + name + "' not found; the table has "
                + Arrays.toString(schema.fieldNames()));
    }

    private static boolean isIntegral(DataType t) {
        return t instanceof IntegerType || t instanceof LongType || t instanceof ShortType
                || t instanceof ByteType;
    }

    private static boolean isNumeric(DataType t) {
        return isIntegral(t) || t instanceof FloatType || t instanceof DoubleType;
    }

    private static String describe(ImageShape shape) {
        return shape.height() + "x" + shape.width() + "x" + shape.channels();
    }

    private static String abbreviate(String s) {
        return s == null || s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    private static UserDefinedFunction toBytes(double pixelMax) {
        return udf(new ToBytes(pixelMax), DataTypes.BinaryType);
    }

    /** Packs validated pixel values 0..pixelMax into unsigned bytes, {@code round(v * 255 / pixelMax)}. */
    private static final class ToBytes implements UDF1<Seq<Double>, byte[]> {
        private static final long serialVersionUID = 1L;
        private final double scale;

        ToBytes(double pixelMax) {
            this.scale = BYTE_MAX / pixelMax;
        }

        @Override
        public byte[] call(Seq<Double> values) {
            byte[] bytes = new byte[values.length()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) Math.round(values.apply(i) * scale);
            }
            return bytes;
        }
    }
}
