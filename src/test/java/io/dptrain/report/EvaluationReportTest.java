package io.dptrain.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.report.EvaluationReport.ClassMetrics;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EvaluationReportTest {

    @Test
    void readsAccuracyPerClassMetricsAndConfusion() {
        EvaluationReport report = EvaluationReport.of(KnownEvaluation.of(3));

        assertThat(report.examples()).isEqualTo(10);
        assertThat(report.accuracy()).isCloseTo(0.7, within(1e-9));
        assertThat(report.confusion()).isDeepEqualTo(KnownEvaluation.CONFUSION);
        List<ClassMetrics> c = report.classes();
        assertThat(c).extracting(ClassMetrics::label).containsExactly(0, 1, 2);
        assertThat(c).extracting(ClassMetrics::support).containsExactly(4, 4, 2);
        assertThat(c.get(0).precision()).isCloseTo(0.75, within(1e-9));
        assertThat(c.get(0).recall()).isCloseTo(0.75, within(1e-9));
        assertThat(c.get(0).f1()).isCloseTo(0.75, within(1e-9));
        assertThat(c.get(1).precision()).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(c.get(1).recall()).isCloseTo(0.5, within(1e-9));
        assertThat(c.get(1).f1()).isCloseTo(4.0 / 7, within(1e-9));
        assertThat(c.get(2).precision()).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(c.get(2).recall()).isCloseTo(1.0, within(1e-9));
        assertThat(c.get(2).f1()).isCloseTo(0.8, within(1e-9));
        assertThat(report.macroF1()).isCloseTo((0.75 + 4.0 / 7 + 0.8) / 3, within(1e-9));
    }

    @Test
    void aClassNeverSeenNorPredictedScoresZeroNotNaN() {
        EvaluationReport report = EvaluationReport.of(KnownEvaluation.of(4));

        assertThat(report.accuracy()).isCloseTo(0.7, within(1e-9));
        assertThat(report.classes()).hasSize(4);
        ClassMetrics absent = report.classes().get(3);
        assertThat(absent).isEqualTo(new ClassMetrics(3, 0, 0, 0, 0));
        assertThat(report.confusion()[3]).containsExactly(0, 0, 0, 0);
        assertThat(report.confusion()[0]).containsExactly(3, 1, 0, 0);
        assertThat(report.macroF1()).isCloseTo((0.75 + 4.0 / 7 + 0.8) / 4, within(1e-9));
    }

    @Test
    void metricsFromAConfusionMatrixEqualDl4jsForTheSameCounts() {
        long[][] counts = new long[4][4];
        for (int a = 0; a < 3; a++) {
            for (int p = 0; p < 3; p++) {
                counts[a][p] = KnownEvaluation.CONFUSION[a][p];
            }
        }

        assertThat(EvaluationReport.of(counts)).usingRecursiveComparison()
                .isEqualTo(EvaluationReport.of(KnownEvaluation.of(4)));
    }

    @Test
    void textShowsTheNumbers() {
        String text = EvaluationReport.of(KnownEvaluation.of(3)).toText();

        assertThat(text).contains("test accuracy 0.7000 on 10 examples (macro F1 0.7071)")
                .contains("    0     0.7500  0.7500  0.7500        4")
                .contains("    1     0.6667  0.5000  0.5714        4")
                .contains("    2     0.6667  1.0000  0.8000        2")
                .contains("     3     1     0\n     1     2     1\n     0     0     2\n");
    }
}
