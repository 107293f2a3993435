package io.dptrain.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.json.MetricsLines;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsSinkTest extends LocalSparkTest {

    private static final RunPlan PLAN = new RunPlan("parameter-averaging", 2, 1, 3, 300);
    private static final List<String> FIELDS =
            Arrays.stream(RoundMetrics.class.getRecordComponents()).map(RecordComponent::getName).toList();

    private final List<RoundMetrics> rounds = List.of(
            new RoundMetrics(1, 1, 2.25, 128, 40, 37.5, 3, 6, 2, 4096, 8192, 51),
            new RoundMetrics(2, 1, 1.75, 128, 42, 40.25, 2, 5, 1, 4096, 8192, 50),
            new RoundMetrics(3, 1, Double.NaN, 44, 20, 18.0, 2, 4, 1, 4096, 8192, 27));
    private MetricsSink sink;

    @BeforeEach
    void threeRounds() {
        sink = new MetricsSink();
        sink.onStart(PLAN);
        rounds.forEach(m -> sink.onRound(m, null));
    }

    @Test
    void jsonLinesReadBackToTheSameRoundsWithEveryField() {
        String jsonLines = sink.toJsonLines();

        assertThat(jsonLines.split("\n")).hasSize(3)
                .allSatisfy(line -> assertThat(Json.parse(line).keySet()).containsExactlyElementsOf(FIELDS));
        // lossless: computeMsMean 40.25 stays 40.25, a NaN loss stays NaN (records compare doubles bit for bit)
        assertThat(MetricsLines.read(jsonLines, "metrics.jsonl")).containsExactlyElementsOf(rounds);
        assertThat(Json.parse(jsonLines.split("\n")[2])).as("a NaN loss is written as the JSON string \"NaN\"")
                .containsEntry("loss", "NaN");
    }

    @Test
    void dataFrameHasOneRowPerRoundAndOneColumnPerField() {
        Dataset<Row> df = sink.toDataFrame(spark());

        assertThat(df.columns()).containsExactlyElementsOf(FIELDS);
        assertThat(df.count()).isEqualTo(3);
        List<Row> rows = df.orderBy("round").collectAsList();
        assertThat(rows.get(0).getInt(0)).isEqualTo(1);
        assertThat(rows.get(0).getDouble(2)).isEqualTo(2.25);
        assertThat(rows.get(0).getDouble(5)).isEqualTo(37.5);
        assertThat(rows.get(1).getLong(9)).isEqualTo(4096L);
        assertThat(rows.get(2).getLong(11)).isEqualTo(27L);
        assertThat(rows.get(2).getDouble(2)).isNaN();
    }

    @Test
    void aNewRunStartsEmpty() {
        assertThat(sink.rounds()).containsExactlyElementsOf(rounds);

        sink.onStart(PLAN);

        assertThat(sink.rounds()).isEmpty();
        assertThat(sink.toJsonLines()).isEmpty();
    }
}
