package io.dptrain.ml;

import static org.assertj.core.api.Assertions.assertThat;

import io.dptrain.config.ConfigLoader;
import io.dptrain.data.ImageShape;
import io.dptrain.model.Networks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/CONFIG.md's "Spark ML Params" tables are the code's Params: every Param of both classes,
 * with its default and its doc, as Spark's {@code explainParams} would give them. On a mismatch the
 * failure message holds the table to paste.
 */
@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MlParamsDocTest {

    @Test
    void configMdListsEveryParamOfTheEstimatorWithItsDefaultAndDoc() throws Exception {
        assertDocumented(new DptrainClassifier("dptrainClassifier_doc"));
    }

    @Test
    void configMdListsEveryParamOfTheModelWithItsDefaultAndDoc() throws Exception {
        var net = Networks.create(ConfigLoader.load(null, List.of("model.preset=mlp", "model.mlp.hidden=[4]",
                "data.height=2", "data.width=2", "data.classes=2")));
        assertDocumented(new DptrainClassificationModel("dptrainClassifier_doc", net,
                new ModelInput.Images(new ImageShape(2, 2, 1, 2), 255), List.of("0", "1")));
    }

    @Test
    void typedTrainingSettingsDefaultToReferenceConf() {
        DptrainClassifier classifier = new DptrainClassifier();

        assertThat(classifier.getOrDefault(classifier.epochs())).isEqualTo(ConfigLoader.defaults().train().epochs());
        assertThat(classifier.getOrDefault(classifier.learningRate()))
                .isEqualTo(ConfigLoader.defaults().train().learningRate());
        assertThat(classifier.getOrDefault(classifier.engineMode()))
                .isEqualTo(ConfigLoader.defaults().engine().mode().configName());
        assertThat(classifier.getOrDefault(classifier.seed())).isEqualTo(ConfigLoader.defaults().train().seed());
    }

    private static void assertDocumented(Params params) throws Exception {
        String doc = Files.readString(Path.of("docs", "CONFIG.md"));
        String table = table(params);
        List<String> missing = table.lines().filter(row -> !doc.contains(row)).toList();
        assertThat(missing).as("rows of docs/CONFIG.md's table for %s missing or different; the table:%n%s",
                params.getClass().getSimpleName(), table).isEmpty();
    }

    /** One markdown row per Param: name, default, doc. */
    static String table(Params params) {
        return java.util.Arrays.stream(params.params())
                .map(p -> "| `" + p.name() + "` | " + defaultOf(params, p) + " | " + p.doc().replace("|", "\\|") + " |")
                .collect(Collectors.joining("\n"));
    }

    private static String defaultOf(Params params, Param<?> p) {
        if (!params.hasDefault(p)) {
            return "(none)";
        }
        Object value = params.getDefault(p).get();
        return "`" + (value instanceof String s ? "\"" + s + "\"" : value) + "`";
    }
}
