package io.dptrain.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pair of IDX files (images and labels, see {@link IdxReader} for the format) read into the
 * canonical image table ({@link ImageTable}) by the executors: the driver reads only the two
 * headers (24 bytes), splits the record range {@code [0, count)} into contiguous ranges, one per
 * task, and each task opens both files through Hadoop's {@code FileSystem}, positions them at its
 * first record and emits one row per record. Images and labels are paired by record index, and
 * partition {@code i} holds the records before those of partition {@code i + 1}, in file order,
 * so the table's order is the files' order whatever the cluster. The driver never holds a record.
 *
 * <p>Positioning: in an uncompressed file a task seeks to {@code header + from * recordBytes}. A
 * gzip stream cannot be entered in the middle (a deflate block depends on the 32 KB before it
 * and blocks are not byte-aligned), so a task reading a gzip file decompresses it from the start
 * and discards the bytes before its range. The last task thus decompresses the whole file: the
 * wall time stays about one decompression (as when the driver read it), while the CPU spent is
 * about {@code (tasks + 1) / 2} decompressions. Store large IDX files uncompressed to avoid
 * that; the choice is made per file from its first two bytes, as {@link IdxReader} does.
 *
 * <p>Errors are those of {@link IdxReader}, naming the file: a wrong magic number, counts that
 * differ or an invalid header fail on the driver before any task runs, as does an uncompressed
 * file shorter than its header says (its length is known without reading it). A gzip file that
 * ends early, or a label outside the classes, is found by the task that reads that record; the
 * Spark job then fails and {@link #prepare} rethrows the task's {@link IdxFormatException}.
 */
public final class IdxTable {

    /**
     * Pixel bytes one task reads at most, which fixes the number of tasks beyond the cluster's
     * parallelism. It bounds a task's working memory (Parquet buffers a task's rows up to a row
     * group, 128 MB, before writing them) and, for gzip files, the share of the file each task
     * decompresses for nothing; smaller means more tasks, and more decompression for gzip.
     */
    static final long BYTES_PER_TASK = 64L << 20;

    private static final Logger LOG = LoggerFactory.getLogger(IdxTable.class);
    private static final int BUFFER_BYTES = 1 << 16;
    /** How deep {@link #prepare} looks for a task's error among the causes of Spark's. */
    private static final int MAX_CAUSES = 20;

    private IdxTable() {
    }

    /**
     * One IDX file as the tasks open it.
     *
     * @param name   the path as given, which errors name
     * @param uri    the fully qualified path, the same on every executor
     * @param gzip   whether the file is gzip-compressed (its first two bytes)
     * @param header bytes before the first record
     */
    public record IdxFile(String name, String uri, boolean gzip, int header) implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * An images file and its labels file whose headers were read and checked on the driver.
     *
     * @param images the images file
     * @param labels the labels file
     * @param shape  the images' shape and the number of classes
     * @param count  how many records both files hold, at least 1
     */
    public record Pair(IdxFile images, IdxFile labels, ImageShape shape, int count) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** Records {@code [from, to)} of a pair: the share of one task. */
    record Range(int from, int to) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Reads and checks the headers of an images file and its labels file (on the driver): the
     * magic numbers, the shape, equal counts, and for uncompressed files that they are long enough.
     *
     * @param images  the IDX images file (gzip or plain), a local path or a Hadoop URI
     * @param labels  the IDX labels file, likewise
     * @param classes number of classes, at least 2
     * @param hadoop  the Hadoop configuration that resolves the file systems
     * @return the checked pair
     * @throws IdxFormatException   naming the file and the values when a header is wrong or a
     *                              plain file is too short
     * @throws UncheckedIOException if a file cannot be read
     */
    public static Pair inspect(String images, String labels, int classes, Configuration hadoop) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(hadoop, "hadoop");
        try {
            Path imagePath = new Path(images);
            Path labelPath = new Path(labels);
            FileSystem imageFs = imagePath.getFileSystem(hadoop);
            FileSystem labelFs = labelPath.getFileSystem(hadoop);
            try (BufferedInputStream imageRaw = new BufferedInputStream(imageFs.open(imagePath), BUFFER_BYTES);
                 BufferedInputStream labelRaw = new BufferedInputStream(labelFs.open(labelPath), BUFFER_BYTES)) {
                boolean imagesGzip = IdxReader.gzipped(imageRaw);
                boolean labelsGzip = IdxReader.gzipped(labelRaw);
                DataInputStream imageIn = IdxReader.open(imageRaw, images);
                DataInputStream labelIn = IdxReader.open(labelRaw, labels);
                IdxReader.Headers headers = IdxReader.readHeaders(imageIn, images, labelIn, labels, classes);
                ImageShape shape = headers.shape();
                int count = headers.count();
                if (!imagesGzip) {
                    long found = imageFs.getFileStatus(imagePath).getLen() - IdxReader.IMAGES_HEADER_BYTES;
                    if (found < (long) count * shape.pixelsPerImage()) {
                        throw IdxReader.truncatedImages(images, count, shape, found);
                    }
                }
                if (!labelsGzip) {
                    long found = labelFs.getFileStatus(labelPath).getLen() - IdxReader.LABELS_HEADER_BYTES;
                    if (found < count) {
                        throw IdxReader.truncatedLabels(labels, count, found);
                    }
                }
                return new Pair(
                        new IdxFile(images, imageFs.makeQualified(imagePath).toString(), imagesGzip,
                                IdxReader.IMAGES_HEADER_BYTES),
                        new IdxFile(labels, labelFs.makeQualified(labelPath).toString(), labelsGzip,
                                IdxReader.LABELS_HEADER_BYTES),
                        shape, count);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX files " + images + " and " + labels, e);
        }
    }

    /**
     * The number of tasks that read a pair: the cluster's parallelism, or more when a task would
     * otherwise read more than {@link #BYTES_PER_TASK} pixel bytes; never more than the records.
     *
     * @param pair        the checked pair
     * @param parallelism the cluster's default parallelism, at least 1
     * @return the number of tasks, in {@code 1..pair.count()}
     */
    public static int tasks(Pair pair, int parallelism) {
        long bytes = (long) pair.count() * pair.shape().pixelsPerImage();
        long bySize = (bytes + BYTES_PER_TASK - 1) / BYTES_PER_TASK;
        return (int) Math.min(pair.count(), Math.max(Math.max(1, parallelism), bySize));
    }

    /**
     * The canonical table of a pair, lazily: the files are read when Spark evaluates it, by
     * {@link #tasks} tasks of contiguous record ranges whose sizes differ by at most one.
     *
     * @param spark the session whose Hadoop configuration opens the files on the executors
     * @param pair  a pair checked by {@link #inspect}
     * @return the table, one row per record in file order, shape metadata on the pixels column
     */
    public static Dataset<Row> read(SparkSession spark, Pair pair) {
        Objects.requireNonNull(spark, "spark");
        return read(spark, pair, tasks(pair, spark.sparkContext().defaultParallelism()));
    }

    /** {@link #read(SparkSession, Pair)} in {@code tasks} tasks, {@code 1..pair.count()}. */
    static Dataset<Row> read(SparkSession spark, Pair pair, int tasks) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(pair, "pair");
        if (tasks < 1 || tasks > pair.count()) {
            throw new IllegalArgumentException("tasks must be in 1.." + pair.count() + ", got " + tasks);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Range> ranges = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            ranges.add(new Range((int) ((long) pair.count() * t / tasks),
                    (int) ((long) pair.count() * (t + 1) / tasks)));
        }
        Broadcast<SerializableConfiguration> hadoop = jsc.broadcast(
                new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
        // one range per partition: parallelize slices a list of n elements into n partitions of one
        JavaRDD<Row> rows = jsc.parallelize(ranges, tasks).flatMap(new ReadRange(pair, hadoop))
                .setName("IDX records of " + pair.images() + " and " + pair.labels());
        LOG.info("reading {} images {} from {} ({}) and {} ({}) in {} tasks", pair.count(), pair.shape(),
                pair.images(), pair.images().gzip() ? "gzip" : "plain", pair.labels(),
                pair.labels().gzip() ? "gzip" : "plain", tasks);
        return spark.createDataFrame(rows, ImageTable.schema(pair.shape()));
    }

    /**
     * Reads a pair on the executors and writes its table as Parquet, atomically
     * ({@link ImageTable#writeParquet}): a file found bad by a task leaves no output, and its
     * {@link IdxFormatException} is rethrown here, its message naming the file.
     *
     * @param spark     the session
     * @param pair      a pair checked by {@link #inspect}
     * @param path      the output, a local path or a Hadoop URI
     * @param overwrite whether an existing {@code path} may be replaced
     * @throws IdxFormatException       if a task found the files bad
     * @throws IllegalArgumentException if {@code path} exists and {@code overwrite} is false
     */
    public static void prepare(SparkSession spark, Pair pair, String path, boolean overwrite) {
        Dataset<Row> table = read(spark, pair);
        try {
            ImageTable.writeParquet(table, path, overwrite);
        } catch (Exception e) { // Spark throws its SparkException, a checked exception, undeclared
            Throwable cause = e;
            for (int depth = 0; cause != null && depth < MAX_CAUSES; depth++, cause = cause.getCause()) {
                if (cause instanceof IdxFormatException bad) {
                    throw new IdxFormatException(bad.getMessage(), e);
                }
            }
            throw e;
        }
    }

    /** A task's work: the rows of its range, read as the task's iterator asks for them. */
    private static final class ReadRange implements FlatMapFunction<Range, Row> {
        private static final long serialVersionUID = 1L;
        private final Pair pair;
        private final Broadcast<SerializableConfiguration> hadoop;

        ReadRange(Pair pair, Broadcast<SerializableConfiguration> hadoop) {
            this.pair = pair;
            this.hadoop = hadoop;
        }

        @Override
        public Iterator<Row> call(Range range) throws IOException {
            return new RangeRows(pair, range, hadoop.value().value());
        }
    }

    /**
     * The records of one range, one at a time: a task holds one image, whatever the range's size.
     * Both files are closed after the last record and, whatever happens, when the task ends.
     */
    private static final class RangeRows implements Iterator<Row> {
        private final Pair pair;
        private final Range range;
        private final Configuration hadoop;
        private final InputStream images;
        private final InputStream labels;
        private final byte[] label = new byte[1];
        private int next;
        private boolean closed;

        RangeRows(Pair pair, Range range, Configuration hadoop) throws IOException {
            this.pair = pair;
            this.range = range;
            this.hadoop = hadoop;
            this.next = range.from();
            int perImage = pair.shape().pixelsPerImage();
            this.images = openAt(pair.images(), (long) range.from() * perImage,
                    found -> IdxReader.truncatedImages(pair.images().name(), pair.count(), pair.shape(), found));
            InputStream labelStream;
            try {
                labelStream = openAt(pair.labels(), range.from(),
                        found -> IdxReader.truncatedLabels(pair.labels().name(), pair.count(), found));
            } catch (IOException | RuntimeException e) {
                images.close();
                throw e;
            }
            this.labels = labelStream;
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((TaskCompletionListener) context -> close());
            }
        }

        @Override
        public boolean hasNext() {
            if (next < range.to()) {
                return true;
            }
            close();
            return false;
        }

        @Override
        public Row next() {
            if (next >= range.to()) {
                throw new NoSuchElementException("range " + range + " is done");
            }
            int perImage = pair.shape().pixelsPerImage();
            try {
                byte[] pixels = new byte[perImage];
                // readNBytes stops early only at the end of the data (a cut-off gzip stream ends where it stops decoding).
                int read = images.readNBytes(pixels, 0, perImage);
                if (read < perImage) {
                    throw IdxReader.truncatedImages(pair.images().name(), pair.count(), pair.shape(),
                            found(pair.images(), (long) next * perImage + read));
                }
                if (labels.readNBytes(label, 0, 1) < 1) {
                    throw IdxReader.truncatedLabels(pair.labels().name(), pair.count(), found(pair.labels(), next));
                }
                Row row = RowFactory.create(
                        IdxReader.checkedLabel(pair.labels().name(), next, label[0], pair.shape().classes()), pixels);
                next++;
                return row;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read record " + next + " of IDX files " + pair.images()
                        + " and " + pair.labels(), e);
            }
        }

        /** Truncation found while positioning: the error for {@code found} bytes after the header. */
        private interface Truncated {
            IdxFormatException error(long found);
        }

        /**
         * Opens a file at {@code offset} bytes after its header: a seek in a plain file, decompressing and
         * discarding in a gzip one.
         */
        private InputStream openAt(IdxFile file, long offset, Truncated truncated) throws IOException {
            Path path = new Path(file.uri());
            FSDataInputStream raw = path.getFileSystem(hadoop).open(path);
            try {
                if (!file.gzip()) {
                    raw.seek(file.header() + offset);
                    return new BufferedInputStream(raw, BUFFER_BYTES);
                }
                InputStream in = IdxReader.gunzip(raw);
                long skipped = discard(in, file.header() + offset);
                if (skipped < file.header() + offset) {
                    throw truncated.error(Math.max(0, skipped - file.header()));
                }
                return new BufferedInputStream(in, BUFFER_BYTES);
            } catch (EOFException e) {
                // a plain file shorter than when the driver checked it
                throw truncated.error(found(file, 0));
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        /**
         * How many bytes after the header a file holds, for a truncation error: a plain file's length says
         * it; for a gzip file, what was read before the stream ended ({@code reached}).
         */
        private long found(IdxFile file, long reached) throws IOException {
            if (file.gzip()) {
                return reached;
            }
            Path path = new Path(file.uri());
            return Math.max(0, path.getFileSystem(hadoop).getFileStatus(path).getLen() - file.header());
        }

        private void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (InputStream in : List.of(images, labels)) {
                try {
                    in.close();
                } catch (IOException e) {
                    LOG.warn("cannot close an IDX file of {} and {}", pair.images(), pair.labels(), e);
                }
            }
        }
    }

    /** Reads and drops {@code n} bytes, in large reads (a gzip stream's own skip inflates 512 bytes at a time). */
    private static long discard(InputStream in, long n) throws IOException {
        byte[] scratch = new byte[BUFFER_BYTES];
        long done = 0;
        while (done < n) {
            int r = in.read(scratch, 0, (int) Math.min(scratch.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }
}
