package io.dptrain.cli;

import io.dptrain.model.NativeBuild;

import io.dptrain.engine.spark.RoundEngineSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The Spark session of a command: spark-submit's when there is one, else an embedded one. */
final class SparkSessions {
    private SparkSessions() {
    }

    /**
     * Under spark-submit the master comes from spark.master; run directly (jobs/dptrain) the
     * configured master is used, e.g. local[*].
     */
    static SparkSession get(String appName, String defaultMaster) {
        return SparkSession.builder().config(conf(appName, defaultMaster)).getOrCreate();
    }

    /** The configuration {@link #get} starts a session with, for commands that start it themselves. */
    static SparkConf conf(String appName, String defaultMaster) {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (!conf.contains("spark.master")) {
            conf.setMaster(defaultMaster);
        }
        if (conf.get("spark.master").startsWith("local-cluster[")) {
            // Spark's test master (a master and N workers in this JVM, each starting an executor JVM): nothing
            // ships dptrain's classes to those executors, so they get this JVM's classpath, made absolute:
            // executors start in their own work folders.
            conf.setIfMissing("spark.executor.extraClassPath", absoluteClassPath(System.getProperty("java.class.path")));
        }
        // Executor JVMs load the nd4j native build this JVM chose (NativeBuild), so replicas run as the driver does.
        String build = System.getProperty(NativeBuild.EXTENSION_PROPERTY);
        String executorOptions = conf.get("spark.executor.extraJavaOptions", "");
        if (build != null && !executorOptions.contains(NativeBuild.EXTENSION_PROPERTY)) {
            conf.set("spark.executor.extraJavaOptions",
                    (executorOptions + " -D" + NativeBuild.EXTENSION_PROPERTY + "=" + build).trim());
        }
        return RoundEngineSettings.applyDefaults(conf);
    }

    static String absoluteClassPath(String classPath) {
        return java.util.Arrays.stream(classPath.split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .map(entry -> java.nio.file.Path.of(entry).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }
}
