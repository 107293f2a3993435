package io.dptrain.checkpoint;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.model.Networks;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The checkpoint format and folder: round trip, retention, and every kind of bad file rejected by name. */
@Timeout(60)
class CheckpointStoreTest {
    private static final Configuration HADOOP = new Configuration();

    @TempDir
    Path dir;

    private DptrainConfig config;
    private String fingerprint;
    private MultiLayerNetwork net;
    private CheckpointStore store;

    @BeforeEach
    void setUp() {
        config = config("train.seed=7");
        fingerprint = Checkpoint.fingerprint(config);
        net = Networks.create(config);
        net.params().assign(Nd4j.rand(net.params().dataType(), net.params().shape()));
        net.setIterationCount(17);
        net.setEpochCount(1);
        store = new CheckpointStore(dir.toString(), HADOOP, 2);
    }

    private static DptrainConfig config(String... more) {
        List<String> settings = new ArrayList<>(List.of("model.preset=mlp", "model.mlp.hidden=[8]",
                "model.data-type=double", "train.updater=adam", "engine.mode=gradient-averaging"));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    private Checkpoint checkpointAfter(int round) {
        List<RoundMetrics> rounds = new ArrayList<>();
        for (int r = 1; r <= round; r++) {
            rounds.add(new RoundMetrics(r, (r - 1) / 5 + 1, r == 2 ? Double.NaN : 1.0 / r, 16, 3, 2.5, 1, 0, 1,
                    800, 1600, 7));
        }
        return Checkpoint.of(net, fingerprint, new RunPlan("gradient-averaging", 2, 3, 5, 160), rounds);
    }

    private org.apache.hadoop.fs.Path write(int round) {
        return store.write(checkpointAfter(round));
    }

    /** Replaces the file's bytes through Hadoop, so the local file system's own .crc agrees with them. */
    private static void overwrite(org.apache.hadoop.fs.Path file, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = FileSystem.getLocal(HADOOP).create(file, true)) {
            out.write(bytes);
        }
    }

    private byte[] bytesOf(org.apache.hadoop.fs.Path file) throws IOException {
        return Files.readAllBytes(dir.resolve(file.getName()));
    }

    private Checkpoint read(org.apache.hadoop.fs.Path file) {
        return store.read(file, fingerprint, net.numParams());
    }

    @Test
    void roundTripKeepsParametersUpdaterStateCountersAndMetrics() {
        net.getUpdater(true).getStateViewArray().assign(Nd4j.rand(net.params().dataType(),
                net.getUpdater(true).getStateViewArray().shape()));
        Checkpoint written = checkpointAfter(6);
        Checkpoint read = read(store.write(written));

        assertThat(read.round()).isEqualTo(6);
        assertThat(read.epoch()).isEqualTo(2);
        assertThat(read.atEpochEnd()).isFalse();
        assertThat(read.params().toDoubleVector()).containsExactly(net.params().toDoubleVector());
        assertThat(read.updaterState().toDoubleVector())
                .containsExactly(net.getUpdater(true).getStateViewArray().toDoubleVector());
        assertThat(read.rounds()).isEqualTo(written.rounds());
        assertThat(read.rounds().get(1).loss()).isNaN();

        MultiLayerNetwork fresh = Networks.create(config);
        read.restoreInto(fresh, "test");
        assertThat(fresh.params().toDoubleVector()).containsExactly(net.params().toDoubleVector());
        assertThat(fresh.getIterationCount()).isEqualTo(17);
        assertThat(fresh.getEpochCount()).isEqualTo(1);
    }

