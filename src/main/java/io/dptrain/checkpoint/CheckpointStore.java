package io.dptrain.checkpoint;

import io.dptrain.config.DptrainConfig;
import io.dptrain.io.AtomicOutput;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A checkpoint folder on any Hadoop file system (local paths, file://, hdfs://, s3a://). Files are
 * named {@code ckpt-<round>.bin}; each is written under a hidden temporary name and renamed into
 * place, so a reader never sees a half-written file; then all but the {@code keep} newest are deleted.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern NAME = Pattern.compile("ckpt-(\\d+)\\.bin");
    /** What {@link #write} ({@link AtomicOutput}) names a file before renaming it into place. */
    private static final Pattern TEMPORARY = Pattern.compile("\\.ckpt-\\d+\\.bin\\.tmp-.+");

    private final Path dir;
    private final Configuration hadoop;
    private final int keep;

    /**
     * @param dir  the folder, created on the first write
     * @param keep newest checkpoints kept, >= 1
     */
    public CheckpointStore(String dir, Configuration hadoop, int keep) {
        if (dir == null || dir.isBlank()) {
            throw new IllegalArgumentException("dptrain.checkpoint.dir is empty: set it to a folder for checkpoints");
        }
        if (keep < 1) {
            throw new IllegalArgumentException("dptrain.checkpoint.keep must be >= 1, got " + keep);
        }
        this.dir = new Path(dir);
        this.hadoop = hadoop;
        this.keep = keep;
    }

    /** The store that {@code dptrain.checkpoint} configures. */
    public static CheckpointStore of(DptrainConfig.Checkpoint config, Configuration hadoop) {
        return new CheckpointStore(config.dir(), hadoop, config.keep());
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** Where the checkpoint after {@code round} is (or would be) stored. */
    public Path path(int round) {
        return new Path(dir, String.format(Locale.ROOT, "ckpt-%08d.bin", round));
    }

    /** Writes the checkpoint atomically, deletes the ones beyond {@code keep}, and returns its path. */
    public Path write(Checkpoint checkpoint) {
        Path target = path(checkpoint.round());
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            AtomicOutput.writeFile(fs, target, true, out -> out.write(checkpoint.toBytes()));
            List<Path> all = list();
            for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
                fs.delete(old, false);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint " + target + " failed", e);
        }
    }

    /**
     * Deletes the checkpoints after {@code round}: a run starting after that round supersedes them
     * (a fresh run, round 0, all of them), and retention must not keep them over the new ones. Also
     * deletes the temporary files of writes that never finished (a driver killed while writing): a run
     * owns its folder, so no other writer can be using them.
     *
     * @return the deleted files
     */
    public List<Path> deleteAfter(int round) {
        List<Path> deleted = new ArrayList<>();
        List<Path> abandoned = new ArrayList<>();
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            for (Path file : list()) {
                if (roundOf(file) > round && fs.delete(file, false)) {
                    deleted.add(file);
                }
            }
            for (FileStatus status : listOrEmpty(fs)) {
                if (TEMPORARY.matcher(status.getPath().getName()).matches() && fs.delete(status.getPath(), false)) {
                    abandoned.add(status.getPath());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete old checkpoints in " + dir, e);
        }
        if (!deleted.isEmpty()) {
            LOG.warn("deleted {} checkpoint(s) after round {} in {}, superseded by this run: {}", deleted.size(),
                    round, dir, deleted);
        }
        if (!abandoned.isEmpty()) {
            LOG.warn("deleted {} temporary file(s) of unfinished checkpoint writes in {}: {}", abandoned.size(), dir,
                    abandoned);
        }
        deleted.addAll(abandoned);
        return deleted;
    }

    private FileStatus[] listOrEmpty(FileSystem fs) throws IOException {
        try {
            return fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return new FileStatus[0];
        }
    }

    /** The checkpoint files, newest (highest round) first; empty when the folder does not exist. */
    public List<Path> list() {
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            List<Path> files = new ArrayList<>();
            for (FileStatus status : listOrEmpty(fs)) {
                if (status.isFile() && NAME.matcher(status.getPath().getName()).matches()) {
                    files.add(status.getPath());
                }
            }
            files.sort(Comparator.comparingLong(CheckpointStore::roundOf).reversed());
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the checkpoint folder " + dir, e);
        }
    }

    /**
     * Reads and verifies one file: besides the format checks of {@link Checkpoint#fromBytes}, its
     * fingerprint must be {@code fingerprint} and it must hold {@code paramCount} parameters.
     */
    public Checkpoint read(Path file, String fingerprint, long paramCount) {
        byte[] bytes;
        try {
            FileSystem fs = file.getFileSystem(hadoop);
            long length = fs.getFileStatus(file).getLen();
            if (length > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("checkpoint " + file + " is " + length + " bytes, too large");
            }
            bytes = new byte[(int) length];
            try (FSDataInputStream in = fs.open(file)) {
                in.readFully(bytes);
            }
        } catch (ChecksumException e) {
            throw new IllegalArgumentException("checkpoint " + file + " is corrupt: the file system's checksum does "
                    + "not match (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file, e);
        }
        Checkpoint checkpoint = Checkpoint.fromBytes(bytes, file.toString());
        if (!checkpoint.fingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException("checkpoint " + file + " was written under another configuration "
                    + "(fingerprint " + checkpoint.fingerprint() + ", this run " + fingerprint + "): only data, model, "
                    + "train and engine settings identical to the checkpointed run can resume it");
        }
        if (checkpoint.params().length() != paramCount) {
            throw new IllegalArgumentException("checkpoint " + file + " holds " + checkpoint.params().length()
                    + " parameters, this run's network has " + paramCount);
        }
        return checkpoint;
    }

    /**
     * The newest checkpoint that passes {@link #read}; newer invalid ones are skipped with a
     * warning. No valid checkpoint is an IllegalArgumentException naming the folder.
     */
    public Checkpoint newestValid(String fingerprint, long paramCount) {
        List<Path> files = list();
        List<String> rejected = new ArrayList<>();
        for (Path file : files) {
            try {
                return read(file, fingerprint, paramCount);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                LOG.warn("skipping checkpoint {}: {}", file, e.getMessage());
                rejected.add(e.getMessage());
            }
        }
        throw new IllegalArgumentException(files.isEmpty()
                ? "no checkpoint to resume from in " + dir + " (no ckpt-<round>.bin files); run without --resume "
                + "to start afresh"
                : "no valid checkpoint to resume from in " + dir + ": " + String.join("; ", rejected));
    }

    private static long roundOf(Path file) {
        Matcher m = NAME.matcher(file.getName());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
