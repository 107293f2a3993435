package io.dptrain.engine.spark;

import io.dptrain.model.NativeBuild;
import org.apache.spark.SparkConf;

/**
 * Spark settings that make rounds cheap, applied to sessions dptrain starts itself (and shipped in
 * conf/spark-defaults.conf for spark-submit); a value the user set wins.
 * <ul>
 *   <li>{@code spark.task.maxDirectResultSize}: a replica's result is a flat vector of a few MB;
 *   above the 1 MB default Spark parks it in the block manager and the driver fetches it in a second
 *   trip. Sending it with the task's status saves that trip every round.</li>
 *   <li>{@code spark.broadcast.compress}: parameters are float noise to LZ4; compressing them costs
 *   driver time every round and saves almost no bytes.</li>
 *   <li>{@code spark.executor.extraJavaOptions}: executor JVMs load the nd4j native build this JVM chose
 *   ({@link NativeBuild}: the oneDNN one), so replicas get the same layer helpers as the driver.</li>
 * </ul>
 */
public final class RoundEngineSettings {
    private RoundEngineSettings() {
    }

    public static SparkConf applyDefaults(SparkConf conf) {
        conf.setIfMissing("spark.task.maxDirectResultSize", "100m");
        conf.setIfMissing("spark.broadcast.compress", "false");
        String build = System.getProperty(NativeBuild.EXTENSION_PROPERTY);
        String executorOptions = conf.get("spark.executor.extraJavaOptions", "");
        if (build != null && !executorOptions.contains(NativeBuild.EXTENSION_PROPERTY)) {
            conf.set("spark.executor.extraJavaOptions",
                    (executorOptions + " -D" + NativeBuild.EXTENSION_PROPERTY + "=" + build).trim());
        }
        return conf;
    }
}
