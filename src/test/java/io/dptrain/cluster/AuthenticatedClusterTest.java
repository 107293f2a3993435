package io.dptrain.cluster;

import io.dptrain.SparkSubmitJvm;
import io.dptrain.io.RunOutput;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A standalone cluster whose Master and Workers run with {@code spark.authenticate=true} and a
 * shared secret: a driver without the secret, or with another one, is refused at the Master and
 * never becomes an application; a driver with it trains. The Workers hand the secret to the
 * executors they launch (Spark passes it in their environment), so only the driver must be told.
 *
 * <p>A refused driver does not fail at once: Spark's StandaloneAppClient tries to register 3 times,
 * 20 s apart (fixed in Spark 3.5), and only then gives up and stops the application. The refusal
 * itself shows at the first attempt, within seconds, in the driver's log (the Master's SASL
 * rejection as the cause) and in the Master's log, so the test checks that first, runs the
 * authenticated job while the refused drivers wait out their retries, and then checks how they end.
 */
@Tag("cluster")
@Timeout(420)
class AuthenticatedClusterTest {
    private static final String SECRET = "dptrain-cluster-test-secret";
    private static final Duration REFUSAL_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(180);

    private static StandaloneCluster cluster;
    private static Path data;

    @BeforeAll
    static void startCluster() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "authenticated-cluster");
        data = ClusterJobs.fixtureTables(dir);
        cluster = StandaloneCluster.in(dir).workers(2, 1, "2g")
                .daemonOptions("-Dspark.authenticate=true", "-Dspark.authenticate.secret=" + SECRET).start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void refusesDriversWithoutTheSecretAndTrainsWithIt() throws Exception {
        Path noSecretLog = cluster.dir().resolve("submit-no-secret.log");
        Process noSecret = submit(noSecretLog, "run-no-secret");
        Path wrongSecretLog = cluster.dir().resolve("submit-wrong-secret.log");
        Process wrongSecret = submit(wrongSecretLog, "run-wrong-secret",
                "spark.authenticate=true", "spark.authenticate.secret=not-" + SECRET);

        // the first registration attempt: refused by the Master's authentication
        String noSecretRefusal = awaitRefusal(noSecret, noSecretLog);
        assertThat(noSecretRefusal).as("driver without the secret, log %s", noSecretLog)
                .contains("Expected SaslMessage, received something else (maybe your client does not have SASL "
                        + "enabled?)");
        String wrongSecretRefusal = awaitRefusal(wrongSecret, wrongSecretLog);
        assertThat(wrongSecretRefusal).as("driver with another secret, log %s", wrongSecretLog)
                .contains("SaslException: DIGEST-MD5: digest response format violation. Mismatched response.");
        assertThat(applications()).as("applications at the Master after two refused drivers").isEmpty();

        Path run = cluster.dir().resolve("run-with-secret");
        Path log = cluster.dir().resolve("submit-with-secret.log");
        SparkSubmitJvm.Submission withSecret = cluster.start(submitter(log, "run-with-secret",
                "spark.authenticate=true", "spark.authenticate.secret=" + SECRET));
        String appId = withSecret.awaitAppId(RUN_TIMEOUT, log);
        assertThat(withSecret.awaitEnd(RUN_TIMEOUT, log)).as("final state with the secret:%n%s",
                SparkSubmitJvm.tail(log)).isEqualTo(SparkAppHandle.State.FINISHED);
        assertThat(run.resolve(RunOutput.MODEL)).isNotEmptyFile();
        for (int i = 1; i <= 2; i++) {
            assertThat(cluster.workDir(i).resolve(appId)).as("worker %d ran an executor of %s", i, appId)
                    .isDirectory();
        }
        List<Map<String, Object>> applications = applications();
        assertThat(applications).as("the Master's applications").hasSize(1);
        assertThat(applications.get(0)).containsEntry("id", appId).containsEntry("state", "FINISHED");

        // after 3 refused attempts the drivers give up, stop the application and fail with dptrain's message
        for (Process refused : List.of(noSecret, wrongSecret)) {
            Path refusedLog = refused == noSecret ? noSecretLog : wrongSecretLog;
            assertThat(refused.waitFor(REFUSAL_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .as("refused driver ends within %s, log %s", REFUSAL_TIMEOUT, refusedLog).isTrue();
            assertThat(refused.exitValue()).as("exit code of the refused driver, log %s", refusedLog).isEqualTo(2);
            assertThat(Files.readString(refusedLog))
                    .contains("Application has been killed. Reason: All masters are unresponsive! Giving up.")
                    .contains("dptrain: Spark stopped the application before it could read")
                    .doesNotContain("Connected to Spark cluster with app ID");
        }
        assertThat(applications()).as("the Master's applications at the end").hasSize(1);
        assertThat(Files.readString(cluster.dir().resolve("master.log")))
                .as("the Master logs the refusals").contains("Expected SaslMessage")
                .contains("SaslException: DIGEST-MD5");
    }

    /**
     * A refused driver must fail with dptrain's exit code (2), which only a plain process shows (a handle
     * reports FAILED for any non-zero code); hence {@link StandaloneCluster#launch} for those.
     */
    private static Process submit(Path log, String run, String... settings) throws IOException {
        return cluster.launch(submitter(log, run, settings));
    }

    private static SparkLauncher submitter(Path log, String run, String... settings) {
        SparkLauncher launcher = cluster.submitter(log, ClusterJobs.tinyLenetTrain(data, cluster.dir().resolve(run)))
                .setConf(SparkLauncher.EXECUTOR_MEMORY, "768m").setConf("spark.cores.max", "2");
        for (String setting : settings) {
            String[] keyValue = setting.split("=", 2);
            launcher.setConf(keyValue[0], keyValue[1]);
        }
        return launcher;
    }

    /** Waits for the driver's first failed registration and returns its log up to then. */
    private static String awaitRefusal(Process driver, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + REFUSAL_TIMEOUT.toNanos();
        while (true) {
            String text = Files.readString(log);
            if (text.contains("Failed to connect to master")) {
                return text;
            }
            assertThat(driver.isAlive()).as("driver alive until it tries to register:%n%s", SparkSubmitJvm.tail(log))
                    .isTrue();
            assertThat(System.nanoTime()).as("a registration attempt within %s, log %s", REFUSAL_TIMEOUT, log)
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Every application the Master knows, running or completed. */
    private static List<Map<String, Object>> applications() {
        List<Map<String, Object>> applications = new ArrayList<>(cluster.masterList("activeapps"));
        applications.addAll(cluster.masterList("completedapps"));
        return applications;
    }
}
