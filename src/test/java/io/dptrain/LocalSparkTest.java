package io.dptrain;

import java.io.File;
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
            File tmp = new File(System.getProperty("java.io.tmpdir"));
            if (!tmp.isDirectory() && !tmp.mkdirs()) {
                throw new IllegalStateException("cannot create java.io.tmpdir " + tmp);
            }
            SparkSession spark = SparkSession.builder()
                    .master("local[2]")
                    .appName("dptrain-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.local.dir", new File(tmp, "spark-local").getAbsolutePath())
                    .config("spark.sql.warehouse.dir",
                            new File(tmp, "spark-warehouse").getAbsolutePath())
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop, "stop-test-spark"));
            return spark;
        }
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
