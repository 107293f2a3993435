package io.dptrain.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Test utility that writes IDX files, valid or deliberately broken, for {@link IdxReader} tests
 * and the committed fixture.
 */
public final class IdxFiles {

    /** An images file and its labels file. */
    public record Pair(Path images, Path labels) {
    }

    private IdxFiles() {
    }

    /**
     * Writes {@code images} as a valid pair of IDX files {@code <prefix>-images-idx3-ubyte[.gz]}
     * and {@code <prefix>-labels-idx1-ubyte[.gz]} under {@code dir}.
     *
     * @param dir    target folder, created if missing
     * @param prefix file name prefix, e.g. {@code train} or {@code t10k}
     * @param images one-channel images
     * @param gzip   whether to gzip both files (best compression)
     * @return the two files
     */
    public static Pair write(Path dir, String prefix, LabeledImages images, boolean gzip) {
        ImageShape shape = images.shape();
        if (shape.channels() != 1) {
            throw new IllegalArgumentException("IDX images need channels == 1, got "
                    + shape.channels());
        }
        byte[] labels = new byte[images.count()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) images.label(i);
        }
        String suffix = gzip ? ".gz" : "";
        return new Pair(
                writeImages(dir.resolve(prefix + "-images-idx3-ubyte" + suffix),
                        IdxReader.IMAGES_MAGIC, images.count(), shape.height(), shape.width(),
                        images.pixels(), gzip),
                writeLabels(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix),
                        IdxReader.LABELS_MAGIC, labels.length, labels, gzip));
    }

    /**
     * Writes an images file with exactly the given header and data, consistent or not.
     *
     * @param file   target file
     * @param magic  header magic number
     * @param count  header image count
     * @param rows   header rows
     * @param cols   header columns
     * @param pixels the bytes after the header
     * @param gzip   whether to gzip the file
     * @return {@code file}
     */
    public static Path writeImages(Path file, int magic, int count, int rows, int cols,
            byte[] pixels, boolean gzip) {
        return writeFile(file, gzip, magic, new int[] {count, rows, cols}, pixels);
    }

    /**
     * Writes a labels file with exactly the given header and data, consistent or not.
     *
     * @param file   target file
     * @param magic  header magic number
     * @param count  header label count
     * @param labels the bytes after the header
     * @param gzip   whether to gzip the file
     * @return {@code file}
     */
    public static Path writeLabels(Path file, int magic, int count, byte[] labels, boolean gzip) {
        return writeFile(file, gzip, magic, new int[] {count}, labels);
    }

    /**
     * Returns {@code count} random 4x3 images with labels in 0..classes-1, seeded.
     *
     * @param count   number of images
     * @param classes number of classes
     * @param seed    random seed
     * @return the images
     */
    public static LabeledImages random(int count, int classes, long seed) {
        Random rng = new Random(seed);
        ImageShape shape = new ImageShape(4, 3, 1, classes);
        byte[] pixels = new byte[count * shape.pixelsPerImage()];
        rng.nextBytes(pixels);
        int[] labels = new int[count];
        Arrays.setAll(labels, i -> rng.nextInt(classes));
        return new LabeledImages(shape, pixels, labels);
    }

    /**
     * A valid pair of 5 random 4x3 images with labels in 0..9.
     *
     * @param dir  target folder
     * @param gzip whether to gzip
     * @return the files
     */
    public static Pair valid(Path dir, boolean gzip) {
        return write(dir, "valid", random(5, 10, 7), gzip);
    }

    /**
     * An images file whose magic number is the labels' one (2049).
     *
     * @param dir target folder
     * @return the files
     */
    public static Pair badImageMagic(Path dir) {
        Pair ok = valid(dir, true);
        writeImages(ok.images(), IdxReader.LABELS_MAGIC, 5, 4, 3, new byte[60], true);
        return ok;
    }

    /**
     * A labels file whose magic number is the images' one (2051).
     *
     * @param dir target folder
     * @return the files
     */
    public static Pair badLabelMagic(Path dir) {
        Pair ok = valid(dir, false);
        writeLabels(ok.labels(), IdxReader.IMAGES_MAGIC, 5, new byte[5], false);
        return ok;
    }

    /**
     * An images file announcing 5 4x3 images but holding 2.5 of them (30 of 60 bytes).
     *
     * @param dir  target folder
     * @param gzip whether to gzip
     * @return the files
     */
    public static Pair truncatedImages(Path dir, boolean gzip) {
        Pair ok = valid(dir, gzip);
        writeImages(ok.images(), IdxReader.IMAGES_MAGIC, 5, 4, 3, new byte[30], gzip);
        return ok;
    }

    /**
     * A labels file announcing 5 labels but holding 3.
     *
     * @param dir target folder
     * @return the files
     */
    public static Pair truncatedLabels(Path dir) {
        Pair ok = valid(dir, false);
        writeLabels(ok.labels(), IdxReader.LABELS_MAGIC, 5, new byte[3], false);
        return ok;
    }

    /**
     * 5 images but 4 labels.
     *
     * @param dir target folder
     * @return the files
     */
    public static Pair mismatchedCounts(Path dir) {
        Pair ok = valid(dir, false);
        writeLabels(ok.labels(), IdxReader.LABELS_MAGIC, 4, new byte[4], false);
        return ok;
    }

    /**
     * 5 images whose label at index 3 is 12.
     *
     * @param dir target folder
     * @return the files
     */
    public static Pair badLabel(Path dir) {
        Pair ok = valid(dir, false);
        writeLabels(ok.labels(), IdxReader.LABELS_MAGIC, 5, new byte[] {0, 1, 2, 12, 4}, false);
        return ok;
    }

    /**
     * Headers announcing zero images and zero labels.
     *
     * @param dir target folder
     * @return the files
     */
    public static Pair zeroImages(Path dir) {
        Pair ok = valid(dir, false);
        writeImages(ok.images(), IdxReader.IMAGES_MAGIC, 0, 4, 3, new byte[0], false);
        writeLabels(ok.labels(), IdxReader.LABELS_MAGIC, 0, new byte[0], false);
        return ok;
    }

    private static Path writeFile(Path file, boolean gzip, int magic, int[] header, byte[] data) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + data.length);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(magic);
                for (int h : header) {
                    out.writeInt(h);
                }
                out.write(data);
            }
            try (OutputStream out = gzip ? new BestGzip(Files.newOutputStream(file))
                    : Files.newOutputStream(file)) {
                bytes.writeTo(out);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Gzip at the best compression level (the JDK default is level 6). */
    private static final class BestGzip extends GZIPOutputStream {
        BestGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_COMPRESSION);
        }
    }
}
