package io.dptrain.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dptrain.SparkSubmitJvm;
import org.apache.spark.launcher.SparkAppHandle;
import org.apache.spark.launcher.SparkLauncher;

import java.io.IOException;
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

/**
 * Test fixture: a real Spark standalone cluster on 127.0.0.1, a Master and N Workers, each its own
 * JVM started from the test classpath (what {@code jobs/cluster-up.sh} does), and dptrain submitted
 * to it through Spark's {@link SparkLauncher} ({@link SparkSubmitJvm}, what {@code jobs/submit.sh} does).
 * The Workers launch executor JVMs from SPARK_HOME (only Spark's launcher jar in jars/ here) plus
 * spark.executor.extraClassPath, which {@link #submitter} sets to the test classpath. Logs, work and
 * local folders live in one folder. {@link #close()} stops every JVM it started and what they launched
 * (executors, drivers).
 * <pre>{@code
 * try (StandaloneCluster cluster = StandaloneCluster.in(dir).workers(2, 1, "2g").start()) {
 *     SparkSubmitJvm.Submission job = cluster.start(cluster.submitter(log, dptrainArgs));
 *     String appId = job.awaitAppId(timeout, log);
 * }
 * }</pre>
 */
final class StandaloneCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<String> daemonOptions;
    private final List<Process> started = new ArrayList<>();
    private final List<SparkSubmitJvm.Submission> submissions = new ArrayList<>();
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
        Files.createDirectories(dir.resolve("local"));
        // Spark's INFO lines say why a driver was refused and name a driver submitted in cluster mode
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
     * A launcher of dptrain against this cluster in client mode ({@link SparkSubmitJvm#dptrain}): INFO
     * logging, one core per executor, executors on the test classpath with their temporary files in
     * {@link #dir()}. Callers add their own settings (name, memory, deploy mode ...).
     *
     * @param log     the driver's (SparkSubmit's) output
     * @param appArgs the dptrain command line
     */
    SparkLauncher submitter(Path log, List<String> appArgs) {
        return SparkSubmitJvm.dptrain(dir, masterUrl, log,
                        List.of("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties")), appArgs)
                .setConf(SparkLauncher.EXECUTOR_CORES, "1")
                .setConf(SparkLauncher.EXECUTOR_EXTRA_CLASSPATH, SparkSubmitJvm.CLASSPATH)
                .setConf(SparkLauncher.EXECUTOR_EXTRA_JAVA_OPTIONS, "-Djava.io.tmpdir=" + dir.resolve("local"));
    }

    /** Starts {@code launcher}'s driver with a handle (application id and state); {@link #close()} stops it. */
    SparkSubmitJvm.Submission start(SparkLauncher launcher) throws IOException {
        SparkSubmitJvm.Submission submission = SparkSubmitJvm.start(launcher);
        submissions.add(submission);
        return submission;
    }

    /**
     * Starts {@code launcher}'s SparkSubmit JVM as a plain process, where its exit code is what the test
     * needs (a driver that must fail with dptrain's code, a cluster-mode submission whose driver runs on a
     * Worker, out of the launcher's sight); {@link #close()} stops it.
     */
    Process launch(SparkLauncher launcher) throws IOException {
        Process process = SparkSubmitJvm.launch(launcher);
        started.add(process);
        return process;
    }

    /**
     * Runs {@code launcher}'s driver to its end and returns the application's final state (FINISHED: it
     * stopped its context and its JVM exited with 0); fails after {@code timeout}.
     */
    SparkAppHandle.State run(SparkLauncher launcher, Path log, Duration timeout)
            throws IOException, InterruptedException {
        SparkSubmitJvm.Submission submission = start(launcher);
        try {
            return submission.awaitEnd(timeout, log);
        } finally {
            submission.stop();
        }
    }

    /** Runs {@link #launch} to its end and returns SparkSubmit's exit code; fails after {@code timeout}. */
    int launchAndWait(SparkLauncher launcher, Path log, Duration timeout) throws IOException, InterruptedException {
        Process submit = launch(launcher);
        try {
            if (!submit.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("spark-submit did not end within " + timeout + "; log " + log + ":\n"
                        + SparkSubmitJvm.tail(log));
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
        submissions.forEach(SparkSubmitJvm.Submission::stop);
        for (int i = started.size() - 1; i >= 0; i--) {
            stop(started.get(i));
        }
    }

    private Process startDaemon(String name, String mainClass, String... args) throws IOException {
        List<String> options = new ArrayList<>(daemonOptions);
        options.add("-Djava.io.tmpdir=" + dir.resolve("local"));
        options.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
        List<String> command = new ArrayList<>(SparkSubmitJvm.javaCommand("512m", options));
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().putAll(SparkSubmitJvm.environment(dir));
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
}
