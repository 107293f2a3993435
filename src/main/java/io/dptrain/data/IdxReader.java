package io.dptrain.data;

import org.apache.hadoop.conf.Configuration;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
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

    /** Bytes before the first image: magic number, count, rows, columns. */
    static final int IMAGES_HEADER_BYTES = 16;
    /** Bytes before the first label: magic number, count. */
    static final int LABELS_HEADER_BYTES = 8;

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
        try (DataInputStream imageIn = open(images.opener().open(), images.name());
             DataInputStream labelIn = open(labels.opener().open(), labels.name())) {
            Headers headers = readHeaders(imageIn, images.name(), labelIn, labels.name(), classes);
            ImageShape shape = headers.shape();
            int count = limit <= 0 ? headers.count() : Math.min(limit, headers.count());
            long byteCount = (long) count * shape.pixelsPerImage();
            if (byteCount > Integer.MAX_VALUE - 8) {
                throw new IdxFormatException(images + ": " + count + " images of " + shape.height() + "x"
                        + shape.width() + " need " + byteCount + " bytes, more than one array holds;"
                        + " read fewer with a limit");
            }

            byte[] pixels = readUpTo(imageIn, (int) byteCount);
            if (pixels.length < byteCount) {
                throw truncatedImages(images.name(), count, shape, pixels.length);
            }
            byte[] labelBytes = readUpTo(labelIn, count);
            if (labelBytes.length < count) {
                throw truncatedLabels(labels.name(), count, labelBytes.length);
            }
            int[] labelValues = new int[count];
            for (int i = 0; i < count; i++) {
                labelValues[i] = checkedLabel(labels.name(), i, labelBytes[i], classes);
            }
            return new LabeledImages(shape, pixels, labelValues);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX files " + images + " and " + labels,
                    e);
        }
    }

    /**
     * What the headers of an images file and its labels file say, checked against each other.
     *
     * @param shape the images' shape (one channel) and the classes asked for
     * @param count how many images, and labels, the files announce; at least 1
     */
    record Headers(ImageShape shape, int count) {
    }

    /**
     * Reads and checks both headers: the magic numbers, sizes that make sense, at least one image
     * and as many labels as images. Leaves both streams at their first record.
     *
     * @throws IdxFormatException naming the file and the values when a header is wrong
     */
    static Headers readHeaders(DataInputStream imageIn, String images, DataInputStream labelIn,
            String labels, int classes) throws IOException {
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
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
        return new Headers(new ImageShape(rows, cols, 1, classes), imageCount);
    }

    /** The error for an images file that ends before its {@code count} images: {@code found} pixel bytes. */
    static IdxFormatException truncatedImages(String images, long count, ImageShape shape, long found) {
        long expected = count * shape.pixelsPerImage();
        return new IdxFormatException(images + " is truncated: expected " + expected
                + " bytes of pixels for " + count + " images of " + shape.height() + "x" + shape.width()
                + ", found " + found + " bytes (" + found / shape.pixelsPerImage() + " whole images)");
    }

    /** The error for a labels file that ends before its {@code count} labels. */
    static IdxFormatException truncatedLabels(String labels, long count, long found) {
        return new IdxFormatException(labels + " is truncated: expected " + count
                + " labels, found " + found);
    }

    /** The label byte at {@code index} as a class index, or the error naming it when outside 0..classes-1. */
    static int checkedLabel(String labels, long index, byte value, int classes) {
        int label = value & 0xFF;
        if (label >= classes) {
            throw new IdxFormatException(labels + ": label at index " + index + " is "
                    + label + ", allowed 0.." + (classes - 1));
        }
        return label;
    }

    /** Opens a file for reading, unwrapping gzip when its first two bytes are 0x1f 0x8b. */
    static DataInputStream open(InputStream file, String name) throws IOException {
        BufferedInputStream raw = new BufferedInputStream(file, BUFFER_BYTES);
        try {
            if (!gzipped(raw)) {
                return new DataInputStream(raw);
            }
            return new DataInputStream(new BufferedInputStream(
                    gunzip(raw), BUFFER_BYTES));
        } catch (IOException e) {
            raw.close();
            throw new IdxFormatException(name + " starts like gzip but its gzip header cannot be"
                    + " read: " + e.getMessage(), e);
        }
    }

    /**
     * The decompressed content of a gzip stream, where a stream cut off or corrupt in the middle of a
     * block simply ends: {@link GZIPInputStream} throws instead, and a buffered reader above it would then
     * lose the bytes it had already decoded in that read, so a truncated file's error would count too few.
     */
    static InputStream gunzip(InputStream gzip) throws IOException {
        return new FilterInputStream(new GZIPInputStream(gzip, BUFFER_BYTES)) {
            private boolean ended;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (ended) {
                    return -1;
                }
                try {
                    return super.read(b, off, len);
                } catch (EOFException | ZipException e) {
                    ended = true;
                    return -1;
                }
            }

            @Override
            public int available() throws IOException {
                return ended ? 0 : super.available();
            }
        };
    }

    /** Whether a stream starts with gzip's magic bytes 0x1f 0x8b; it is left at its start. */
    static boolean gzipped(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    /**
     * Reads up to {@code n} bytes, stopping early only at the end of the data (a gzip stream that
     * ends in the middle of a block ends there: {@link #gunzip}). The buffer grows as data
     * arrives, so a corrupt header announcing far more data than present cannot exhaust memory.
     */
    private static byte[] readUpTo(InputStream in, int n) throws IOException {
        byte[] bytes = new byte[Math.min(n, INITIAL_READ_BYTES)];
        int done = 0;
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
        return done == bytes.length ? bytes : Arrays.copyOf(bytes, done);
    }

    private static int readHeaderInt(DataInputStream in, String file, String field)
            throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new IdxFormatException(file + " is truncated: the header ends before the "
                    + field, e);
        }
    }
}
