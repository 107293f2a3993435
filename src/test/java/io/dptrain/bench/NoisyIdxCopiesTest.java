package io.dptrain.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.data.Fixtures;
import io.dptrain.data.IdxReader;
import io.dptrain.data.LabeledImages;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The large IDX inputs: the first copy is the source, later ones differ from it in the low 3 bits only, each its own way. */
@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NoisyIdxCopiesTest {

    @TempDir
    Path dir;

    @Test
    void copiesAreTheSourceWithTheirOwnLowBitNoise() {
        LabeledImages source = Fixtures.train();
        NoisyIdxCopies copies = new NoisyIdxCopies(source, 42);
        int n = source.count();
        int perImage = source.shape().pixelsPerImage();

        for (int i : new int[] {0, 1, n - 1, n, n + 1, 5 * n + 7}) {
            byte[] original = Arrays.copyOfRange(source.pixels(), (i % n) * perImage, (i % n + 1) * perImage);
            byte[] image = copies.image(i);
            assertThat(copies.label(i)).isEqualTo(source.label(i % n));
            assertThat(image).as("record %d is deterministic", i).isEqualTo(new NoisyIdxCopies(source, 42).image(i));
            for (int p = 0; p < perImage; p++) {
                assertThat((image[p] ^ original[p]) & ~0x07).as("record %d pixel %d: low 3 bits only", i, p).isZero();
            }
            if (i < n) {
                assertThat(image).as("record %d of the first copy is the source", i).isEqualTo(original);
            } else {
                assertThat(image).as("record %d has noise", i).isNotEqualTo(original);
            }
        }
        assertThat(copies.image(n)).as("copies differ from each other").isNotEqualTo(copies.image(2L * n));
        assertThat(copies.image(n)).as("another seed, other noise").isNotEqualTo(new NoisyIdxCopies(source, 7).image(n));
    }

    @Test
    void writesAnIdxPairOfTheRecords() {
        LabeledImages source = Fixtures.test();
        NoisyIdxCopies copies = new NoisyIdxCopies(source, 42);
        int count = 2 * source.count() + 3;
        for (boolean gzip : new boolean[] {false, true}) {
            Path folder = dir.resolve(gzip ? "gz" : "plain");
            copies.write(folder, "train", count, gzip, !gzip);

            LabeledImages read = IdxReader.read(folder.resolve("train-images-idx3-ubyte.gz"),
                    folder.resolve("train-labels-idx1-ubyte.gz"), 10);

            assertThat(read.count()).isEqualTo(count);
            assertThat(read.shape()).isEqualTo(source.shape());
            for (int i = 0; i < count; i++) {
                assertThat(read.label(i)).isEqualTo(copies.label(i));
                assertThat(read.slice(i, i + 1).pixels()).as("record %d", i).isEqualTo(copies.image(i));
            }
        }
    }
}
