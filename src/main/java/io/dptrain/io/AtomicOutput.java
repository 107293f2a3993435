package io.dptrain.io;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.UUID;

/**
 * Writes a file or a folder on a Hadoop file system the one way dptrain does: into a hidden sibling
 * {@code .<name>.tmp-<uuid>} (Spark and Hadoop readers skip names starting with a dot), renamed into
 * place only when complete. An existing target is replaced only at the end: it is first renamed aside
 * to {@code .<name>.old-<uuid>}, put back if the rename of the new output fails, and deleted after it
 * succeeds. The temporary sibling is deleted whatever happens, so a failed write leaves no leftovers.
 *
 * <p>How atomic the result is depends on the file system's {@code rename}:
 * <ul>
 *   <li>HDFS: rename is atomic (one NameNode operation), for files and folders alike; a reader sees
 *       the old output, nothing (between the two renames of a replacement), or the new output.</li>
 *   <li>The local file system ({@code file://}, bare paths by default): rename is atomic within one
 *       volume, which a sibling always is.</li>
 *   <li>Object stores ({@code s3a://}, {@code gs://}, {@code abfs://}): rename copies every object and
 *       deletes the source, so it is neither atomic nor cheap; a reader may see a partial folder
 *       while it runs, and a crash may leave one. Still, an output that failed while being written is
 *       never renamed into place.</li>
 * </ul>
 * Hadoop's {@code rename} onto an existing folder moves the source <em>into</em> it; that is why the
 * target is moved aside first instead of renamed over.
 *
 * <p>Callers check for an existing target up front with a message of their own; these methods check
 * again just before the rename, so output that appeared meanwhile is never replaced without
 * {@code overwrite}.
 */
public final class AtomicOutput {

    /** Writes the output to the path it is given, which does not exist yet. */
    @FunctionalInterface
    public interface Body {
        /**
         * @param temporary where to write: a folder to create, or a file to create
         * @throws IOException if writing fails; the temporary output is then deleted
         */
        void writeTo(Path temporary) throws IOException;
    }

    /** Writes the bytes of one file. */
    @FunctionalInterface
    public interface FileBody {
        /**
         * @param out the new file's stream; closed by the caller of this method
         * @throws IOException if writing fails; the temporary file is then deleted
         */
        void write(FSDataOutputStream out) throws IOException;
    }

    private AtomicOutput() {
    }

    /**
     * Writes a table as Parquet to {@code path} (any Hadoop URI or local path) via {@link #write}.
     *
     * @param what names the table in the log and in errors, e.g. "image table"
     * @throws IllegalArgumentException if {@code path} exists and {@code overwrite} is false
     * @throws UncheckedIOException     if the file system operations fail
     */
    public static void writeParquet(Dataset<Row> table, String path, boolean overwrite, String what) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(path, "path");
        try {
            Path target = new Path(path);
            FileSystem fs = target.getFileSystem(table.sparkSession().sparkContext().hadoopConfiguration());
            target = fs.makeQualified(target);
            if (fs.exists(target) && !overwrite) {
                throw new IllegalArgumentException("output path " + target + " already exists;"
                        + " delete it or pass overwrite=true to replace it");
            }
            write(fs, target, overwrite, temporary -> table.write().mode(SaveMode.ErrorIfExists)
                    .parquet(temporary.toString()));
            LoggerFactory.getLogger(AtomicOutput.class).info("wrote {} {}", what, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + what + " to " + path, e);
        }
    }

    /**
     * Writes {@code target} (a folder or a file) via a hidden sibling renamed into place.
     *
     * @param fs        the file system of {@code target}
     * @param target    where the output goes; its parent folder is created if missing
     * @param overwrite whether an existing {@code target} may be replaced
     * @param body      writes the output at the path it is given
     * @throws FileAlreadyExistsException if {@code target} exists and {@code overwrite} is false
     * @throws IOException                if writing, renaming or deleting fails
     */
    public static void write(FileSystem fs, Path target, boolean overwrite, Body body) throws IOException {
        Objects.requireNonNull(fs, "fs");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(body, "body");
        Path temporary = sibling(target, "tmp");
        try {
            fs.mkdirs(temporary.getParent());
            body.writeTo(temporary);
            replace(fs, temporary, target, overwrite);
        } finally {
            if (fs.exists(temporary)) {
                fs.delete(temporary, true);
            }
        }
    }

    /**
     * Writes one file via a hidden sibling file renamed into place (see {@link #write}).
     *
     * @param fs        the file system of {@code target}
     * @param target    the file; its parent folder is created if missing
     * @param overwrite whether an existing {@code target} may be replaced
     * @param body      writes the file's bytes
     * @throws FileAlreadyExistsException if {@code target} exists and {@code overwrite} is false
     * @throws IOException                if writing, renaming or deleting fails
     */
    public static void writeFile(FileSystem fs, Path target, boolean overwrite, FileBody body) throws IOException {
        Objects.requireNonNull(body, "body");
        write(fs, target, overwrite, temporary -> {
            try (FSDataOutputStream out = fs.create(temporary, false)) {
                body.write(out);
            }
        });
    }

    /** A hidden sibling of {@code target}: {@code .<name>.<kind>-<uuid>}, in the same folder. */
    private static Path sibling(Path target, String kind) {
        Path parent = target.getParent() == null ? new Path(".") : target.getParent();
        return new Path(parent, "." + target.getName() + "." + kind + "-" + UUID.randomUUID());
    }

    /** Moves {@code source} to {@code target}, replacing an existing target only at the end. */
    private static void replace(FileSystem fs, Path source, Path target, boolean overwrite) throws IOException {
        Path old = null;
        if (fs.exists(target)) {
            if (!overwrite) {
                throw new FileAlreadyExistsException(target + " already exists and may not be replaced");
            }
            old = sibling(target, "old");
            rename(fs, target, old);
        }
        try {
            rename(fs, source, target);
        } catch (IOException | RuntimeException e) {
            if (old != null) {
                rename(fs, old, target);
            }
            throw e;
        }
        if (old != null && !fs.delete(old, true)) {
            throw new IOException("wrote " + target + " but cannot delete the output it replaced, " + old);
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }
}
