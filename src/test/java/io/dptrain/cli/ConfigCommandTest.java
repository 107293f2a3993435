package io.dptrain.cli;

import static io.dptrain.cli.CommandOutcome.dptrain;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code dptrain config get}: what the jobs/ scripts read instead of scraping the .conf files. */
@Tag("unit")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigCommandTest {

    @TempDir
    Path tmp;

    @Test
    void printsEachResolvedValueOnALineOfItsOwn() throws IOException {
        Path conf = Files.writeString(tmp.resolve("job.conf"), """
                dptrain {
                  train { epochs = 7, batch-size = 16 }
                  model.mlp.hidden = [32, 8]
                }
                """);

        CommandOutcome o = dptrain("config", "get", "train.epochs", "dptrain.train.batch-size", "model.mlp.hidden",
                "data.vocabulary", "spark.master", "--conf", conf.toString(), "--set", "spark.master=local[3]",
                "--set", "train.epochs=9");

        assertThat(o.code()).as(o.toString()).isZero();
        // --set wins over the file, the file over the defaults; an empty string is an empty line
        assertThat(o.out()).isEqualTo(String.join(System.lineSeparator(), "9", "16", "[32,8]", "", "local[3]", ""));
        assertThat(o.err()).isEmpty();
    }

    @Test
    void withoutAFileItPrintsTheDefaults() {
        CommandOutcome o = dptrain("config", "get", "train.seed", "engine.mode");

        assertThat(o.code()).as(o.toString()).isZero();
        assertThat(o.out().lines()).containsExactly("42", "parameter-averaging");
    }

    @Test
    void anUnknownKeyOrASectionIsBadUsageNamingIt() {
        CommandOutcome unknown = dptrain("config", "get", "train.epochs", "train.epoch");
        CommandOutcome section = dptrain("config", "get", "train");

        assertThat(unknown.code()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.out()).as("nothing printed for the good key either").isEmpty();
        assertThat(unknown.err()).contains("unknown config key 'train.epoch'");
        assertThat(section.code()).as(section.toString()).isEqualTo(2);
        assertThat(section.err()).contains("'train' is a section").contains("train.epochs");
    }

    @Test
    void anInvalidConfigurationIsAnErrorAsForTrain() {
        CommandOutcome badValue = dptrain("config", "get", "train.epochs", "--set", "train.epochs=0");
        CommandOutcome noKey = dptrain("config", "get");

        assertThat(badValue.code()).as(badValue.toString()).isEqualTo(2);
        assertThat(badValue.err()).contains("dptrain.train.epochs");
        assertThat(noKey.code()).as(noKey.toString()).isEqualTo(2);
        assertThat(noKey.err()).contains("KEY");
    }
}
