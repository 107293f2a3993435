package io.dptrain.engine.spark;

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
 * </ul>
 */
public final class RoundEngineSettings {
    private RoundEngineSettings() {
    }

    public static SparkConf applyDefaults(SparkConf conf) {
        conf.setIfMissing("spark.task.maxDirectResultSize", "100m");
        conf.setIfMissing("spark.broadcast.compress", "false");
        return conf;
    }
}
