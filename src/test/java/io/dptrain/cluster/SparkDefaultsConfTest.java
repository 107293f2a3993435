package io.dptrain.cluster;

import io.dptrain.engine.spark.RoundEngineSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * conf/spark-defaults.conf (what jobs/submit.sh passes to spark-submit) carries Spark's Java 17
 * options for drivers and the round settings dptrain's own sessions apply.
 */
@Tag("unit")
@Timeout(30)
class SparkDefaultsConfTest {

    @Test
    void sparkDefaultsMatchSparkAndTheEngine() throws IOException {
        Properties defaults = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("conf/spark-defaults.conf"))) {
            defaults.load(in);
        }

        assertThat(defaults.getProperty("spark.driver.extraJavaOptions", "").split("\\s+"))
                .contains(JavaModuleOptions.defaultModuleOptions().split("\\s+"));
        SparkConf engine = RoundEngineSettings.applyDefaults(new SparkConf(false));
        for (String key : Arrays.asList("spark.task.maxDirectResultSize", "spark.broadcast.compress")) {
            assertThat(defaults.getProperty(key)).as(key).isEqualTo(engine.get(key));
        }
    }
}
