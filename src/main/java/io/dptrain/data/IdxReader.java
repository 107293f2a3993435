package io.dptrain.data;

import org.apache.hadoop.conf.Configuration;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a pair of IDX files (the format of MNIST and Fashion-MNIST) into {@link LabeledImages}.
 *
 * <p>The images file holds the magic number {@value #IMAGES_MAGIC}, then big-endian int32
 * count, rows and columns, then {@code count * rows * cols} unsigned bytes; the labels file
 * holds the magic number {@value #LABELS_MAGIC}, a big-endian int32 count, then one unsigned
 * byte per label. Either file may be gzip-compressed: this is detected from its first two
 * bytes ({@code 0x1f 0x8b}), not from its name.
 *
 * <p>Reading is all-or-nothing: any problem throws an {@link IdxFormatException} naming the
 * file and the values, never a partial result.
 */
public final class IdxReader {

    /** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x0803;
    /** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
    public static final int LABELS_MAGIC = 0x0801;

    private static final int BUFFER_BYTES = 1 << 16;
    private static final int INITIAL_READ_BYTES = 1 << 26;

    private IdxReader() {
    }

    /**
     * Reads every example of an images file and its labels file.
     *
     * @param images  the IDX images file (gzip or plain)
     * @param labels  the IDX labels file (gzip or plain)
     * @param classes number of classes, at least 2; every label must be in {@code 0..classes-1}
     * @return the images, one channel, height and width from the images header
     * @throws IdxFormatException   if a file is not valid IDX or the files do not match
     * @throws UncheckedIOException if a file cannot be read
     */
    public static LabeledImages read(Path images, Path labels, int classes) {
        return read(images, labels, classes, 0);
    }

    /**
     * Reads the first {@code limit} examples of an images file and its labels file.
     *
     * @param images  the IDX images file (gzip or plain)
     * @param labels  the IDX labels file (gzip or plain)
     * @param classes number of classes, at least 2; every label must be in {@code 0..classes-1}
     * @param limit   how many examples to read from the start; {@code <= 0} means all, a limit
     *                above the file's count reads the whole file
     * @return the images, one channel, height and width from the images header
     * @throws IdxFormatException   if a file is not valid IDX or the files do not match
     * @throws UncheckedIOException if a file cannot be read
     */
    public static LabeledImages read(Path images, Path labels, int classes, int limit) {
        return read(Source.local(images), Source.local(labels), classes, limit);
    }

    /**
     * Reads every example of an images file and its labels file on any Hadoop file system.
     *
     * @param images  the IDX images file (gzip or plain): a local path or a Hadoop URI
     *                ({@code hdfs://}, {@code file://}, {@code s3a://} with its jars)
     * @param labels  the IDX labels file, likewise
     * @param classes number of classes, at least 2; every label must be in {@code 0..classes-1}
     * @param hadoop  the Hadoop configuration that resolves the file systems
     * @return the images, one channel, height and width from the images header
     * @throws IdxFormatException   if a file is not valid IDX or the files do not match
     * @throws UncheckedIOException if a file cannot be read
     */
    public static LabeledImages read(String images, String labels, int classes, Configuration hadoop) {
        return read(Source.hadoop(images, hadoop), Source.hadoop(labels, hadoop), classes, 0);
    }

    /** A file to read and the name errors give it. */
    private record Source(String name, Opener opener) {
        interface Opener {
            InputStream open() throws IOException;
        }

        static Source local(Path file) {
            return new Source(file.toString(), () -> Files.newInputStream(file));
        }

        static Source hadoop(String file, Configuration hadoop) {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file);
            return new Source(file, () -> path.getFileSystem(hadoop).open(path));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static LabeledImages read(Source images, Source labels, int classes, int limit) {
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        try (DataInputStream imageIn = open(images); DataInputStream labelIn = open(labels)) {
            int magic = readHeaderInt(imageIn, images, "magic number");
            if (magic != IMAGES_MAGIC) {
                throw new IdxFormatException(images + " is not an IDX image file: magic number "
                        + magic + ", expected " + IMAGES_MAGIC);
            }
            int imageCount = readHeaderInt(imageIn, images, "image count");
            int rows = readHeaderInt(imageIn, images, "row count");
            int cols = readHeaderInt(imageIn, images, "column count");

            magic = readHeaderInt(labelIn, labels, "magic number");
            if (magic != LABELS_MAGIC) {
                throw new IdxFormatException(labels + " is not an IDX label file: magic number "
                        + magic + ", expected " + LABELS_MAGIC);
            }
            int labelCount = readHeaderInt(labelIn, labels, "label count");

            if (imageCount < 0 || rows < 1 || cols < 1) {
                throw new IdxFormatException(images + " has an invalid header: count "
                        + imageCount + ", rows " + rows + ", columns " + cols
                        + " (count must be >= 0, rows and columns >= 1)");
            }
            if (labelCount < 0) {
                throw new IdxFormatException(labels + " has an invalid header: count "
                        + labelCount + " (must be >= 0)");
            }
            if (imageCount == 0) {
                throw new IdxFormatException(images + " holds zero images");
            }
            if (imageCount != labelCount) {
                throw new IdxFormatException("image and label counts differ: " + images
                        + " holds " + imageCount + " images, " + labels + " holds "
                        + labelCount + " labels");
            }
            if ((long) rows * cols > Integer.MAX_VALUE) {
                throw new IdxFormatException(images + " has an invalid header: images of " + rows
                        + "x" + cols + " exceed " + Integer.MAX_VALUE + " bytes each");
            }
            ImageShape shape = new ImageShape(rows, cols, 1, classes);
            int count = limit <= 0 ? imageCount : Math.min(limit, imageCount);
            long byteCount = (long) count * shape.pixelsPerImage();
            if (byteCount > Integer.MAX_VALUE - 8) {
                throw new IdxFormatException(images + ": " + count + " images of " + rows + "x"
                        + cols + " need " + byteCount + " bytes, more than one array holds;"
                        + " read fewer with a limit");
            }

            byte[] pixels = readUpTo(imageIn, (int) byteCount);
            if (pixels.length < byteCount) {
                throw new IdxFormatException(images + " is truncated: expected " + byteCount
                        + " bytes of pixels for " + count + " images of " + rows + "x" + cols
                        + ", found " + pixels.length + " bytes ("
                        + pixels.length / shape.pixelsPerImage() + " whole images)");
            }
            byte[] labelBytes = readUpTo(labelIn, count);
            if (labelBytes.length < count) {
                throw new IdxFormatException(labels + " is truncated: expected " + count
                        + " labels, found " + labelBytes.length);
            }
            int[] labelValues = new int[count];
            for (int i = 0; i < count; i++) {
                int label = labelBytes[i] & 0xFF;
                if (label >= classes) {
                    throw new IdxFormatException(labels + ": label at index " + i + " is "
                            + label + ", allowed 0.." + (classes - 1));
                }
                labelValues[i] = label;
            }
            return new LabeledImages(shape, pixels, labelValues);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX files " + images + " and " + labels,
                    e);
        }
    }

    /** Opens a file for reading, unwrapping gzip when its first two bytes are 0x1f 0x8b. */
    private static DataInputStream open(Source file) throws IOException {
        InputStream raw = new BufferedInputStream(file.opener().open(), BUFFER_BYTES);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            if (b0 != 0x1f || b1 != 0x8b) {
                return new DataInputStream(raw);
            }
            return new DataInputStream(new BufferedInputStream(
                    new GZIPInputStream(raw, BUFFER_BYTES), BUFFER_BYTES));
        } catch (IOException e) {
            raw.close();
            throw new IdxFormatException(file + " starts like gzip but its gzip header cannot be"
                    + " read: " + e.getMessage(), e);
        }
    }

    /**
     * Reads up to {@code n} bytes, stopping early only at the end of the data; a gzip stream that
     * ends in the middle of a block counts as the end of the data. The buffer grows as data
     * arrives, so a corrupt header announcing far more data than present cannot exhaust memory.
     */
    private static byte[] readUpTo(InputStream in, int n) throws IOException {
        byte[] bytes = new byte[Math.min(n, INITIAL_READ_BYTES)];
        int done = 0;
        try {
            while (done < n) {
                if (done == bytes.length) {
                    bytes = Arrays.copyOf(bytes, (int) Math.min(n, 2L * bytes.length));
                }
                int r = in.read(bytes, done, bytes.length - done);
                if (r < 0) {
                    break;
                }
                done += r;
            }
        } catch (EOFException | ZipException e) {
            // A cut-off or corrupt gzip stream: report what was present as a truncated file.
        }
        return done == bytes.length ? bytes : Arrays.copyOf(bytes, done);
    }

    private static int readHeaderInt(DataInputStream in, Source file, String field)
            throws IOException {
        try {
            return in.readInt();
        } catch (EOFException | ZipException e) {
            throw new IdxFormatException(file + " is truncated: the header ends before the "
                    + field, e);
        }
    }
}
