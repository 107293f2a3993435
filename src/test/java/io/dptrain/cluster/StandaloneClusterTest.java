package io.dptrain.cluster;

import io.dptrain.SparkSubmitJvm;
import io.dptrain.cli.Dptrain;
import io.dptrain.io.RunOutput;
import io.dptrain.report.Provenance;
import org.apache.spark.launcher.SparkAppHandle;
import org.apache.spark.launcher.SparkLauncher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Spark standalone cluster ({@link StandaloneCluster}: a Master and two Workers, each its own
 * JVM started from the test classpath) and a training job submitted through
 * {@code org.apache.spark.deploy.SparkSubmit} in client and in cluster deploy mode as a further JVM,
 * i.e. what {@code jobs/cluster-up.sh} and {@code jobs/submit.sh} do. Runs in the surefire execution
 * of the tag "cluster".
 */
@Tag("cluster")
@Timeout(240)
class StandaloneClusterTest {
    private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(150);

    private static StandaloneCluster cluster;

    /** 2 cores per Worker: in cluster deploy mode the driver takes one of a Worker's cores. */
    @BeforeAll
    static void startCluster() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "standalone-cluster");
        cluster = StandaloneCluster.in(dir).workers(2, 2, "2g").start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void clientModeJobTrainsOnTwoWorkers() throws Exception {
        Path run = cluster.dir().resolve("run-client");
        Path log = cluster.dir().resolve("submit-client.log");
        // the application's classes are on the submitting JVM's classpath (the app jar is built after the tests)
        SparkSubmitJvm.Submission job = cluster.start(submitter(log, run));
        String appId = job.awaitAppId(SUBMIT_TIMEOUT, log);

        assertThat(job.awaitEnd(SUBMIT_TIMEOUT, log)).as("final state of %s:%n%s", appId, SparkSubmitJvm.tail(log))
                .isEqualTo(SparkAppHandle.State.FINISHED);
        assertThat(Files.readString(log)).contains("test accuracy: ");
        assertRun(run);
        for (int i = 1; i <= 2; i++) {
            assertThat(cluster.workDir(i).resolve(appId)).as("worker %d ran an executor of %s", i, appId)
                    .isDirectory();
        }
    }

    /**
     * In cluster deploy mode a Worker runs the driver, and SparkSubmit exits 0 once the Master has
     * accepted it, even when the driver fails later: the driver's final state comes from the
     * Master's JSON. The driver gets the Java 17 options from conf/spark-defaults.conf only.
     * SparkLauncher's handle does not follow such a driver (it runs on a Worker, not in the launched
     * JVM, and never reports to the launcher), so its id is read from SparkSubmit's output, the only
     * place that names it.
     */
    @Test
    void clusterModeDriverFinishes() throws Exception {
        Path run = cluster.dir().resolve("run-cluster");
        Path log = cluster.dir().resolve("submit-cluster.log");
        SparkLauncher launcher = submitter(log, run).setDeployMode("cluster").setAppResource(applicationJar().toString())
                .setConf(SparkLauncher.DRIVER_MEMORY, "1g");
        int exit = cluster.launchAndWait(launcher, log, SUBMIT_TIMEOUT);

        assertThat(exit).as("spark-submit exit code:%n%s", SparkSubmitJvm.tail(log)).isZero();
        Matcher submitted = Pattern.compile("Driver successfully submitted as (driver-[0-9-]+)")
                .matcher(Files.readString(log));
        assertThat(submitted.find()).as("the submitted driver's id in %s:%n%s", log, SparkSubmitJvm.tail(log))
                .isTrue();
        String driverId = submitted.group(1);
        String state = cluster.awaitFinalDriverState(driverId, SUBMIT_TIMEOUT);
        assertThat(state).as("final state of %s, its log in %s", driverId, cluster.dir()).isEqualTo("FINISHED");
        assertRun(run);
    }

    private static void assertRun(Path run) throws IOException {
        assertThat(run.resolve(RunOutput.MODEL)).isNotEmptyFile();
        Provenance provenance = Provenance.fromJson(Files.readString(run.resolve(RunOutput.PROVENANCE)),
                "provenance.json");
        assertThat(provenance.trainRows()).isEqualTo(600);
        assertThat(provenance.testRows()).isEqualTo(200);
        // the master spark-submit gave the driver, not the configuration's default local[*]
        assertThat(provenance.sparkMaster()).isEqualTo(cluster.masterUrl());
    }

    /** A tiny LeNet run on the fixture (2 workers, parameter averaging), to be started in either deploy mode. */
    private static SparkLauncher submitter(Path log, Path run) {
        Path data = ClusterJobs.fixtureTables(cluster.dir());
        return cluster.submitter(log, ClusterJobs.tinyLenetTrain(data, run)).setAppName("dptrain standalone-cluster test")
                .setConf(SparkLauncher.EXECUTOR_MEMORY, "768m").setConf("spark.cores.max", "2");
    }

    /** The application jar of a cluster-mode driver: dptrain's own classes (DL4J comes with extraClassPath). */
    private static Path applicationJar() throws Exception {
        Path classes = Path.of(Dptrain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = cluster.dir().resolve("dptrain-classes.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
