package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** RoundTimings reads Spark's task metrics of the jobs tagged as rounds, and only those. */
@Timeout(120)
class RoundTimingsTest extends LocalSparkTest {

    @Test
    void summarizesTheTaggedRoundsTasks() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark().sparkContext());
        RoundTimings timings = RoundTimings.attach(jsc.sc());
        try {
            jsc.parallelize(List.of(1, 2, 3, 4), 2).count(); // not a round: ignored
            for (int round = 1; round <= 3; round++) {
                jsc.setLocalProperty(RoundTimings.ROUND_PROPERTY, Integer.toString(round));
                jsc.parallelize(List.of(1, 2, 3, 4), 2).map(i -> new byte[100_000]).collect();
                jsc.setLocalProperty(RoundTimings.ROUND_PROPERTY, null);
            }
            Map<String, Long> medians = timings.medians(1, 3);
            assertThat(medians).containsOnlyKeys("submit", "launch", "deserialize", "run", "result", "delay", "tail",
                    "return", "gc", "resultBytes");
            assertThat(medians.get("resultBytes")).isGreaterThan(400_000L);
            assertThat(medians.values()).allMatch(v -> v >= 0);
            assertThat(timings.medians(4, 4)).isEmpty();
        } finally {
            timings.detach(jsc.sc());
        }
    }
}
