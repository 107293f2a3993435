package io.dptrain.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The spellings of every choice, pinned: they come from the constants' names (see {@link Named}), so
 * renaming a constant would silently rename a setting that users' .conf files and saved models use.
 */
@Tag("unit")
@Timeout(10)
class ChoicesTest {

    private static final Map<Class<? extends Named>, List<String>> SPELLINGS = Map.ofEntries(
            Map.entry(Choices.Preset.class, List.of("mlp", "lenet", "vgg-mini", "rnn", "lstm")),
            Map.entry(Choices.Precision.class, List.of("float", "double")),
            Map.entry(Choices.SequencePooling.class, List.of("last", "max", "avg")),
            Map.entry(Choices.Activation.class, List.of("sigmoid", "relu", "tanh")),
            Map.entry(Choices.Updater.class, List.of("sgd", "nesterov", "adam")),
            Map.entry(Choices.Clipping.class, List.of("none", "clip-value", "clip-l2-norm")),
            Map.entry(Choices.Loss.class, List.of("mcxent", "negative-log-likelihood", "mse")),
            Map.entry(Choices.UpdaterState.class, List.of("averaged", "per-replica")),
            Map.entry(Choices.EngineMode.class, List.of("parameter-averaging", "gradient-averaging", "single-process",
                    "dl4j-spark")),
            Map.entry(Choices.OuterOptimizer.class, List.of("none", "momentum", "nesterov")),
            Map.entry(Choices.Exchange.class, List.of("float32", "float16", "bfloat16")),
            Map.entry(Choices.ShardStorage.class, List.of("memory", "memory-and-disk", "disk")),
            Map.entry(Choices.LearningRateScaling.class, List.of("none", "linear", "sqrt")));

    @Test
    void everyChoiceIsSpelledAsInTheConfFiles() {
        assertThat(Choices.class.getDeclaredClasses()).hasSize(SPELLINGS.size());
        SPELLINGS.forEach((type, names) -> assertThat(Arrays.stream(type.getEnumConstants()).map(Named::configName))
                .as(type.getSimpleName()).containsExactlyElementsOf(names));
    }

    @Test
    void jsonWritesTheConfigName() throws Exception {
        assertThat(new ObjectMapper().writeValueAsString(Choices.Clipping.CLIP_L2_NORM)).isEqualTo("\"clip-l2-norm\"");
    }

    @Test
    void oneOfParsesTheSpellingAndNamesTheAllowedValues() {
        assertThat(Check.oneOf("dptrain.engine.mode", "dl4j-spark", Choices.EngineMode.class))
                .isEqualTo(Choices.EngineMode.DL4J_SPARK);
        assertThatThrownBy(() -> Check.oneOf("dptrain.train.loss", "NEGATIVE_LOG_LIKELIHOOD", Choices.Loss.class))
                .isInstanceOf(ConfigException.class)
                .hasMessage("dptrain.train.loss = 'NEGATIVE_LOG_LIKELIHOOD' is not allowed; allowed: mcxent, "
                        + "negative-log-likelihood, mse");
    }
}
