package io.dptrain.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.RoundMetrics;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one encoding of round metrics: what is written reads back bit for bit, non-finite values included. */
@Tag("unit")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MetricsLinesTest {

    /** Doubles that a fixed number of decimals would change, and every non-finite value. */
    private static final List<RoundMetrics> ROUNDS = List.of(
            new RoundMetrics(1, 1, 0.1 + 0.2, 128, 40, 37.123456789012344, 3, 6, 2, 4096, 8192, 51),
            new RoundMetrics(2, 1, Double.MIN_VALUE, Long.MAX_VALUE, 42, 1e-300, 2, 5, 1, 4096, 8192, 50),
            new RoundMetrics(3, 1, Double.NaN, 44, 20, Double.POSITIVE_INFINITY, 2, 4, 1, 4096, 8192, 27),
            new RoundMetrics(4, 2, Double.NEGATIVE_INFINITY, 44, 20, -0.0, 2, 4, 1, 4096, 8192, 27));

    @Test
    void readsBackExactlyWhatItWrote() {
        List<RoundMetrics> read = MetricsLines.read(MetricsLines.write(ROUNDS), "test");

        // records compare doubles with Double.compare: bit for bit, NaN equal to NaN, -0.0 apart from 0.0
        assertThat(read).containsExactlyElementsOf(ROUNDS);
    }

    @Test
    void writesOneCompactObjectPerRoundWithNonFiniteValuesAsStrings() {
        String[] lines = MetricsLines.write(ROUNDS).split("\n", -1);

        assertThat(lines).hasSize(ROUNDS.size() + 1);
        assertThat(lines[ROUNDS.size()]).as("every line ends in a newline").isEmpty();
        assertThat(lines[0]).isEqualTo("{\"round\":1,\"epoch\":1,\"loss\":0.30000000000000004,\"examples\":128,"
                + "\"computeMsMax\":40,\"computeMsMean\":37.123456789012344,\"broadcastMs\":3,\"waitMs\":6,"
                + "\"combineMs\":2,\"bytesBroadcast\":4096,\"bytesAggregated\":8192,\"roundMs\":51}");
        assertThat(lines[2]).contains("\"loss\":\"NaN\"", "\"computeMsMean\":\"Infinity\"");
        assertThat(lines[3]).contains("\"loss\":\"-Infinity\"");
        assertThat(MetricsLines.write(List.of())).isEmpty();
    }

    @Test
    void readsTheNullLossOfEarlierVersionsAsNaN() {
        String earlier = "{\"round\":1,\"epoch\":1,\"loss\":null,\"examples\":128,\"computeMsMax\":40,"
                + "\"computeMsMean\":37.5,\"broadcastMs\":3,\"waitMs\":6,\"combineMs\":2,\"bytesBroadcast\":4096,"
                + "\"bytesAggregated\":8192,\"roundMs\":51}\n\n";

        assertThat(MetricsLines.read(earlier, "old metrics.jsonl"))
                .containsExactly(new RoundMetrics(1, 1, Double.NaN, 128, 40, 37.5, 3, 6, 2, 4096, 8192, 51));
    }

    @Test
    void aMissingOrUnknownFieldIsAnErrorNamingTheLine() {
        String line = Json.toLine(ROUNDS.get(0));
        String missing = line.replace(",\"roundMs\":51", "");
        String unknown = line.replace("\"round\":1", "\"round\":1,\"rounds\":1");

        assertThatThrownBy(() -> MetricsLines.read(line + "\n" + missing + "\n", "run/metrics.jsonl"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("run/metrics.jsonl line 2").hasMessageContaining("roundMs");
        assertThatThrownBy(() -> MetricsLines.read(unknown, "run/metrics.jsonl"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("run/metrics.jsonl line 1").hasMessageContaining("\"rounds\"");
    }
}
