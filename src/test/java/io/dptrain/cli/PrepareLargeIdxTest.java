package io.dptrain.cli;

import static io.dptrain.SparkSubmitJvm.tail;
import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.LocalSparkTest;
import io.dptrain.SparkSubmitJvm;
import io.dptrain.bench.NoisyIdxCopies;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.spark.launcher.SparkAppHandle;
import org.apache.spark.launcher.SparkLauncher;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dptrain prepare fashion-mnist} on 600,000 images (470 MB of pixels) in a driver JVM capped at
 * 512 MB of heap: it must finish, and the training table must hold every record, checked by count and by
 * a checksum this test computes from the records it generated. The images are the committed fixture's 600
 * repeated 1000 times, each copy with its own noise ({@link NoisyIdxCopies}), written at run time into a
 * temporary folder: the images file plain (tasks seek to their range), the labels gzip (tasks decompress
 * up to theirs). The driver reading the images itself, as it once did, would need their 470 MB at once, which
 * would not fit beside Spark in the capped heap.
 *
 * <p>The driver is dptrain under SparkSubmit ({@link SparkSubmitJvm}) with {@code spark.driver.memory=512m}
 * and {@code local[2]}: its two task threads run in the same capped JVM, so the cap bounds what the driver
 * and both tasks hold together. Runs in the surefire execution of the tag "cluster" (about a minute on 2 cores,
 * 470 MB written twice; like every test that starts a driver JVM it needs the full classpath that execution lists).
 */
@Tag("cluster")
@Timeout(600)
class PrepareLargeIdxTest {
    private static final int IMAGES = 600_000;
    private static final String DRIVER_HEAP = "512m";

    @TempDir
    Path dir;

    @Test
    void prepares600000ImagesWithA512MbDriverHeap() throws Exception {
        Path source = dir.resolve("source");
        NoisyIdxCopies train = new NoisyIdxCopies(Fixtures.train(), 42);
        train.write(source, "train", IMAGES, false, true);
        new NoisyIdxCopies(Fixtures.test(), 42).write(source, "t10k", Fixtures.test().count(), false, true);
        long expectedSum = 0;
        for (long i = 0; i < IMAGES; i++) {
            expectedSum += checksum(train.label(i), train.image(i));
        }

        Path out = dir.resolve("prepared");
        Path log = dir.resolve("driver.log");
        Path gcLog = dir.resolve("driver-gc.log");
        SparkLauncher driver = SparkSubmitJvm.dptrain(dir, "local[2]", log, List.of("-Xlog:gc,gc+init:file=" + gcLog),
                        List.of("prepare", "fashion-mnist", "--source", source.toString(), "--out", out.toString()))
                .setConf(SparkLauncher.DRIVER_MEMORY, DRIVER_HEAP)
                .setAppName("dptrain prepare 600k test");
        SparkSubmitJvm.Submission submission = SparkSubmitJvm.start(driver);
        try {
            assertThat(submission.awaitEnd(Duration.ofSeconds(400), log)).as("driver's final state:%n%s", tail(log))
                    .isEqualTo(SparkAppHandle.State.FINISHED);
        } finally {
            submission.stop();
        }
        assertThat(Files.readString(log)).contains("prepared " + IMAGES + " train images", "prepared 200 test images");
        assertThat(Files.readString(gcLog)).as("the driver's heap was capped").contains("Heap Max Capacity: 512M");

        SparkSession spark = SparkSession.builder().config(LocalSparkTest.localConf("prepare-large-idx-check"))
                .getOrCreate();
        try {
            Dataset<Row> table = ImageTable.read(spark, out.resolve("fashion-mnist-train.parquet").toString());
            assertThat(ImageTable.shapeOf(table)).isEqualTo(new ImageShape(28, 28, 1, 10));
            assertThat(table.count()).isEqualTo(IMAGES);
            long sum = table.javaRDD().map(row -> checksum(row.getInt(0), row.getAs(1))).reduce(Long::sum);
            assertThat(sum).as("sum of the rows' CRC-32 (label, pixels)").isEqualTo(expectedSum);
            assertThat(ImageTable.read(spark, out.resolve("fashion-mnist-test.parquet").toString()).count())
                    .isEqualTo(Fixtures.test().count());
        } finally {
            spark.stop();
        }
    }

    /** CRC-32 of a record: its label byte, then its pixels. Summed over records it ignores their order. */
    private static long checksum(int label, byte[] pixels) {
        CRC32 crc = new CRC32();
        crc.update(label);
        crc.update(pixels);
        return crc.getValue();
    }
}
