package io.dptrain;

import java.io.File;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;

/**
 * Base class for tests that need Spark: every subclass in the JVM shares ONE {@code local[2]}
 * session, created on first use and stopped by a JVM shutdown hook, so test classes do not pay
 * Spark's start-up time each.
 *
 * <p>Scratch space ({@code spark.local.dir}, the SQL warehouse) lives under
 * {@code java.io.tmpdir}, which surefire points into the build folder. Subclasses are tagged
 * {@code spark} and should carry a {@code @Timeout}.
 */
@Tag("spark")
public abstract class LocalSparkTest {

    /** Creates the session on first use (holder idiom: thread-safe and lazy). */
    private static final class Holder {
        static final SparkSession SPARK = create();

        private static SparkSession create() {
            SparkSession spark = SparkSession.builder().config(localConf("dptrain-tests")).getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop, "stop-test-spark"));
            return spark;
        }
    }

    /**
     * The shared session's settings ({@code local[2]}, no UI, loopback only, scratch space under
     * {@code java.io.tmpdir}), for tests that start a session of their own in a JVM of their own.
     *
     * @param appName the application name
     * @return a new configuration
     */
    public static SparkConf localConf(String appName) {
        File tmp = new File(System.getProperty("java.io.tmpdir"));
        if (!tmp.isDirectory() && !tmp.mkdirs()) {
            throw new IllegalStateException("cannot create java.io.tmpdir " + tmp);
        }
        return new SparkConf()
                .setMaster("local[2]")
                .setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.sql.shuffle.partitions", "4")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.local.dir", new File(tmp, "spark-local").getAbsolutePath())
                .set("spark.sql.warehouse.dir", new File(tmp, "spark-warehouse").getAbsolutePath());
    }

    /**
     * Returns the shared session, starting it on the first call.
     *
     * @return the JVM-wide test session
     */
    protected static SparkSession spark() {
        return Holder.SPARK;
    }
}
