package io.dptrain.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dptrain.cli.Dptrain;
import org.apache.spark.launcher.JavaModuleOptions;

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
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test fixture: a real Spark standalone cluster on 127.0.0.1, a Master and N Workers, each its own
 * JVM started from the test classpath (what {@code jobs/cluster-up.sh} does), and SparkSubmit
 * commands against it (what {@code jobs/submit.sh} does without SPARK_HOME). The Workers launch
 * executor JVMs from SPARK_HOME (an empty jars/ here) plus spark.executor.extraClassPath, which
 * {@link #submit} sets to the test classpath. Logs, work and local folders live in one folder.
 * {@link #close()} stops every JVM it started and what they launched (executors, drivers).
 * <pre>{@code
 * try (StandaloneCluster cluster = StandaloneCluster.in(dir).workers(2, 1, "2g").start()) {
 *     Process job = cluster.submit(log, List.of("--deploy-mode", "client"), "spark-internal", dptrainArgs);
 * }
 * }</pre>
 */
final class StandaloneCluster implements AutoCloseable {
    /** The test JVM's classpath: daemons, drivers and executors all run from it. */
    static final String CLASSPATH = System.getProperty("java.class.path");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<String> daemonOptions;
    private final List<Process> started = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private String masterUrl;
    private int masterWebUi;

    private StandaloneCluster(Path dir, List<String> daemonOptions) {
        this.dir = dir;
        this.daemonOptions = List.copyOf(daemonOptions);
    }

    /** A cluster whose logs, work folders and local folders go under {@code dir} (created if missing). */
    static Options in(Path dir) {
        return new Options(dir);
    }

    /** What the cluster looks like; {@link #start()} launches it. */
    static final class Options {
        private final Path dir;
        private int workers = 2;
        private int coresPerWorker = 1;
        private String memoryPerWorker = "2g";
        private final List<String> daemonOptions = new ArrayList<>();

        private Options(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** How many Workers, and the cores and memory (Spark's size syntax, "2g") each offers. Default 2, 1, 2g. */
        Options workers(int count, int cores, String memory) {
            if (count < 1 || cores < 1) {
                throw new IllegalArgumentException("a cluster needs >= 1 worker with >= 1 core, got " + count
                        + " workers of " + cores + " cores");
            }
            this.workers = count;
            this.coresPerWorker = cores;
            this.memoryPerWorker = Objects.requireNonNull(memory, "memory");
            return this;
        }

        /**
         * JVM options of the Master and Workers, e.g. {@code -Dspark.authenticate=true}: the daemons read
         * spark.* system properties as their configuration (SPARK_DAEMON_JAVA_OPTS in a Spark installation).
         */
        Options daemonOptions(String... options) {
            daemonOptions.addAll(Arrays.asList(options));
            return this;
        }

        /** Starts the Master and the Workers and waits (up to 90 s) until every Worker is ALIVE at the Master. */
        StandaloneCluster start() throws IOException, InterruptedException {
            StandaloneCluster cluster = new StandaloneCluster(dir, daemonOptions);
            try {
                cluster.launch(workers, coresPerWorker, memoryPerWorker);
            } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }
    }

    private void launch(int workerCount, int cores, String memory) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("spark-home/jars"));
        Files.createDirectories(dir.resolve("local"));
        // Spark's INFO lines name the application, the submitted driver and lost executors
        // (dptrain's own log4j2.properties keeps Spark at WARN)
        Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
                "rootLogger.level = info", "rootLogger.appenderRef.stderr.ref = console",
                "appender.console.type = Console", "appender.console.name = console",
                "appender.console.target = SYSTEM_ERR", "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1}: %m%n", ""));
        int masterPort = freePort();
        masterWebUi = freePort();
        masterUrl = "spark://127.0.0.1:" + masterPort;
        started.add(startDaemon("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(masterWebUi)));
        for (int i = 1; i <= workerCount; i++) {
            Process worker = startDaemon("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--cores", String.valueOf(cores), "--memory", memory, "--port", String.valueOf(freePort()),
                    "--webui-port", String.valueOf(freePort()), "--work-dir", workDir(i).toString(), masterUrl);
            started.add(worker);
            workers.add(worker);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (aliveWorkers() < workerCount) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(workerCount + " workers not alive at " + masterUrl + " within 90 s; logs in "
                        + dir);
            }
            for (Process process : started) {
                if (!process.isAlive()) {
                    throw new AssertionError("a cluster JVM exited with " + process.exitValue() + "; logs in " + dir);
                }
            }
            Thread.sleep(500);
        }
    }

    /** The folder holding the logs (master.log, worker-i.log), work-i folders and local/. */
    Path dir() {
        return dir;
    }

    /** {@code spark://127.0.0.1:<port>} */
    String masterUrl() {
        return masterUrl;
    }

    /** The JVM of Worker {@code i} (1-based); its descendants are the executors and drivers it launched. */
    Process worker(int i) {
        return workers.get(i - 1);
    }

    /** Worker {@code i}'s work folder: one sub-folder per application that had an executor there. */
    Path workDir(int i) {
        return dir.resolve("work-" + i);
    }

    /**
     * Starts {@code org.apache.spark.deploy.SparkSubmit} against this cluster as a JVM whose output
     * goes to {@code log}: conf/spark-defaults.conf as properties file, dptrain's CLI as main class,
     * one core per executor, no UI, local folders in {@link #dir()}, executors on the test classpath.
     *
     * @param sparkOptions further spark-submit options (deploy mode, memory, --conf ...)
     * @param application  the application jar, or "spark-internal" when the classes are on the classpath
     * @param appArgs      the dptrain command line
     */
    Process submit(Path log, List<String> sparkOptions, String application, List<String> appArgs) throws IOException {
        List<String> command = new ArrayList<>(javaCommand("1g"));
        command.addAll(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl,
                "--properties-file", Path.of("conf/spark-defaults.conf").toAbsolutePath().toString(),
                "--class", Dptrain.class.getName(),
                "--executor-cores", "1",
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.local.dir=" + dir.resolve("local"),
                "--conf", "spark.executor.extraClassPath=" + CLASSPATH,
                "--conf", "spark.executor.extraJavaOptions=-Djava.io.tmpdir=" + dir.resolve("local")));
        command.addAll(sparkOptions);
        command.add(application);
        command.addAll(appArgs);
        Process submit = launch(command, log);
        started.add(submit);
        return submit;
    }

    /** Runs {@link #submit} to its end and returns SparkSubmit's exit code; fails after {@code timeout}. */
    int submitAndWait(Path log, List<String> sparkOptions, String application, List<String> appArgs,
                      Duration timeout) throws IOException, InterruptedException {
        Process submit = submit(log, sparkOptions, application, appArgs);
        try {
            if (!submit.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("spark-submit did not end within " + timeout + "; log " + log + ":\n"
                        + tail(log));
            }
            return submit.exitValue();
        } finally {
            stop(submit);
        }
    }

    /** Polls the Master until the driver is among the completed ones and returns its state (FINISHED, FAILED ...). */
    String awaitFinalDriverState(String driverId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Map<String, Object> driver : masterList("completeddrivers")) {
                if (driverId.equals(driver.get("id"))) {
                    return String.valueOf(driver.get("state"));
                }
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(driverId + " did not complete within " + timeout + "; logs in " + dir);
    }

    /** The Master's state from its web UI's JSON ({@code /json/}), empty while it is not listening yet. */
    Map<String, Object> masterState() {
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

    /** One list of the Master's state: "workers", "activeapps", "completedapps", "completeddrivers" ... */
    @SuppressWarnings("unchecked") // JSON objects, as Jackson reads them into Object
    List<Map<String, Object>> masterList(String key) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Object entry : (List<?>) masterState().getOrDefault(key, List.of())) {
            entries.add((Map<String, Object>) entry);
        }
        return entries;
    }

    int aliveWorkers() {
        return (int) masterList("workers").stream().filter(w -> "ALIVE".equals(w.get("state"))).count();
    }

    /** Stops every JVM started here, submissions first, and what they launched (executors, drivers). */
    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            stop(started.get(i));
        }
    }

    private Process startDaemon(String name, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(javaCommand("512m"));
        command.addAll(command.size() - 2, daemonOptions); // before -cp <classpath>
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        return launch(command, dir.resolve(name + ".log"));
    }

    /** java from this JVM's home with Spark's Java 17 options, INFO logging and the test classpath. */
    private List<String> javaCommand(String heap) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptions().split(" ")));
        command.add("-Djava.io.tmpdir=" + dir.resolve("local"));
        command.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
        command.addAll(List.of("-cp", CLASSPATH));
        return command;
    }

    /**
     * Starts a JVM with its output in a log. Workers launch executors from SPARK_HOME/jars (empty
     * here) plus spark.executor.extraClassPath, with the Scala version from SPARK_SCALA_VERSION.
     */
    private Process launch(List<String> command, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("SPARK_HOME", dir.resolve("spark-home").toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_LOCAL_DIRS", dir.resolve("local").toString());
        env.put("OMP_NUM_THREADS", "1");
        return builder.start();
    }

    /** Stops a JVM and what it launched (a Worker's executors): SIGTERM, then SIGKILL after 10 s. */
    static void stop(Process process) {
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

    /** The first capture group of {@code regex} in a log; an assertion error with the log's tail if absent. */
    static String find(Path log, String regex) throws IOException {
        Matcher matcher = Pattern.compile(regex).matcher(Files.readString(log));
        if (!matcher.find()) {
            throw new AssertionError(regex + " not in " + log + ":\n" + tail(log));
        }
        return matcher.group(1);
    }

    /** The last 40 lines of a log, for failure messages. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
