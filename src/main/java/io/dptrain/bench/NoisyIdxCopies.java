package io.dptrain.bench;

import io.dptrain.data.IdxReader;
import io.dptrain.data.ImageShape;
import io.dptrain.data.LabeledImages;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * IDX files of any size for measuring preparation, made from a real set: record {@code i} is source
 * image {@code i mod n} with its label; the first copy ({@code i < n}) is the source itself, every later
 * copy has the low 3 bits of each pixel flipped by noise seeded from {@code (seed, i)}, so every record is
 * distinct, deterministic and computable alone ({@link #image}), and still looks like its source.
 * The files are written record by record: only the source is held in memory.
 */
public final class NoisyIdxCopies {

    /** Pixel bits the noise may flip: the low 3, at most 7 gray levels of 255. */
    private static final int NOISE_MASK = 0x07;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int BUFFER_BYTES = 1 << 20;

    private final LabeledImages source;
    private final long seed;

    /**
     * @param source the images repeated, at least one
     * @param seed   the noise's seed
     */
    public NoisyIdxCopies(LabeledImages source, long seed) {
        this.source = Objects.requireNonNull(source, "source");
        if (source.count() == 0) {
            throw new IllegalArgumentException("source must hold at least one image, got 0");
        }
        if (source.shape().channels() != 1) {
            throw new IllegalArgumentException("IDX images have one channel, the source has "
                    + source.shape().channels());
        }
        this.seed = seed;
    }

    /**
     * @param i a record index, {@code >= 0}
     * @return the label of record {@code i}
     */
    public int label(long i) {
        return source.label((int) (i % source.count()));
    }

    /**
     * @param i a record index, {@code >= 0}
     * @return the pixels of record {@code i}, a new array
     */
    public byte[] image(long i) {
        int perImage = source.shape().pixelsPerImage();
        int from = (int) (i % source.count()) * perImage;
        byte[] pixels = Arrays.copyOfRange(source.pixels(), from, from + perImage);
        if (i >= source.count()) {
            byte[] noise = new byte[perImage];
            new SplittableRandom(seed ^ (i * GOLDEN)).nextBytes(noise);
            for (int p = 0; p < perImage; p++) {
                pixels[p] ^= (byte) (noise[p] & NOISE_MASK);
            }
        }
        return pixels;
    }

    /**
     * Writes records {@code 0..count-1} as {@code <prefix>-images-idx3-ubyte.gz} and
     * {@code <prefix>-labels-idx1-ubyte.gz} (the names {@code prepare fashion-mnist} reads; the content is
     * gzip or not as asked, which readers tell from the first bytes).
     *
     * @param dir        the folder, created if missing
     * @param prefix     {@code train} or {@code t10k}
     * @param count      how many records, at least 1
     * @param gzipImages whether the images file is gzip-compressed (fastest level)
     * @param gzipLabels whether the labels file is
     */
    public void write(Path dir, String prefix, int count, boolean gzipImages, boolean gzipLabels) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, got " + count);
        }
        ImageShape shape = source.shape();
        try {
            Files.createDirectories(dir);
            try (DataOutputStream images = open(dir.resolve(prefix + "-images-idx3-ubyte.gz"), gzipImages);
                 DataOutputStream labels = open(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), gzipLabels)) {
                images.writeInt(IdxReader.IMAGES_MAGIC);
                images.writeInt(count);
                images.writeInt(shape.height());
                images.writeInt(shape.width());
                labels.writeInt(IdxReader.LABELS_MAGIC);
                labels.writeInt(count);
                for (long i = 0; i < count; i++) {
                    images.write(image(i));
                    labels.writeByte(label(i));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write IDX files under " + dir, e);
        }
    }

    private static DataOutputStream open(Path file, boolean gzip) throws IOException {
        OutputStream out = Files.newOutputStream(file);
        if (gzip) {
            out = new GZIPOutputStream(out, BUFFER_BYTES) {
                {
                    def.setLevel(Deflater.BEST_SPEED);
                }
            };
        }
        return new DataOutputStream(new BufferedOutputStream(out, BUFFER_BYTES));
    }
}
