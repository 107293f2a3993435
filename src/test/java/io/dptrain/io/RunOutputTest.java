package io.dptrain.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.model.Networks;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.EvaluationReport;
import io.dptrain.report.KnownEvaluation;
import io.dptrain.report.Provenance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunOutputTest {

    private static final String METRICS = "{\"round\":1}\n{\"round\":2}\n";

    @TempDir
    Path tmp;

    private final RunOutput output = new RunOutput(new Configuration());
    private MultiLayerNetwork net;
    private Provenance provenance;

    /** A tiny mlp after two Adam steps, so parameters and updater state are both non-trivial. */
    @BeforeEach
    void trainedNetwork() {
        DptrainConfig config = ConfigLoader.load(null, List.of("model.preset=mlp", "model.mlp.hidden=[5]",
                "data.height=4", "data.width=4", "data.classes=3"));
        net = Networks.create(config);
        Nd4j.getRandom().setSeed(11);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 8, 16),
                Nd4j.eye(3).getRows(0, 1, 2, 0, 1, 2, 0, 1).castTo(DataType.FLOAT));
        net.fit(batch);
        net.fit(batch);
        provenance = Provenance.of(config, "local[1]", 1, 8, 10, EvaluationReport.of(KnownEvaluation.of(3)),
                List.of(new EpochEvaluation.Point(1, 0.7, 1234)), 1234, 2345, 6.5);
    }

    private static List<String> hiddenTemporaries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") && n.contains(".tmp-"))
                    .toList();
        }
    }

    @Test
    void writesTheThreeFilesAndTheModelLoadsBackEqual() throws IOException {
        Path run = tmp.resolve("run");

        output.write(run.toString(), false, net, provenance, METRICS);

        assertThat(run.resolve(RunOutput.MODEL)).isRegularFile();
        assertThat(run.resolve(RunOutput.PROVENANCE)).content(StandardCharsets.UTF_8).isEqualTo(provenance.toJson());
        assertThat(run.resolve(RunOutput.METRICS)).content(StandardCharsets.UTF_8).isEqualTo(METRICS);
        for (String path : List.of(run.toString(), run.resolve(RunOutput.MODEL).toString(), run.toUri().toString())) {
            MultiLayerNetwork back = output.loadModel(path);
            assertThat(back.params().toFloatVector()).as(path).containsExactly(net.params().toFloatVector());
            assertThat(back.getUpdater().getStateViewArray().toFloatVector()).as("updater state from " + path)
                    .containsExactly(net.getUpdater().getStateViewArray().toFloatVector());
            assertThat(back.getLayerWiseConfigurations()).isEqualTo(net.getLayerWiseConfigurations());
        }
        assertThat(hiddenTemporaries(tmp)).isEmpty();
    }

    @Test
    void anExistingFolderIsKeptWithoutOverwrite() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("old.txt"), "old run");

        assertThatThrownBy(() -> output.write(run.toString(), false, net, provenance, METRICS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(run.toString())
                .hasMessageContaining("dptrain.output.overwrite");
        try (Stream<Path> files = Files.list(run)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("old.txt");
        }
        assertThat(run.resolve("old.txt")).content().isEqualTo("old run");
        assertThat(hiddenTemporaries(tmp)).isEmpty();
    }

    @Test
    void overwriteReplacesTheWholeFolder() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("old.txt"), "old run");

        output.write(run.toString(), true, net, provenance, METRICS);

        assertThat(run.resolve("old.txt")).doesNotExist();
        assertThat(run.resolve(RunOutput.MODEL)).isRegularFile();
        assertThat(output.loadModel(run.toString()).params().toFloatVector())
                .containsExactly(net.params().toFloatVector());
        assertThat(hiddenTemporaries(tmp)).isEmpty();
    }

    @Test
    void aFailedWriteLeavesNeitherOutputNorTemporaryFolder() throws IOException {
        Path run = tmp.resolve("run");

        // The metrics text is written after the model: failing there leaves a half-written folder behind.
        assertThatThrownBy(() -> output.write(run.toString(), false, net, provenance, null))
                .isInstanceOf(RuntimeException.class);

        assertThat(run).doesNotExist();
        assertThat(hiddenTemporaries(tmp)).isEmpty();
    }

    @Test
    void loadingAMissingModelSaysThereIsNone() {
        Path missing = tmp.resolve("nope");

        assertThatThrownBy(() -> output.loadModel(missing.toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no model at").hasMessageContaining(missing.toString());
    }

    @Test
    void loadingAFolderWithoutModelNamesTheModelFile() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty-run"));

        assertThatThrownBy(() -> output.loadModel(empty.toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no model at").hasMessageContaining(empty.resolve(RunOutput.MODEL).toString());
    }

    @Test
    void loadingAFileThatIsNotAModelZipSaysSo() throws IOException {
        Path text = Files.writeString(tmp.resolve("model.zip"), "not a zip at all");

        assertThatThrownBy(() -> output.loadModel(text.toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read a DL4J model from").hasMessageContaining(text.toString());
    }
}
