package io.dptrain.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dptrain.LocalSparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * IDX files read by the executors ({@link IdxTable}) give exactly the table that reading them on the driver
 * ({@link IdxReader}) and distributing the images ({@link ImageTable#fromImages}) gave: the same rows in the
 * same order, the same schema and metadata, whatever the number of tasks and whether the files are gzip; and
 * bad files fail with exactly {@link IdxReader}'s message, leaving no output.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdxTableTest extends LocalSparkTest {

    private static final Path REAL = Path.of("data/fashion-mnist");

    @TempDir
    Path dir;

    private static IdxTable.Pair inspect(IdxFiles.Pair files) {
        return IdxTable.inspect(files.images().toString(), files.labels().toString(), 10, new Configuration());
    }

    @Test
    void fixtureTableIsTheDriverSideTableRowForRow() {
        Path mini = Fixtures.fashionMnistMini();
        IdxTable.Pair pair = IdxTable.inspect(mini.resolve("train-images-idx3-ubyte.gz").toString(),
                mini.resolve("train-labels-idx1-ubyte.gz").toString(), 10, new Configuration());

        Dataset<Row> table = IdxTable.read(spark(), pair);

        assertThat(pair.images().gzip()).isTrue();
        assertThat(pair.count()).isEqualTo(FixtureWriter.TRAIN);
        assertThat(table.schema()).isEqualTo(ImageTable.fromImages(spark(), Fixtures.train()).schema());
        assertThat(table.schema().apply(ImageTable.PIXELS).metadata())
                .isEqualTo(ImageTable.schema(new ImageShape(28, 28, 1, 10)).apply(ImageTable.PIXELS).metadata());
        assertThat(ImageTable.collect(table)).isEqualTo(Fixtures.train());
    }

    /** Ranges of every size, plain and gzip files and a mix of both: the rows and their order never change. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 50})
    void anyNumberOfTasksGivesTheSameRowsInOrder(int tasks) {
        LabeledImages images = IdxFiles.random(50, 10, 17);
        IdxFiles.Pair plain = IdxFiles.write(dir.resolve("plain"), "x", images, false);
        IdxFiles.Pair gzip = IdxFiles.write(dir.resolve("gz"), "x", images, true);
        IdxFiles.Pair mixed = new IdxFiles.Pair(plain.images(), gzip.labels());

        for (IdxFiles.Pair files : List.of(plain, gzip, mixed)) {
            Dataset<Row> table = IdxTable.read(spark(), inspect(files), tasks);
            assertThat(table.rdd().getNumPartitions()).isEqualTo(tasks);
            assertThat(ImageTable.collect(table)).as("%s, %d tasks", files, tasks).isEqualTo(images);
        }
    }

    @Test
    void tasksFollowTheClusterAndTheDataSize() {
        IdxTable.IdxFile file = new IdxTable.IdxFile("f", "file:/f", false, 16);
        ImageShape shape = new ImageShape(28, 28, 1, 10);

        assertThat(IdxTable.tasks(new IdxTable.Pair(file, file, shape, 60_000), 2))
                .as("47 MB of pixels: the parallelism").isEqualTo(2);
        assertThat(IdxTable.tasks(new IdxTable.Pair(file, file, shape, 600_000), 2))
                .as("470 MB of pixels: at most 64 MiB a task").isEqualTo(8);
        assertThat(IdxTable.tasks(new IdxTable.Pair(file, file, shape, 600_000), 16)).isEqualTo(16);
        assertThat(IdxTable.tasks(new IdxTable.Pair(file, file, shape, 3), 16)).as("no empty task").isEqualTo(3);
    }

    /** A bad pair fails with the driver-side reader's message (on the driver, or from the task that found it). */
    @ParameterizedTest
    @ValueSource(strings = {"badImageMagic", "badLabelMagic", "truncatedPlainImages", "truncatedGzipImages",
        "cutGzipStream", "truncatedPlainLabels", "truncatedGzipLabels", "mismatchedCounts", "badPlainLabel",
        "badGzipLabel", "zeroImages"})
    void badFilesFailWithTheDriverSideReadersMessage(String bad) throws Exception {
        IdxFiles.Pair files = badPair(bad).apply(dir);
        String expected = catchThrowableMessage(files);
        String out = dir.resolve("out.parquet").toString();

        assertThatThrownBy(() -> IdxTable.prepare(spark(), inspect(files), out, false))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage(expected);
        assertThat(Files.exists(Path.of(out))).as("no output").isFalse();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no temporary output left")
                    .noneMatch(name -> name.startsWith(".out.parquet"));
        }
    }

    private static Function<Path, IdxFiles.Pair> badPair(String bad) {
        return switch (bad) {
            case "badImageMagic" -> IdxFiles::badImageMagic;
            case "badLabelMagic" -> IdxFiles::badLabelMagic;
            case "truncatedPlainImages" -> d -> IdxFiles.truncatedImages(d, false);
            case "truncatedGzipImages" -> d -> IdxFiles.truncatedImages(d, true);
            case "cutGzipStream" -> d -> {
                IdxFiles.Pair files = IdxFiles.valid(d, true);
                byte[] whole = read(files.images());
                write(files.images(), Arrays.copyOf(whole, whole.length - 12));
                return files;
            };
            case "truncatedPlainLabels" -> IdxFiles::truncatedLabels;
            case "truncatedGzipLabels" -> d -> {
                IdxFiles.Pair files = IdxFiles.valid(d, true);
                IdxFiles.writeLabels(files.labels(), IdxReader.LABELS_MAGIC, 5, new byte[3], true);
                return files;
            };
            case "mismatchedCounts" -> IdxFiles::mismatchedCounts;
            case "badPlainLabel" -> IdxFiles::badLabel;
            case "badGzipLabel" -> d -> {
                IdxFiles.Pair files = IdxFiles.valid(d, true);
                IdxFiles.writeLabels(files.labels(), IdxReader.LABELS_MAGIC, 5, new byte[] {1, 2, 3, 12, 4}, true);
                return files;
            };
            case "zeroImages" -> IdxFiles::zeroImages;
            default -> throw new IllegalArgumentException(bad);
        };
    }

    /** What the driver-side reader says about the pair; it must find something wrong. */
    private static String catchThrowableMessage(IdxFiles.Pair files) {
        try {
            IdxReader.read(files.images(), files.labels(), 10);
        } catch (IdxFormatException e) {
            return e.getMessage();
        }
        throw new AssertionError("IdxReader accepted " + files);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Needs the real files ({@code jobs/fetch-data.sh fashion-mnist}; absent in CI): the skip says why. */
    @Test
    void realTrainingSetIsTheDriverSideTableRowForRow() {
        assumeTrue(Files.isDirectory(REAL), "skipped: needs the real Fashion-MNIST in " + REAL.toAbsolutePath());
        Path images = REAL.resolve("train-images-idx3-ubyte.gz");
        Path labels = REAL.resolve("train-labels-idx1-ubyte.gz");

        Dataset<Row> table = IdxTable.read(spark(), IdxTable.inspect(images.toString(), labels.toString(), 10,
                new Configuration()));

        assertThat(ImageTable.collect(table)).isEqualTo(IdxReader.read(images, labels, 10));
    }
}
