package io.dptrain.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.LocalSparkTest;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ImageTableTest extends LocalSparkTest {

    /** A tiny shape for the rejection tests: 2x2 gray images, 10 classes. */
    private static final ImageShape TINY = new ImageShape(2, 2, 1, 10);

    private static LabeledImages train;

    @TempDir
    Path dir;

    @BeforeAll
    static void readFixture() {
        train = Fixtures.train();
    }

    @Test
    void fixtureRoundTripsThroughParquet() {
        Dataset<Row> df = ImageTable.fromImages(spark(), train);
        assertThat(df.schema()).isEqualTo(ImageTable.schema(train.shape()));

        String path = dir.resolve("train.parquet").toString();
        ImageTable.writeParquet(df, path, false);
        Dataset<Row> back = ImageTable.read(spark(), path);

        assertThat(ImageTable.shapeOf(back)).isEqualTo(train.shape());
        assertThat(back.columns()).containsExactly(ImageTable.LABEL, ImageTable.PIXELS);
        // Spark does not promise to read Parquet parts back in the written order.
        LabeledImages collected = ImageTable.collect(back);
        assertThat(collected.shape()).isEqualTo(train.shape());
        assertThat(sortedByContent(collected)).isEqualTo(sortedByContent(train));
        assertThat(ImageTable.collect(df)).isEqualTo(train);
    }

    @Test
    void fromTableReadsTheKaggleCsvLayout() throws IOException {
        LabeledImages images = train.slice(0, 30);
        Path csv = dir.resolve("fashion.csv");
        try (Writer out = Files.newBufferedWriter(csv)) {
            StringBuilder header = new StringBuilder("label");
            for (int p = 1; p <= 784; p++) {
                header.append(",pixel").append(p);
            }
            out.write(header + "\n");
            for (int i = 0; i < images.count(); i++) {
                StringBuilder line = new StringBuilder().append(images.label(i));
                for (int p = 0; p < 784; p++) {
                    line.append(',').append(images.pixels()[i * 784 + p] & 0xFF);
                }
                out.write(line + "\n");
            }
        }
        Dataset<Row> table = spark().read().option("header", true).option("inferSchema", true)
                .csv(csv.toString());

        Dataset<Row> df = ImageTable.fromTable(table, "label", null, images.shape());

        assertThat(ImageTable.shapeOf(df)).isEqualTo(images.shape());
        assertThat(ImageTable.collect(df)).isEqualTo(images);
    }

    @Test
    void fromTableReadsArrayColumnsOfEachNumericType() {
        LabeledImages images = train.slice(0, 12);
        for (DataType element : List.of(DataTypes.IntegerType, DataTypes.LongType,
                DataTypes.FloatType, DataTypes.DoubleType)) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < images.count(); i++) {
                Object[] values = new Object[784];
                for (int p = 0; p < 784; p++) {
                    int v = images.pixels()[i * 784 + p] & 0xFF;
                    values[p] = element == DataTypes.IntegerType ? (Object) v
                            : element == DataTypes.LongType ? (Object) (long) v
                            : element == DataTypes.FloatType ? (Object) (float) v
                            : (Object) (double) v;
                }
                rows.add(RowFactory.create((long) images.label(i), values));
            }
            StructType schema = new StructType()
                    .add("y", DataTypes.LongType, false)
                    .add("px", DataTypes.createArrayType(element), false);
            Dataset<Row> table = spark().createDataFrame(rows, schema);

            Dataset<Row> df = ImageTable.fromTable(table, "y", "px", images.shape());

            assertThat(df.columns()).containsExactly(ImageTable.LABEL, ImageTable.PIXELS);
            assertThat(ImageTable.collect(df)).as(element.simpleString()).isEqualTo(images);
        }
    }

    @Test
    void fromTableAcceptsABinaryColumnUnderAnyName() {
        LabeledImages images = train.slice(0, 5);
        Dataset<Row> table = ImageTable.fromImages(spark(), images)
                .withColumnRenamed("label", "class.id").withColumnRenamed("pixels", "bytes");

        Dataset<Row> df = ImageTable.fromTable(table, "class.id", "bytes", images.shape());

        assertThat(ImageTable.collect(df)).isEqualTo(images);
    }

    @Test
    void rejectsMissingColumnsListingThosePresent() {
        Dataset<Row> table = binaryTable(new byte[4]);
        assertThatThrownBy(() -> ImageTable.fromTable(table, "y", "pixels", TINY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("column 'y' not found; the table has [label, pixels]");
        assertThatThrownBy(() -> ImageTable.fromTable(table, "label", "image", TINY))
                .hasMessage("column 'image' not found; the table has [label, pixels]");
    }

    @Test
    void rejectsWrongColumnTypes() {
        Dataset<Row> table = spark().sql("SELECT 'a' AS label, 'b' AS pixels, 1 AS n");
        assertThatThrownBy(() -> ImageTable.fromTable(table, "label", "pixels", TINY))
                .hasMessageContaining("label column 'label' has type string; allowed: tinyint,"
                        + " smallint, int, bigint");
        assertThatThrownBy(() -> ImageTable.fromTable(table, "n", "pixels", TINY))
                .hasMessageContaining("pixels column 'pixels' has type string; allowed: binary,"
                        + " array of tinyint, smallint, int, bigint, float or double, or an ml.linalg.Vector");
        assertThatThrownBy(() -> ImageTable.fromTable(
                spark().sql("SELECT 1 AS label, array('x') AS pixels"), "label", "pixels", TINY))
                .hasMessageContaining("has type array<string>");
        assertThatThrownBy(() -> ImageTable.fromTable(table, "n", null, TINY))
                .hasMessageContaining("pixel column 'label' has type string");
    }

    @Test
    void rejectsWrongPixelCounts() {
        assertThatThrownBy(() -> ImageTable.fromTable(binaryTable(new byte[4], new byte[3]),
                "label", "pixels", TINY))
                .hasMessageContaining("pixels column 'pixels': 1 of 2 rows have the wrong number"
                        + " of pixels: found 3, expected 4 (2x2x1)");
        assertThatThrownBy(() -> ImageTable.fromTable(
                spark().sql("SELECT 1 AS label, array(1, 2, 3, 4, 5) AS pixels"),
                "label", "pixels", TINY))
                .hasMessageContaining("found 5, expected 4");
        assertThatThrownBy(() -> ImageTable.fromTable(
                spark().sql("SELECT 1 AS label, 0 AS p1, 0 AS p2, 0 AS p3"), "label", null, TINY))
                .hasMessageContaining("found 3 pixel columns besides label column 'label',"
                        + " expected 4 (2x2x1)");
    }

    @Test
    void rejectsPixelValuesOutsideTheByteRange() {
        assertThatThrownBy(() -> ImageTable.fromTable(
                spark().sql("SELECT 1 AS label, array(0, 300, 2, 3) AS pixels"),
                "label", "pixels", TINY))
                .hasMessageContaining("1 of 1 rows have pixel values that are not whole numbers"
                        + " in 0..255, e.g. 300 in [0, 300, 2, 3]");
        assertThatThrownBy(() -> ImageTable.fromTable(
                spark().sql("SELECT 1 AS label, 0.5D AS a, 0D AS b, 0D AS c, 0D AS d"),
                "label", null, TINY))
                .hasMessageContaining("not whole numbers in 0..255, e.g. 0.5 in [0.5, 0.0, 0.0, 0.0]");
    }

    @Test
    void rejectsLabelsOutsideTheClasses() {
        Dataset<Row> table = spark().createDataFrame(List.of(
                RowFactory.create(3, new byte[4]), RowFactory.create(10, new byte[4]),
                RowFactory.create(-1, new byte[4])), binarySchema());
        assertThatThrownBy(() -> ImageTable.fromTable(table, "label", "pixels", TINY))
                .hasMessageContaining("label column 'label': 2 of 3 rows have a label that is not a"
                        + " class index (a whole number in 0..9), e.g. ");
    }

    @Test
    void rejectsEmptyTables() {
        Dataset<Row> empty = spark().createDataFrame(List.of(), binarySchema());
        assertThatThrownBy(() -> ImageTable.fromTable(empty, "label", "pixels", TINY))
                .hasMessage("table is empty: it must hold at least one row");
        assertThatThrownBy(() -> ImageTable.fromImages(spark(),
                new LabeledImages(TINY, new byte[0], new int[0])))
                .hasMessage("images must hold at least one image, got 0");
    }

    @Test
    void writeRefusesAnExistingPathUnlessOverwriting() {
        String path = dir.resolve("t.parquet").toString();
        ImageTable.writeParquet(ImageTable.fromImages(spark(), train.slice(0, 3)), path, false);
        Dataset<Row> second = ImageTable.fromImages(spark(), train.slice(3, 5));

        assertThatThrownBy(() -> ImageTable.writeParquet(second, path, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t.parquet already exists; delete it or pass"
                        + " overwrite=true to replace it");
        ImageTable.writeParquet(second, path, true);

        assertThat(ImageTable.collect(ImageTable.read(spark(), path)).count()).isEqualTo(2);
        assertThat(dir.toFile().list()).containsExactly("t.parquet");
    }

    @Test
    void failedWriteLeavesNoPartialOutput() {
        Dataset<Row> failing = ImageTable.fromImages(spark(), train.slice(0, 50))
                .withColumn("label", when(col("label").equalTo(train.label(40)),
                        raise_error(lit("boom"))).otherwise(col("label")));
        String path = dir.resolve("out").resolve("t.parquet").toString();

        assertThatThrownBy(() -> ImageTable.writeParquet(failing, path, false))
                .hasMessageContaining("boom");
        assertThat(Files.exists(Path.of(path))).isFalse();
        assertThat(listRecursively(dir)).allMatch(p -> Files.isDirectory(p));
    }

    @Test
    void readAndShapeOfNameWhatIsMissing() {
        String path = dir.resolve("plain.parquet").toString();
        binaryTable(new byte[4]).write().parquet(path);

        assertThatThrownBy(() -> ImageTable.read(spark(), path))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(path + " is not an image table")
                .hasMessageContaining("lacks the image shape metadata keys [height, width,"
                        + " channels, classes]");
        assertThatThrownBy(() -> ImageTable.shapeOf(spark().sql("SELECT 1 AS y")))
                .hasMessage("column 'label' not found; the table has [y]");
        assertThatThrownBy(() -> ImageTable.shapeOf(spark().sql("SELECT 1 AS label, 2 AS pixels")))
                .hasMessage("column 'pixels' has type int, expected binary");
        assertThatThrownBy(() -> ImageTable.writeParquet(spark().sql("SELECT 1 AS label"),
                dir.resolve("x").toString(), false))
                .hasMessage("column 'pixels' not found; the table has [label]");
    }

    private static StructType binarySchema() {
        return new StructType(new StructField[] {
            new StructField("label", DataTypes.IntegerType, false, Metadata.empty()),
            new StructField("pixels", DataTypes.BinaryType, false, Metadata.empty()),
        });
    }

    private static Dataset<Row> binaryTable(byte[]... images) {
        List<Row> rows = new ArrayList<>();
        for (byte[] image : images) {
            rows.add(RowFactory.create(1, image));
        }
        return spark().createDataFrame(rows, binarySchema());
    }

    private static List<Path> listRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> sortedByContent(LabeledImages images) {
        List<String> rows = new ArrayList<>();
        int n = images.shape().pixelsPerImage();
        for (int i = 0; i < images.count(); i++) {
            rows.add(images.label(i) + ":" + Arrays.toString(
                    Arrays.copyOfRange(images.pixels(), i * n, (i + 1) * n)));
        }
        rows.sort(null);
        return rows;
    }
}
