package io.dptrain.config;

import io.dptrain.config.Choices.Preset;
import io.dptrain.config.Choices.Updater;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class ConfigLoaderTest {

    @Test
    void defaultsAreValid() {
        DptrainConfig c = ConfigLoader.defaults();
        assertThat(c.model().preset()).isEqualTo(Preset.LENET);
        assertThat(c.train().updater()).isEqualTo(Updater.ADAM);
        assertThat(c.data().classes()).isEqualTo(10);
    }

    @Test
    void fileThenOverridesLastOneWins(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run.conf");
        Files.writeString(file, "dptrain { train { epochs = 3, updater = sgd }, model.preset = mlp }\n");
        DptrainConfig c = ConfigLoader.load(file, List.of("train.epochs=7", "dptrain.model.mlp.hidden=[10, 5]",
                "spark.master=local[2]", "output.dir=/tmp/x y"));
        assertThat(c.train().epochs()).isEqualTo(7);
        assertThat(c.train().updater()).isEqualTo(Updater.SGD);
        assertThat(c.model().preset()).isEqualTo(Preset.MLP);
        assertThat(c.model().mlp().hidden()).containsExactly(10, 5);
        assertThat(c.spark().master()).isEqualTo("local[2]");
        assertThat(c.output().dir()).isEqualTo("/tmp/x y");
    }

    @Test
    void fileMayOmitTheRootWrapper(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run.conf");
        Files.writeString(file, "train.batch-size = 32\n");
        assertThat(ConfigLoader.load(file, List.of()).train().batchSize()).isEqualTo(32);
    }

    @Test
    void shippedConfigsLoad() {
        for (String name : List.of("fashion-mnist-lenet.conf", "fashion-mnist-vgg.conf")) {
            Path file = Path.of("conf", name);
            assertThat(ConfigLoader.load(file, List.of())).as(name).isNotNull();
        }
    }

    @Test
    void unknownKeyIsNamed() {
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("train.epoch=3")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown config key 'dptrain.train.epoch'")
                .hasMessageContaining("epochs");
    }

    @Test
    void unknownSectionIsNamed() {
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("trian.epochs=3")))
                .hasMessageContaining("unknown config key 'dptrain.trian.epochs'");
    }

    @Test
    void outOfRangeValuesNameKeyValueAndAllowed() {
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("train.epochs=0")))
                .hasMessage("dptrain.train.epochs must be >= 1, got 0");
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("train.learning-rate=-0.1")))
                .hasMessageContaining("dptrain.train.learning-rate must be a finite number > 0, got -0.1");
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("train.learning-rate-decay=1.5")))
                .hasMessage("dptrain.train.learning-rate-decay = 1.5 is not allowed; allowed: > 0 and <= 1"
                        + " (1 = a constant learning rate)");
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("train.learning-rate-decay=0")))
                .hasMessageContaining("dptrain.train.learning-rate-decay = 0.0 is not allowed");
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("data.classes=1")))
                .hasMessage("dptrain.data.classes must be >= 2, got 1");
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("model.vgg-mini.dropout=1.0")))
                .hasMessageContaining("dptrain.model.vgg-mini.dropout must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("model.mlp.hidden=[10, 0]")))
                .hasMessage("dptrain.model.mlp.hidden[1] must be >= 1, got 0");
    }

    @Test
    void badChoiceListsTheAllowedOnes() {
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("train.updater=rmsprop")))
                .hasMessage("dptrain.train.updater = 'rmsprop' is not allowed; allowed: sgd, nesterov, adam");
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("model.preset=resnet")))
                .hasMessageContaining("allowed: mlp, lenet, vgg-mini");
    }

    @Test
    void shardStorageIsAChoiceOfTheRoundEngines() {
        assertThat(ConfigLoader.defaults().engine().shardStorage()).isEqualTo(Choices.ShardStorage.MEMORY);
        assertThat(ConfigLoader.load(null, List.of("engine.shard-storage=memory-and-disk")).engine().shardStorage())
                .isEqualTo(Choices.ShardStorage.MEMORY_AND_DISK);
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("engine.shard-storage=MEMORY_AND_DISK_SER")))
                .hasMessage("dptrain.engine.shard-storage = 'MEMORY_AND_DISK_SER' is not allowed; allowed: memory, "
                        + "memory-and-disk, disk");
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("engine.mode=single-process",
                "engine.shard-storage=disk")))
                .hasMessageStartingWith("dptrain.engine.shard-storage = disk is not allowed with dptrain.engine.mode "
                        + "= single-process; allowed: memory, or engine.mode = parameter-averaging or "
                        + "gradient-averaging");
    }

    @Test
    void wrongTypeNamesTheKey() {
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("train.epochs=many")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dptrain.train.epochs = \"many\" has the wrong type: expected number");
    }

    @Test
    void malformedOverrideAndMissingFile() {
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("epochs")))
                .hasMessageContaining("must have the form key=value");
        assertThatThrownBy(() -> ConfigLoader.load(Path.of("no/such.conf"), List.of()))
                .hasMessageContaining("no/such.conf does not exist");
    }

    @Test
    void settingsNameEveryKeyWithItsValue() {
        DptrainConfig c = ConfigLoader.load(null, List.of("model.preset=mlp", "model.mlp.hidden=[16, 8]",
                "train.learning-rate=0.05", "engine.mode=gradient-averaging", "output.report=false"));

        assertThat(c.settings().keySet()).containsExactlyElementsOf(ConfigLoader.knownKeys());
        assertThat(c.settings()).containsEntry("dptrain.model.preset", "mlp")
                .containsEntry("dptrain.model.mlp.hidden", "[16,8]")
                .containsEntry("dptrain.train.learning-rate", "0.05")
                .containsEntry("dptrain.engine.mode", "gradient-averaging")
                .containsEntry("dptrain.model.lenet.conv1-filters", "20")
                .containsEntry("dptrain.output.report", "false")
                .containsEntry("dptrain.checkpoint.dir", "\"\"");
    }

    @Test
    void everyKeyIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("docs", "CONFIG.md"));
        for (String key : ConfigLoader.knownKeys()) {
            assertThat(doc).as("docs/CONFIG.md documents " + key).contains("`" + key + "`");
        }
    }
}
