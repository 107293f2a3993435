package io.dptrain.cluster;

import io.dptrain.cli.Dptrain;
import io.dptrain.data.Fixtures;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The dptrain jobs the standalone-cluster tests submit: the fixture's tables and a tiny LeNet run on them. */
final class ClusterJobs {

    private ClusterJobs() {
    }

    /**
     * Writes the fixture's Parquet tables (600 train, 200 test rows) under {@code dir}/data once, with
     * a short local session in this JVM that is stopped before any job starts (one SparkContext per
     * JVM; LocalClusterTest shares this JVM). Every JVM on this machine reads them, so a lost
     * executor's shards can be recomputed from them by another.
     */
    static synchronized Path fixtureTables(Path dir) {
        Path data = dir.resolve("data");
        if (Files.isDirectory(data)) {
            return data;
        }
        try {
            int code = Dptrain.run("prepare", "fashion-mnist", "--source", Fixtures.fashionMnistMini().toString(),
                    "--out", data.toString(), "--master", "local[1]");
            assertThat(code).as("dptrain prepare exit code").isZero();
        } finally {
            SparkSession.getDefaultSession().foreach(session -> {
                session.stop();
                return null;
            });
        }
        return data;
    }

    /**
     * {@code dptrain train} of a tiny LeNet (4 and 8 filters, dense 32) on the fixture with 2 workers,
     * batch 32, writing its run to {@code run}; {@code settings} (key=value) are added last and win.
     */
    static List<String> tinyLenetTrain(Path data, Path run, String... settings) {
        List<String> args = new ArrayList<>(List.of("train",
                "--set", "data.train=" + data.resolve("fashion-mnist-train.parquet"),
                "--set", "data.test=" + data.resolve("fashion-mnist-test.parquet"),
                "--set", "model.preset=lenet", "--set", "model.lenet.conv1-filters=4",
                "--set", "model.lenet.conv2-filters=8", "--set", "model.lenet.dense=32",
                "--set", "train.batch-size=32", "--set", "train.epochs=1", "--set", "train.progress-every=0",
                "--set", "engine.mode=parameter-averaging", "--set", "engine.workers=2",
                "--set", "output.dir=" + run));
        for (String setting : settings) {
            args.addAll(List.of("--set", setting));
        }
        return args;
    }
}
