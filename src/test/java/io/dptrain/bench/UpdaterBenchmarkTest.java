package io.dptrain.bench;

import io.dptrain.config.ConfigLoader;
import io.dptrain.model.Networks;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(60)
class UpdaterBenchmarkTest {

    @Test
    void timesBothUpdatersOnBothStatesAndEndsWithTheSummaryLine() {
        UpdaterBenchmark.Result result = UpdaterBenchmark.run(ConfigLoader.load(null,
                List.of("model.preset=mlp", "model.mlp.hidden=[8]", "train.updater=adam")), 1, 1, 3);

        assertThat(result.parameters()).isEqualTo(784 * 8 + 8 + 8 * 10 + 10);
        assertThat(result.timings()).extracting(t -> t.updater() + " " + t.state())
                .containsExactly("dl4j normal", "dl4j subnormal", "vectorized normal", "vectorized subnormal");
        assertThat(result.timings()).allSatisfy(t -> assertThat(t.p10Ms()).isPositive()
                .isLessThanOrEqualTo(t.medianMs()).isLessThanOrEqualTo(t.p90Ms()));
        assertThat(result.applies()).extracting(t -> t.updater() + " " + t.state())
                .containsExactly("dl4j-pipeline random sums", "fused random sums");
        assertThat(result.applies()).allSatisfy(t -> assertThat(t.p10Ms()).isPositive()
                .isLessThanOrEqualTo(t.medianMs()).isLessThanOrEqualTo(t.p90Ms()));
        String text = result.toText();
        assertThat(text.lines().reduce((a, b) -> b).orElseThrow()).matches("SUMMARY adam_ms=\\d+\\.\\d{3} "
                + "vectorized_ms=\\d+\\.\\d{3} speedup=\\d+\\.\\d{2} subnormal_adam_ms=\\d+\\.\\d{3} "
                + "subnormal_vectorized_ms=\\d+\\.\\d{3} flush_ms=\\d+\\.\\d{3} apply_dl4j_ms=\\d+\\.\\d{3} "
                + "apply_fused_ms=\\d+\\.\\d{3}");
        assertThat(text).contains("Adam step on 6370 float parameters, 1 nd4j thread(s)");
    }
}
