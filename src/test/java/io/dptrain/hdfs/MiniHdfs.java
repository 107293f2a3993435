package io.dptrain.hdfs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A real HDFS in the test JVM: a {@link MiniDFSCluster} (hadoop-client-minicluster, the Hadoop of
 * Spark's own client) with one NameNode and one DataNode on 127.0.0.1, ephemeral ports, its storage
 * under {@code java.io.tmpdir} (surefire points it into {@code target/}). Any JVM on the machine reaches
 * it by {@link #uri()}; nothing depends on {@code fs.defaultFS}, so code under test must handle full
 * {@code hdfs://} URIs. Start-up takes a few seconds; share one per test class.
 *
 * <pre>{@code
 * try (MiniHdfs hdfs = MiniHdfs.start("my-test")) {
 *     String data = hdfs.copyIn(localDir, "/data").toString();   // hdfs://127.0.0.1:<port>/data
 * }
 * }</pre>
 */
public final class MiniHdfs implements AutoCloseable {
    private final MiniDFSCluster cluster;
    private final URI uri;

    private MiniHdfs(MiniDFSCluster cluster) {
        this.cluster = cluster;
        this.uri = URI.create("hdfs://127.0.0.1:" + cluster.getNameNodePort());
    }

    /**
     * Starts a cluster and waits until its DataNode has registered.
     *
     * @param name names the storage folder, {@code <java.io.tmpdir>/minihdfs-<name>-*}
     */
    public static MiniHdfs start(String name) {
        java.nio.file.Path base;
        try {
            java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(tmp);
            base = Files.createTempDirectory(tmp, "minihdfs-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the MiniDFSCluster's base folder", e);
        }
        Configuration conf = new Configuration();
        conf.setInt("dfs.replication", 1);
        // No WebHDFS: RPC is all the tests use.
        conf.setBoolean("dfs.webhdfs.enabled", false);
        // Processes started by the test (a driver JVM) are the same user; permissions are not under test.
        conf.setBoolean("dfs.permissions.enabled", false);
        try {
            MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, base.toFile())
                    .numDataNodes(1)
                    .nameNodePort(0)
                    .checkExitOnShutdown(false)
                    .build();
            cluster.waitActive();
            return new MiniHdfs(cluster);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a MiniDFSCluster in " + base, e);
        }
    }

    /** {@code hdfs://127.0.0.1:<port>}, the NameNode's RPC address. */
    public URI uri() {
        return uri;
    }

    /** The full URI of {@code absolutePath} (which starts with '/') on this file system. */
    public Path path(String absolutePath) {
        if (!absolutePath.startsWith("/")) {
            throw new IllegalArgumentException("an absolute HDFS path starts with '/', got '" + absolutePath + "'");
        }
        return new Path(uri + absolutePath);
    }

    /**
     * A client configuration of this cluster with {@code fs.defaultFS} set to {@link #uri()}, for
     * callers that pass bare paths. The tests of dptrain pass full URIs and use a plain Configuration.
     */
    public Configuration configuration() {
        Configuration conf = new Configuration(cluster.getConfiguration(0));
        conf.set(FileSystem.FS_DEFAULT_NAME_KEY, uri.toString());
        return conf;
    }

    /** A client of this cluster (Hadoop's cached instance: do not close it). */
    public FileSystem fileSystem() {
        try {
            return FileSystem.get(uri, configuration());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the MiniDFSCluster at " + uri, e);
        }
    }

    /**
     * Copies a local file, or a folder with everything below it, to {@code target} (an absolute HDFS
     * path, created; a file's parent folders too) and returns the target's full URI.
     */
    public Path copyIn(java.nio.file.Path local, String target) {
        Path destination = path(target);
        if (!Files.exists(local)) {
            throw new IllegalArgumentException("nothing to copy to " + destination + ": " + local + " does not exist");
        }
        try {
            fileSystem().copyFromLocalFile(false, true, new Path(local.toAbsolutePath().toUri()), destination);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + local + " to " + destination, e);
        }
        return destination;
    }

    /** Every file below {@code dir} (recursively), as paths relative to it, sorted; empty when it does not exist. */
    public List<String> listFiles(Path dir) {
        List<String> files = new ArrayList<>();
        try {
            FileSystem fs = dir.getFileSystem(configuration());
            if (!fs.exists(dir)) {
                return files;
            }
            String root = fs.makeQualified(dir).toUri().getPath();
            collect(fs, dir, root.endsWith("/") ? root : root + "/", files);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        files.sort(Comparator.naturalOrder());
        return files;
    }

    private static void collect(FileSystem fs, Path dir, String prefix, List<String> files) throws IOException {
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.isDirectory()) {
                collect(fs, status.getPath(), prefix, files);
            } else {
                files.add(status.getPath().toUri().getPath().substring(prefix.length()));
            }
        }
    }

    /** Shuts the NameNode and DataNode down and deletes their storage folder. */
    @Override
    public void close() {
        cluster.shutdown(true);
    }
}
