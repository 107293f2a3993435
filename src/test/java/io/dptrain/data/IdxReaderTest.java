package io.dptrain.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IdxReaderTest {

    private static final Path REAL = Path.of("data/fashion-mnist");
    private static final String REAL_ABSENT = "skipped: needs the real Fashion-MNIST in " + REAL.toAbsolutePath()
            + " (absent in CI); the fixture-based test next to this one always runs";

    @TempDir
    Path dir;

    @Test
    void readsTheFixture() {
        LabeledImages train = Fixtures.train();
        LabeledImages test = Fixtures.test();

        assertThat(train.shape()).isEqualTo(new ImageShape(28, 28, 1, 10));
        assertThat(train.count()).isEqualTo(FixtureWriter.TRAIN);
        assertThat(test.count()).isEqualTo(FixtureWriter.TEST);
        assertThat(Arrays.stream(train.labels()).distinct().count()).isEqualTo(10);
        // Fashion-MNIST's first training example is an ankle boot (class 9).
        assertThat(train.label(0)).isEqualTo(9);
    }

    @Test
    void plainAndGzipFilesReadTheSame() {
        LabeledImages images = IdxFiles.random(7, 10, 3);
        IdxFiles.Pair plain = IdxFiles.write(dir.resolve("plain"), "x", images, false);
        IdxFiles.Pair gzip = IdxFiles.write(dir.resolve("gz"), "x", images, true);

        assertThat(IdxReader.read(plain.images(), plain.labels(), 10)).isEqualTo(images);
        assertThat(IdxReader.read(gzip.images(), gzip.labels(), 10)).isEqualTo(images);
    }

    /** Through Hadoop's FileSystem (what `prepare fashion-mnist --source` uses): file:// URIs and bare paths. */
    @Test
    void readsThroughHadoopFileSystems() {
        LabeledImages images = IdxFiles.random(6, 10, 13);
        IdxFiles.Pair gzip = IdxFiles.write(dir, "x", images, true);
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();

        assertThat(IdxReader.read(gzip.images().toUri().toString(), gzip.labels().toUri().toString(), 10, hadoop))
                .isEqualTo(images);
        assertThat(IdxReader.read(gzip.images().toString(), gzip.labels().toString(), 10, hadoop))
                .isEqualTo(images);
        String missing = dir.resolve("missing.idx").toUri().toString();
        assertThatThrownBy(() -> IdxReader.read(missing, gzip.labels().toString(), 10, hadoop))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining(missing);
    }

    @Test
    void gzipIsDetectedByHeaderNotName() throws Exception {
        LabeledImages images = IdxFiles.random(4, 10, 5);
        IdxFiles.Pair gzip = IdxFiles.write(dir, "x", images, true);
        Path renamed = Files.move(gzip.images(), dir.resolve("images.idx"));

        assertThat(IdxReader.read(renamed, gzip.labels(), 10)).isEqualTo(images);
    }

    @Test
    void limitReadsTheFirstExamples() {
        LabeledImages images = IdxFiles.random(9, 10, 11);
        IdxFiles.Pair files = IdxFiles.write(dir, "x", images, true);

        assertThat(IdxReader.read(files.images(), files.labels(), 10, 4))
                .isEqualTo(images.slice(0, 4));
        assertThat(IdxReader.read(files.images(), files.labels(), 10, 0)).isEqualTo(images);
        assertThat(IdxReader.read(files.images(), files.labels(), 10, 100)).isEqualTo(images);
    }

    @Test
    void rejectsWrongImageMagic() {
        IdxFiles.Pair files = IdxFiles.badImageMagic(dir);
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(files.images().toString())
                .hasMessageContaining("is not an IDX image file: magic number 2049, expected 2051");
    }

    @Test
    void rejectsWrongLabelMagic() {
        IdxFiles.Pair files = IdxFiles.badLabelMagic(dir);
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(files.labels().toString())
                .hasMessageContaining("is not an IDX label file: magic number 2051, expected 2049");
    }

    @Test
    void rejectsTruncatedImages() {
        IdxFiles.Pair files = IdxFiles.truncatedImages(dir, false);
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(files.images() + " is truncated")
                .hasMessageContaining("expected 60 bytes of pixels for 5 images of 4x3")
                .hasMessageContaining("found 30 bytes (2 whole images)");
    }

    @Test
    void rejectsAHugeAnnouncedCountWithoutAllocatingIt() {
        IdxFiles.Pair files = IdxFiles.valid(dir, false);
        IdxFiles.writeImages(files.images(), IdxReader.IMAGES_MAGIC, 2_000_000, 28, 28,
                new byte[100], false);
        IdxFiles.writeLabels(files.labels(), IdxReader.LABELS_MAGIC, 2_000_000, new byte[1],
                false);
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("expected 1568000000 bytes of pixels for 2000000 images")
                .hasMessageContaining("found 100 bytes (0 whole images)");
    }

    @Test
    void rejectsTruncatedGzipStream() throws Exception {
        IdxFiles.Pair files = IdxFiles.valid(dir, true);
        byte[] whole = Files.readAllBytes(files.images());
        Files.write(files.images(), Arrays.copyOf(whole, whole.length - 12));
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(files.images() + " is truncated")
                .hasMessageContaining("expected 60 bytes");
    }

    @Test
    void rejectsTruncatedHeader() throws Exception {
        IdxFiles.Pair files = IdxFiles.valid(dir, false);
        Files.write(files.images(), new byte[] {0, 0, 8, 3, 0, 0});
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(files.images() + " is truncated: the header ends before"
                        + " the image count");
    }

    @Test
    void rejectsTruncatedLabels() {
        IdxFiles.Pair files = IdxFiles.truncatedLabels(dir);
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(files.labels() + " is truncated: expected 5 labels, found 3");
    }

    @Test
    void rejectsMismatchedCounts() {
        IdxFiles.Pair files = IdxFiles.mismatchedCounts(dir);
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("image and label counts differ")
                .hasMessageContaining(files.images() + " holds 5 images")
                .hasMessageContaining(files.labels() + " holds 4 labels");
    }

    @Test
    void rejectsLabelOutsideClasses() {
        IdxFiles.Pair files = IdxFiles.badLabel(dir);
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(files.labels().toString())
                .hasMessageContaining("label at index 3 is 12, allowed 0..9");
    }

    @Test
    void rejectsZeroImages() {
        IdxFiles.Pair files = IdxFiles.zeroImages(dir);
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 10))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(files.images() + " holds zero images");
    }

    @Test
    void rejectsTooFewClasses() {
        IdxFiles.Pair files = IdxFiles.valid(dir, false);
        assertThatThrownBy(() -> IdxReader.read(files.images(), files.labels(), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("classes must be >= 2, got 1");
    }

    /**
     * The committed fixture is the start of the real Fashion-MNIST, checked without the real files: the SHA-256
     * of the first 600 training and 200 test examples (pixels and labels, as bytes after the IDX headers) of
     * data/fashion-mnist, taken when this test was written, must equal the fixture's. A changed or regenerated
     * fixture fails here in CI, where data/ is absent; {@link #fixtureIsTheStartOfTheRealData} compares the
     * files themselves where data/ is present.
     */
    @Test
    void fixtureHasTheDigestOfTheStartOfTheRealData() throws Exception {
        LabeledImages train = Fixtures.train();
        LabeledImages test = Fixtures.test();

        assertThat(sha256(train.pixels())).as("first %d real training images", FixtureWriter.TRAIN)
                .isEqualTo("dc1b974210a9d78df4bfb02196e760d3e8cad20d53a0e35be614745b1f32ae51");
        assertThat(sha256(labelBytes(train))).as("first %d real training labels", FixtureWriter.TRAIN)
                .isEqualTo("81440c13e21f780fe37489b6e15b7e7a68e7ae84c2bc7a416bfe0bd4656e9177");
        assertThat(sha256(test.pixels())).as("first %d real test images", FixtureWriter.TEST)
                .isEqualTo("1ea26a8badf5cf72eae232eee0644a812949e1c7b446e2068cc48b15796a4802");
        assertThat(sha256(labelBytes(test))).as("first %d real test labels", FixtureWriter.TEST)
                .isEqualTo("8aafea10b1e2b780ca1ff151bdc742b097eef82d32916ea2338de9af6319562d");
    }

    /** Needs the real files ({@code jobs/fetch-data.sh fashion-mnist}; absent in CI): the skip says why in the report. */
    @Test
    void fixtureIsTheStartOfTheRealData() {
        assumeTrue(Files.isDirectory(REAL), REAL_ABSENT);
        LabeledImages real = IdxReader.read(REAL.resolve("train-images-idx3-ubyte.gz"),
                REAL.resolve("train-labels-idx1-ubyte.gz"), 10, FixtureWriter.TRAIN);
        assertThat(Fixtures.train()).isEqualTo(real);
    }

    /**
     * Reading speed at the real training set's size, from the fixture: its 600 images written 100 times over
     * into one IDX file of 60,000, uncompressed (writing 47 MB at gzip's best compression takes minutes on a
     * busy machine, longer than this test's timeout; gzip reading is covered by the small files above).
     */
    @Test
    void reads60000FixtureImagesQuickly() {
        LabeledImages fixture = Fixtures.train();
        int copies = 60_000 / fixture.count();
        int n = fixture.pixels().length;
        byte[] pixels = new byte[copies * n];
        int[] labels = new int[copies * fixture.count()];
        for (int c = 0; c < copies; c++) {
            System.arraycopy(fixture.pixels(), 0, pixels, c * n, n);
            System.arraycopy(fixture.labels(), 0, labels, c * fixture.count(), fixture.count());
        }
        IdxFiles.Pair files = IdxFiles.write(dir, "train", new LabeledImages(fixture.shape(), pixels, labels), false);

        long start = System.nanoTime();
        LabeledImages all = IdxReader.read(files.images(), files.labels(), 10);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(all.count()).isEqualTo(60_000);
        assertThat(all.slice(59_400, 60_000)).isEqualTo(fixture);
        // Generous bound so a busy machine does not fail the build; typically well under 1 s.
        assertThat(millis).as("milliseconds to read 60k images").isLessThan(10_000);
    }

    /** Needs the real files (absent in CI): the skip says so in the report. */
    @Test
    void readsAllRealTrainingImagesQuickly() {
        assumeTrue(Files.isDirectory(REAL), REAL_ABSENT);
        long start = System.nanoTime();
        LabeledImages all = IdxReader.read(REAL.resolve("train-images-idx3-ubyte.gz"),
                REAL.resolve("train-labels-idx1-ubyte.gz"), 10);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(all.count()).isEqualTo(60_000);
        assertThat(all.pixels()).hasSize(60_000 * 784);
        // Generous bound so a busy machine does not fail the build; typically well under 1 s.
        assertThat(millis).as("milliseconds to read 60k images").isLessThan(10_000);
    }

    private static byte[] labelBytes(LabeledImages images) {
        byte[] bytes = new byte[images.count()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) images.label(i);
        }
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
