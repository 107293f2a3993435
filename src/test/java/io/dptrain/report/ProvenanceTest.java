package io.dptrain.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("unit")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProvenanceTest {

    private static final DptrainConfig CONFIG = ConfigLoader.load(null, List.of("model.preset=mlp",
            "model.mlp.hidden=[16, 8]", "train.seed=1234", "train.learning-rate=0.05", "data.train=/data/train.parquet",
            "data.test=/data/test.parquet", "data.train-limit=128"));

    private static Provenance provenance(double examplesPerSecond) {
        return Provenance.of(CONFIG, "local[1]", 3, 128, 10, EvaluationReport.of(KnownEvaluation.of(3)),
                List.of(new EpochEvaluation.Point(1, 0.5, 1000), new EpochEvaluation.Point(2, 0.7, 2100)), 2100,
                3500, examplesPerSecond);
    }

    @Test
    void readsBackWhatItWrote() {
        for (double examplesPerSecond : new double[]{121.9, 1.0 / 3, Double.NaN, Double.POSITIVE_INFINITY}) {
            Provenance written = provenance(examplesPerSecond);
            String json = written.toJson();

            Provenance read = Provenance.fromJson(json, "provenance.json");

            // field by field: the test report holds an int[][], which record equality compares by identity;
            // doubles as records compare them (bit for bit, NaN equal to NaN)
            assertThat(read).usingRecursiveComparison()
                    .withEqualsForType((a, b) -> Double.compare(a, b) == 0, Double.class).isEqualTo(written);
            assertThat(read.config()).isEqualTo(CONFIG);
            assertThat(read.toJson()).isEqualTo(json);
        }
        assertThat(provenance(Double.NaN).toJson()).contains("\"examplesPerSecond\" : \"NaN\"");
    }

    @Test
    void readingValidatesAndRejectsFieldsItDoesNotKnow() {
        String json = provenance(1.0).toJson();

        assertThatThrownBy(() -> Provenance.fromJson(json.replaceFirst("\\{", "{ \"colour\" : 1,"),
                "run/provenance.json"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("run/provenance.json")
                .hasMessageContaining("\"colour\"");
        assertThatThrownBy(() -> Provenance.fromJson(json.replace("\"trainRows\" : 128,", ""), "run/provenance.json"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trainRows");
        assertThatThrownBy(() -> Provenance.fromJson(json.replace("\"maxLength\" : 200", "\"maxLength\" : 0"),
                "run/provenance.json"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("run/provenance.json")
                .hasMessageContaining("dptrain.data.max-length");
    }

    @Test
    void settingsTheRunPredatesReadAsTheirDefaultsAndEverythingElseAsWritten() {
        DptrainConfig tuned = ConfigLoader.load(null, List.of("model.preset=mlp", "train.seed=99",
                "train.flush-subnormals-every=7", "train.vectorized-adam=false"));
        String json = Provenance.of(tuned, "local[1]", 3, 128, 10, EvaluationReport.of(KnownEvaluation.of(3)),
                List.of(), 2100, 3500, 1.0).toJson();
        // as a run before these two settings existed wrote it
        String older = json.replaceFirst(",\\s*\"flushSubnormalsEvery\" : 7", "")
                .replaceFirst(",\\s*\"vectorizedAdam\" : false", "");
        assertThat(older).doesNotContain("flushSubnormalsEvery").doesNotContain("vectorizedAdam");

        DptrainConfig read = Provenance.fromJson(older, "old/provenance.json").config();

        DptrainConfig defaults = ConfigLoader.defaults();
        assertThat(read.train().flushSubnormalsEvery()).isEqualTo(defaults.train().flushSubnormalsEvery());
        assertThat(read.train().vectorizedAdam()).isEqualTo(defaults.train().vectorizedAdam()).isTrue();
        assertThat(read.train().seed()).isEqualTo(99);
        assertThat(read.model()).isEqualTo(tuned.model());
        assertThat(Provenance.fromJson(json, "new/provenance.json").config()).isEqualTo(tuned);
    }

    @Test
    void jsonHoldsConfigDataVersionsAndMetrics() {
        DptrainConfig config = CONFIG;
        Provenance provenance = provenance(121.9);

        Map<String, Object> json = Json.parse(provenance.toJson());

        assertThat(Instant.parse((String) json.get("createdAt"))).isBeforeOrEqualTo(Instant.now());
        Object conf = json.get("config");
        assertThat(Json.at(conf, "model", "preset")).isEqualTo("mlp");
        assertThat(Json.at(conf, "model", "mlp", "hidden")).isEqualTo(List.of(16, 8));
        assertThat(Json.number(conf, "train", "seed")).isEqualTo(1234);
        assertThat(Json.number(conf, "train", "learningRate")).isEqualTo(0.05);
        assertThat(Json.at(conf, "train", "updater")).isEqualTo("adam");
        assertThat(Json.at(conf, "engine", "mode")).isEqualTo(config.engine().mode().configName());
        assertThat(Json.number(conf, "data", "trainLimit")).isEqualTo(128);
        assertThat(json.get("trainData")).isEqualTo("/data/train.parquet");
        assertThat(json.get("testData")).isEqualTo("/data/test.parquet");
        assertThat(json.get("sparkMaster")).isEqualTo("local[1]");
        assertThat(Json.number(json, "workers")).isEqualTo(3);
        assertThat(Json.number(json, "trainRows")).isEqualTo(128);
        assertThat(Json.number(json, "testRows")).isEqualTo(10);
        assertThat(Json.number(json, "seed")).isEqualTo(1234);
        assertThat(Json.at(json, "versions", "dl4j")).isEqualTo("1.0.0-M2");
        assertThat(Json.at(json, "versions", "spark")).isEqualTo("3.5.7");
        assertThat((String) Json.at(json, "versions", "dptrain")).isNotBlank().doesNotContain("${");
        assertThat(Json.at(json, "versions", "java")).isEqualTo(System.getProperty("java.version"));
        assertThat(Json.number(json, "test", "accuracy")).isCloseTo(0.7, within(1e-9));
        assertThat(Json.number(json, "test", "examples")).isEqualTo(10);
        assertThat(Json.at(json, "test", "confusion"))
                .isEqualTo(List.of(List.of(3, 1, 0), List.of(1, 2, 1), List.of(0, 0, 2)));
        assertThat(Json.number(json, "test", "classes", 1, "recall")).isCloseTo(0.5, within(1e-9));
        assertThat(Json.number(json, "epochs", 1, "epoch")).isEqualTo(2);
        assertThat(Json.number(json, "epochs", 1, "accuracy")).isEqualTo(0.7);
        assertThat(Json.number(json, "epochs", 1, "trainMillis")).isEqualTo(2100);
        assertThat(Json.number(json, "trainMillis")).isEqualTo(2100);
        assertThat(Json.number(json, "wallMillis")).isEqualTo(3500);
        assertThat(Json.number(json, "examplesPerSecond")).isEqualTo(121.9);
    }
}
