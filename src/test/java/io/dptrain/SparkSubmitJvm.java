package io.dptrain;

import io.dptrain.cli.Dptrain;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.launcher.SparkAppHandle;
import org.apache.spark.launcher.SparkLauncher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The one way tests start JVMs of their own: dptrain's CLI under {@code SparkSubmit}, launched and
 * watched through Spark's {@link SparkLauncher} ({@link #start} gives a {@link SparkAppHandle} with the
 * application's id and state; {@link #launch} a plain {@link Process} where only the JVM matters), and
 * {@link #javaCommand} for the Spark daemons (Master, Worker) of a test cluster.
 *
 * <p>SparkLauncher runs {@code SPARK_HOME/bin/spark-submit}. Tests have no Spark installation, so
 * {@link #sparkHome} lays out one whose {@code jars/} holds only Spark's launcher jar and whose
 * {@code bin/spark-submit} is what Spark's own script does: Spark's {@code org.apache.spark.launcher.Main}
 * prints the SparkSubmit JVM's command (Java 17 options, driver memory, {@code SPARK_SUBMIT_OPTS},
 * {@code spark.driver.extraClassPath} ...) and the script {@code exec}s it, so the launched process is
 * the driver JVM itself (a SIGKILL reaches the driver, not a shell). The SparkSubmit JVM finds Spark and
 * dptrain on {@code SPARK_DIST_CLASSPATH} (what a "Hadoop free" Spark installation sets in
 * {@code spark-env.sh}), set to the test classpath; a driver that a Worker runs (cluster deploy mode)
 * gets the same classpath as {@code spark.driver.extraClassPath}.
 */
public final class SparkSubmitJvm {
    /** The test JVM's classpath: drivers, daemons and executors all run from it. */
    public static final String CLASSPATH = System.getProperty("java.class.path");

    private static final String SPARK_SUBMIT = String.join("\n",
            "#!/usr/bin/env bash",
            "# Spark's bin/spark-submit and bin/spark-class in short: Spark's launcher (the jar in jars/) prints its",
            "# messages, a NUL and a newline, the SparkSubmit JVM's command NUL-separated, then its exit code; this",
            "# process becomes that JVM.",
            "CMD=()",
            "while IFS= read -d '' -r ARG; do CMD+=(\"${ARG#$'\\n'}\"); done < <(\"$JAVA_HOME/bin/java\" -Xmx128m \\",
            "    -cp \"$SPARK_HOME/jars/*\" org.apache.spark.launcher.Main org.apache.spark.deploy.SparkSubmit \"$@\";"
                    + " printf '%d\\0' $?)",
            "[ -z \"${CMD[0]}\" ] || echo \"${CMD[0]}\"",
            "LAST=$((${#CMD[@]} - 1))",
            "[ \"${CMD[$LAST]}\" = 0 ] || exit \"${CMD[$LAST]}\"",
            "exec \"${CMD[@]:1:$((LAST - 1))}\"", "");

    /** The name prefix of the threads of Spark's launcher ({@code SparkLauncher.REDIRECTOR_FACTORY}). */
    private static final String MONITOR_THREAD = "launcher-proc-";

    private SparkSubmitJvm() {
    }

    /**
     * Lays out {@code dir}/spark-home (once): {@code jars/} with Spark's launcher jar, {@code bin/spark-submit}.
     * Workers launch executors from the same {@code jars/} plus {@code spark.executor.extraClassPath}.
     */
    public static synchronized Path sparkHome(Path dir) {
        Path home = dir.resolve("spark-home");
        Path script = home.resolve("bin/spark-submit");
        if (Files.exists(script)) {
            return home;
        }
        try {
            Path launcherJar = Path.of(SparkLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Files.createDirectories(home.resolve("jars"));
            Files.createDirectories(script.getParent());
            Files.createSymbolicLink(home.resolve("jars").resolve(launcherJar.getFileName()), launcherJar);
            Files.writeString(script, SPARK_SUBMIT);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out a Spark home in " + home, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("Spark's launcher jar has no file location", e);
        }
    }

    /**
     * A launcher of {@code dptrain} under SparkSubmit in client mode: the application "spark-internal"
     * (its classes are on the classpath), {@code conf/spark-defaults.conf} as properties file, no UI,
     * temporary and local folders in {@code dir}/local, output and errors to {@code log}.
     *
     * @param dir        holds spark-home/ and local/ (created if missing)
     * @param master     the Spark master URL
     * @param jvmOptions further options of the driver JVM ({@code SPARK_SUBMIT_OPTS}), e.g. a log4j2 configuration
     * @param dptrainArgs the dptrain command line
     */
    public static SparkLauncher dptrain(Path dir, String master, Path log, List<String> jvmOptions,
                                        List<String> dptrainArgs) {
        Path local = dir.resolve("local");
        try {
            Files.createDirectories(local);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path home = sparkHome(dir);
        List<String> submitOptions = new ArrayList<>(List.of("-Djava.io.tmpdir=" + local));
        submitOptions.addAll(jvmOptions);
        Map<String, String> env = new HashMap<>(environment(dir));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // Spark's launcher puts SPARK_HOME/jars (only its own jar here) and this on SparkSubmit's classpath in
        // either deploy mode; spark.driver.extraClassPath reaches that JVM in client mode only
        env.put("SPARK_DIST_CLASSPATH", CLASSPATH);
        env.put("SPARK_SUBMIT_OPTS", String.join(" ", submitOptions));
        return new SparkLauncher(env)
                .setSparkHome(home.toString())
                .setMaster(master)
                .setDeployMode("client")
                .setPropertiesFile(Path.of("conf/spark-defaults.conf").toAbsolutePath().toString())
                .setAppResource("spark-internal")
                .setMainClass(Dptrain.class.getName())
                .setConf(SparkLauncher.DRIVER_EXTRA_CLASSPATH, CLASSPATH)
                .setConf("spark.driver.host", "127.0.0.1")
                .setConf("spark.ui.enabled", "false")
                .setConf("spark.local.dir", local.toString())
                .addAppArgs(dptrainArgs.toArray(String[]::new))
                .redirectOutput(log.toFile())
                .redirectError();
    }

    /**
     * The environment of every test JVM: Spark's home and Scala version (Workers launch executors from
     * them), loopback address, local folders in {@code dir}/local, one OpenMP thread (nd4j's threads are
     * set per task).
     */
    public static Map<String, String> environment(Path dir) {
        return Map.of("SPARK_HOME", sparkHome(dir).toString(), "SPARK_SCALA_VERSION", "2.12",
                "SPARK_LOCAL_IP", "127.0.0.1", "SPARK_LOCAL_DIRS", dir.resolve("local").toString(),
                "OMP_NUM_THREADS", "1");
    }

    /**
     * The command of a JVM from this JVM's home on the test classpath, with Spark's Java 17 options,
     * for the Spark daemons of a test cluster; the main class and its arguments follow.
     */
    public static List<String> javaCommand(String heap, List<String> options) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptions().split(" ")));
        command.addAll(options);
        command.addAll(List.of("-cp", CLASSPATH));
        return command;
    }

    /** Starts the JVM of {@code launcher} as a plain process: its exit code and a SIGKILL are the test's. */
    public static Process launch(SparkLauncher launcher) throws IOException {
        return launcher.launch();
    }

    /**
     * Starts the JVM of {@code launcher} with a {@link SparkAppHandle}, through which the driver reports
     * its application id and state. Synchronized: the launcher thread that starts here is this driver's.
     */
    public static synchronized Submission start(SparkLauncher launcher) throws IOException {
        Set<Thread> before = launcherThreads();
        CompletableFuture<String> appId = new CompletableFuture<>();
        SparkAppHandle handle = launcher.startApplication(new SparkAppHandle.Listener() {
            @Override
            public void stateChanged(SparkAppHandle h) {
                if (h.getState().isFinal()) {
                    appId.complete(null); // ended before it had an id; no effect once it had one
                }
            }

            @Override
            public void infoChanged(SparkAppHandle h) {
                if (h.getAppId() != null) {
                    appId.complete(h.getAppId());
                }
            }
        });
        List<Thread> monitors = launcherThreads().stream().filter(t -> !before.contains(t)).toList();
        if (monitors.size() != 1) {
            handle.kill();
            throw new IllegalStateException("expected one new " + MONITOR_THREAD + "* thread of Spark's launcher "
                    + "for the driver it started, found " + monitors);
        }
        return new Submission(handle, monitors.get(0), appId);
    }

    /** Spark's launcher threads alive now (see {@link Submission}). */
    private static Set<Thread> launcherThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(MONITOR_THREAD))
                .collect(Collectors.toSet());
    }

    /**
     * A driver JVM started by {@link #start}.
     *
     * <p>Spark's launcher settles the handle's final state on a thread of its own once the driver JVM has
     * exited ({@code ChildProcAppHandle.monitorChild}, on a {@code launcher-proc-N} thread): it reads what
     * the driver still had to report, then turns a FINISHED into FAILED if the exit code is not 0 and sets
     * LOST if the driver never reported an end. Until that thread has ended a FINISHED can still become
     * FAILED, and the handle has no public signal for it, so {@link #awaitEnd} joins that thread.
     *
     * @param handle  the application as Spark's launcher sees it
     * @param monitor the launcher's thread that waits for the driver JVM and settles the final state
     * @param appId   completes with the application id once the driver has one, or with null if it ends first
     */
    public record Submission(SparkAppHandle handle, Thread monitor, CompletableFuture<String> appId) {
        /** The application id, once the driver has registered with its master; fails after {@code timeout}. */
        public String awaitAppId(Duration timeout, Path log) throws InterruptedException {
            try {
                String id = appId.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (id == null) {
                    throw new AssertionError("the driver ended (" + handle.getState() + ") without an application id"
                            + "; log " + log + ":\n" + tail(log));
                }
                return id;
            } catch (TimeoutException e) {
                throw new AssertionError("no application id within " + timeout + ", state " + handle.getState()
                        + "; log " + log + ":\n" + tail(log), e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }

        /** Whether the driver JVM is still running (Spark's launcher has not yet seen it exit). */
        public boolean running() {
            return monitor.isAlive();
        }

        /**
         * Waits for the driver JVM to exit and for Spark's launcher to settle the application's final state,
         * and returns it: FINISHED when the driver stopped its context and its JVM exited with 0, FAILED when
         * the JVM exited with another code, LOST when the driver never reported an end. Fails after
         * {@code timeout}.
         */
        public SparkAppHandle.State awaitEnd(Duration timeout, Path log) throws InterruptedException {
            monitor.join(timeout.toMillis());
            if (monitor.isAlive()) {
                throw new AssertionError("the driver did not end within " + timeout + ", state " + handle.getState()
                        + "; log " + log + ":\n" + tail(log));
            }
            return handle.getState();
        }

        /** Kills the driver JVM (SIGKILL) unless it has ended. */
        public void stop() {
            if (running()) {
                handle.kill();
            }
        }
    }

    /** The last 40 lines of a log, for failure messages. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
