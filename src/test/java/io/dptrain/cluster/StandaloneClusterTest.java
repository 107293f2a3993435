package io.dptrain.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dptrain.cli.Dptrain;
import io.dptrain.data.Fixtures;
import io.dptrain.report.RunOutput;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Spark standalone cluster: a Master and two Workers, each its own JVM started from the
 * test classpath, and a training job submitted through {@code org.apache.spark.deploy.SparkSubmit}
 * in client and in cluster deploy mode as a further JVM, i.e. what {@code jobs/cluster-up.sh} and
 * {@code jobs/submit.sh} do. The Workers launch the executor JVMs (SPARK_HOME with an empty jars/ plus
 * spark.executor.extraClassPath). Runs in the surefire execution of the tag "cluster".
 */
@Tag("cluster")
@Timeout(240)
class StandaloneClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLASSPATH = System.getProperty("java.class.path");
    private static final List<Process> DAEMONS = new ArrayList<>();

    private static Path dir;
    private static String masterUrl;
    private static int masterWebUi;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "standalone-cluster");
        Files.createDirectories(dir.resolve("spark-home/jars"));
        Files.createDirectories(dir.resolve("local"));
        Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
                "rootLogger.level = info", "rootLogger.appenderRef.stderr.ref = console",
                "appender.console.type = Console", "appender.console.name = console",
                "appender.console.target = SYSTEM_ERR", "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss} %-5p %c{1}: %m%n", ""));
        int masterPort = freePort();
        masterWebUi = freePort();
        masterUrl = "spark://127.0.0.1:" + masterPort;
        DAEMONS.add(start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(masterWebUi)));
        for (int i = 1; i <= 2; i++) {
            DAEMONS.add(start("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--cores", "2", "--memory", "2g", "--port", String.valueOf(freePort()),
                    "--webui-port", String.valueOf(freePort()), "--work-dir", dir.resolve("work-" + i).toString(),
                    masterUrl));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (aliveWorkers() < 2) {
            assertThat(System.nanoTime()).as("2 workers alive at %s within 90 s; logs in %s", masterUrl, dir)
                    .isLessThan(deadline);
            assertThat(DAEMONS).as("a cluster JVM exited; logs in %s", dir).allMatch(Process::isAlive);
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stopCluster() {
        DAEMONS.forEach(StandaloneClusterTest::stop);
    }

    @Test
    void clientModeJobTrainsOnTwoWorkers() throws Exception {
        Path run = dir.resolve("run-client");
        Path log = dir.resolve("submit-client.log");
        // the application's classes are on the submitting JVM's classpath (the app jar is built after the tests)
        int exit = submit(log, List.of("--deploy-mode", "client", "--conf", "spark.driver.host=127.0.0.1"),
                "spark-internal", run);

        assertThat(exit).as("spark-submit exit code:%n%s", tail(log)).isZero();
        assertThat(Files.readString(log)).contains("test accuracy: ");
        assertRun(run);
        String appId = applicationId(log);
        for (int i = 1; i <= 2; i++) {
            assertThat(dir.resolve("work-" + i).resolve(appId)).as("worker %d ran an executor of %s", i, appId)
                    .isDirectory();
        }
    }

    /**
     * In cluster deploy mode a Worker runs the driver, and SparkSubmit exits 0 once the Master has
     * accepted it, even when the driver fails later: the driver's final state comes from the
     * Master's JSON. The driver gets the Java 17 options from conf/spark-defaults.conf only.
     */
    @Test
    void clusterModeDriverFinishes() throws Exception {
        Path run = dir.resolve("run-cluster");
        Path log = dir.resolve("submit-cluster.log");
        int exit = submit(log, List.of("--deploy-mode", "cluster", "--driver-memory", "1g",
                "--conf", "spark.driver.extraClassPath=" + CLASSPATH), applicationJar().toString(), run);

        assertThat(exit).as("spark-submit exit code:%n%s", tail(log)).isZero();
        String driverId = driverId(log);
        String state = awaitFinalDriverState(driverId);
        assertThat(state).as("final state of %s, its log in %s", driverId, dir).isEqualTo("FINISHED");
        assertRun(run);
    }

    private static void assertRun(Path run) throws IOException {
        assertThat(run.resolve(RunOutput.MODEL)).isNotEmptyFile();
        Map<String, Object> provenance = JSON.readValue(run.resolve(RunOutput.PROVENANCE).toFile(),
                new TypeReference<Map<String, Object>>() { });
        assertThat(provenance).containsEntry("trainRows", 600).containsEntry("testRows", 200);
    }

    /** Submits a tiny LeNet run on the fixture (2 workers, parameter averaging) and returns SparkSubmit's exit code. */
    private static int submit(Path log, List<String> mode, String application, Path run) throws Exception {
        Path data = prepareFixture();
        List<String> command = new ArrayList<>(javaCommand("1g"));
        command.addAll(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl,
                "--properties-file", Path.of("conf/spark-defaults.conf").toAbsolutePath().toString(),
                "--class", Dptrain.class.getName(), "--name", "dptrain standalone-cluster test",
                "--executor-memory", "768m", "--executor-cores", "1",
                "--conf", "spark.cores.max=2",
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.local.dir=" + dir.resolve("local"),
                "--conf", "spark.executor.extraClassPath=" + CLASSPATH,
                "--conf", "spark.executor.extraJavaOptions=-Djava.io.tmpdir=" + dir.resolve("local")));
        command.addAll(mode);
        command.addAll(List.of(application, "train",
                "--set", "data.train=" + data.resolve("fashion-mnist-train.parquet"),
                "--set", "data.test=" + data.resolve("fashion-mnist-test.parquet"),
                "--set", "model.preset=lenet", "--set", "model.lenet.conv1-filters=4",
                "--set", "model.lenet.conv2-filters=8", "--set", "model.lenet.dense=32",
                "--set", "train.batch-size=32", "--set", "train.epochs=1", "--set", "train.progress-every=0",
                "--set", "engine.mode=parameter-averaging", "--set", "engine.workers=2",
                "--set", "output.dir=" + run));
        Process submit = launch(command, log);
        try {
            assertThat(submit.waitFor(150, TimeUnit.SECONDS)).as("spark-submit within 150 s, log %s", log).isTrue();
            return submit.exitValue();
        } finally {
            stop(submit);
        }
    }

    /**
     * Writes the fixture's Parquet tables with a short local session in this JVM, stopped before
     * the job starts (one SparkContext per JVM; LocalClusterTest shares this JVM).
     */
    private static synchronized Path prepareFixture() {
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

    /** The application jar of a cluster-mode driver: dptrain's own classes (DL4J comes with extraClassPath). */
    private static Path applicationJar() throws Exception {
        Path classes = Path.of(Dptrain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = dir.resolve("dptrain-classes.jar");
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

    private static String applicationId(Path log) throws IOException {
        return find(log, "Connected to Spark cluster with app ID (app-[0-9-]+)");
    }

    private static String driverId(Path log) throws IOException {
        return find(log, "Driver successfully submitted as (driver-[0-9-]+)");
    }

    private static String find(Path log, String regex) throws IOException {
        Matcher matcher = Pattern.compile(regex).matcher(Files.readString(log));
        assertThat(matcher.find()).as("%s in %s:%n%s", regex, log, tail(log)).isTrue();
        return matcher.group(1);
    }

    /** Polls the Master until the driver is among the completed ones and returns its state. */
    private static String awaitFinalDriverState(String driverId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (System.nanoTime() < deadline) {
            Map<String, Object> master = masterState();
            for (Object driver : (List<?>) master.getOrDefault("completeddrivers", List.of())) {
                Map<?, ?> fields = (Map<?, ?>) driver;
                if (driverId.equals(fields.get("id"))) {
                    return String.valueOf(fields.get("state"));
                }
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(driverId + " did not complete within 150 s; logs in " + dir);
    }

    private static Process start(String name, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(javaCommand("512m"));
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        return launch(command, dir.resolve(name + ".log"));
    }

    /** java from this JVM's home with Spark's Java 17 options and the test classpath; environment below. */
    private static List<String> javaCommand(String heap) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptions().split(" ")));
        command.add("-Djava.io.tmpdir=" + dir.resolve("local"));
        // Spark's INFO lines name the application and the submitted driver (dptrain's log4j2.properties has WARN)
        command.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
        command.addAll(List.of("-cp", CLASSPATH));
        return command;
    }

    /**
     * Starts a JVM with its output in a log. Workers launch executors from SPARK_HOME/jars (empty
     * here) plus spark.executor.extraClassPath, with the Scala version from SPARK_SCALA_VERSION.
     */
    private static Process launch(List<String> command, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("SPARK_HOME", dir.resolve("spark-home").toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_LOCAL_DIRS", dir.resolve("local").toString());
        env.put("OMP_NUM_THREADS", "1");
        return builder.start();
    }

    private static int aliveWorkers() {
        return (int) ((List<?>) masterState().getOrDefault("workers", List.of())).stream()
                .filter(w -> "ALIVE".equals(((Map<?, ?>) w).get("state"))).count();
    }

    /** The Master's state from its web UI's JSON, empty while it is not listening yet. */
    private static Map<String, Object> masterState() {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterWebUi + "/json/"))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> response = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                    .build().send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200
                    ? JSON.readValue(response.body(), new TypeReference<Map<String, Object>>() { })
                    : Map.of();
        } catch (IOException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the master", e);
        }
    }

    /** Stops a JVM and what it launched (a Worker's executors): SIGTERM, then SIGKILL after 10 s. */
    private static void stop(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