    @Test
    void retentionKeepsTheNewestAndNoTemporaryFiles() throws IOException {
        for (int round = 1; round <= 5; round++) {
            write(round);
        }
        assertThat(store.list()).extracting(org.apache.hadoop.fs.Path::getName)
                .containsExactly("ckpt-00000005.bin", "ckpt-00000004.bin");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Test
    void truncatedFileIsRejectedByName() throws IOException {
        org.apache.hadoop.fs.Path file = write(3);
        byte[] bytes = bytesOf(file);
        overwrite(file, Arrays.copyOf(bytes, bytes.length - 10));
        assertThatThrownBy(() -> read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("truncated");
    }

    @Test
    void flippedByteIsRejectedByTheChecksum() throws IOException {
        org.apache.hadoop.fs.Path file = write(3);
        byte[] bytes = bytesOf(file);
        bytes[bytes.length / 2] ^= 0x01;
        overwrite(file, bytes);
        assertThatThrownBy(() -> read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("corrupt")
                .hasMessageContaining("SHA-256");
    }

    @Test
    void flippedByteBehindTheFileSystemsBackIsRejectedToo() throws IOException {
        org.apache.hadoop.fs.Path file = write(3);
        byte[] bytes = bytesOf(file);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(dir.resolve(file.getName()), bytes); // the local file system's .crc no longer matches
        assertThatThrownBy(() -> read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("corrupt");
    }

    @Test
    void randomBytesAreNotACheckpoint() throws IOException {
        org.apache.hadoop.fs.Path file = store.path(9);
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        overwrite(file, noise);
        assertThatThrownBy(() -> read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("wrong magic");
    }

    @Test
    void anotherFormatVersionIsRejected() throws IOException {
        org.apache.hadoop.fs.Path file = write(3);
        byte[] bytes = bytesOf(file);
        bytes[11] = 3; // the low byte of the big-endian version after the 8-byte magic
        overwrite(file, bytes);
        assertThatThrownBy(() -> read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("format version 3");
    }

    @Test
    void checkpointOfAnotherConfigurationIsRejected() {
        org.apache.hadoop.fs.Path file = write(3);
        String other = Checkpoint.fingerprint(config("train.seed=8"));
        assertThatThrownBy(() -> store.read(file, other, net.numParams())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("another configuration");
    }

    @Test
    void checkpointOfAnotherSizeOfNetworkIsRejected() {
        org.apache.hadoop.fs.Path file = write(3);
        assertThatThrownBy(() -> store.read(file, fingerprint, net.numParams() + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("parameters");
    }

    @Test
    void fingerprintIgnoresOutputCheckpointSparkAndProgressButNotTraining() {
        assertThat(Checkpoint.fingerprint(config("train.seed=7", "output.dir=elsewhere", "checkpoint.dir=x",
                "checkpoint.keep=5", "spark.master=local[3]", "train.progress-every=3"))).isEqualTo(fingerprint);
        assertThat(Checkpoint.fingerprint(config("train.seed=7", "train.learning-rate=0.01"))).isNotEqualTo(fingerprint);
    }

    @Test
    void newestValidSkipsADamagedNewerCheckpoint() throws IOException {
        write(3);
        org.apache.hadoop.fs.Path newest = write(6);
        byte[] bytes = bytesOf(newest);
        overwrite(newest, Arrays.copyOf(bytes, 100));
        assertThat(store.newestValid(fingerprint, net.numParams()).round()).isEqualTo(3);
    }

    @Test
    void noValidCheckpointIsAnErrorNamingTheFolder() throws IOException {
        assertThatThrownBy(() -> store.newestValid(fingerprint, net.numParams()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no checkpoint").hasMessageContaining(store.dir().toString());
        overwrite(write(3), new byte[]{1, 2, 3});
        assertThatThrownBy(() -> store.newestValid(fingerprint, net.numParams()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no valid checkpoint").hasMessageContaining(store.dir().toString())
                .hasMessageContaining("wrong magic");
    }

    @Test
    void aRunStartingAfterARoundDeletesTheCheckpointsAfterIt() {
        CheckpointStore all = new CheckpointStore(dir.toString(), HADOOP, 10);
        for (int round = 1; round <= 4; round++) {
            all.write(checkpointAfter(round));
        }
        assertThat(all.deleteAfter(2)).extracting(org.apache.hadoop.fs.Path::getName)
                .containsExactly("ckpt-00000004.bin", "ckpt-00000003.bin");
        assertThat(all.list()).extracting(org.apache.hadoop.fs.Path::getName)
                .containsExactly("ckpt-00000002.bin", "ckpt-00000001.bin");
        all.deleteAfter(0);
        assertThat(all.list()).isEmpty();
    }

    /** A driver killed while writing leaves the temporary file; the next run of the folder deletes it. */
    @Test
    void aRunDeletesTheTemporaryFilesOfUnfinishedWrites() throws IOException {
        write(2);
        org.apache.hadoop.fs.Path abandoned = new org.apache.hadoop.fs.Path(dir.toUri().toString(),
                ".ckpt-00000004.bin.tmp-5b0e1c1e-0000-4000-8000-000000000000");
        overwrite(abandoned, Arrays.copyOf(bytesOf(store.path(2)), 50));
        org.apache.hadoop.fs.Path unrelated = new org.apache.hadoop.fs.Path(dir.toUri().toString(), "notes.txt");
        overwrite(unrelated, new byte[]{1});
        assertThat(store.list()).extracting(org.apache.hadoop.fs.Path::getName).containsExactly("ckpt-00000002.bin");

        assertThat(store.deleteAfter(2)).extracting(org.apache.hadoop.fs.Path::getName)
                .containsExactly(abandoned.getName());
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")))
                    .containsExactlyInAnyOrder("ckpt-00000002.bin", "notes.txt");
        }
    }
}
