package io.dptrain.engine.spark;

import static io.dptrain.NdArrays.maxAbsDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigException;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import io.dptrain.job.TrainJob;
import io.dptrain.model.Networks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * engine.communication-only: the rounds of a real run (same count, examples, bytes broadcast and sent)
 * with the replicas' compute left out, so the network stays where it started and a round's time is
 * communication. What the cost model (jobs/bench-scale.sh) measures.
 */
@Tag("spark")
@Timeout(300)
class CommunicationOnlyTest extends LocalSparkTest {
    @TempDir
    Path tmp;

    private static DptrainConfig config(String mode, String exchange, boolean communicationOnly, String... more) {
        List<String> settings = new ArrayList<>(List.of("model.preset=mlp", "model.mlp.hidden=[32]",
                "train.updater=adam", "train.batch-size=8", "train.epochs=1", "engine.mode=" + mode,
                "engine.workers=2", "engine.local-steps=2", "data.train-limit=160", "train.progress-every=0",
                "engine.exchange=" + exchange, "engine.communication-only=" + communicationOnly));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    private static TrainingResult train(DptrainConfig config) {
        return new SparkTrainer(spark(), config).fit(ImageTable.fromImages(spark(), Fixtures.train()));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"parameter-averaging, float32", "parameter-averaging, float16", "gradient-averaging, float32",
        "gradient-averaging, float16"})
    void roundsKeepTheirShapeAndTrafficButTheNetworkDoesNotMove(String mode, String exchange) {
        TrainingResult real = train(config(mode, exchange, false));
        TrainingResult idle = train(config(mode, exchange, true));

        assertThat(idle.rounds()).hasSameSizeAs(real.rounds());
        assertThat(idle.rounds()).extracting(RoundMetrics::examples)
                .containsExactlyElementsOf(real.rounds().stream().map(RoundMetrics::examples).toList());
        assertThat(idle.rounds()).extracting(RoundMetrics::bytesBroadcast)
                .containsExactlyElementsOf(real.rounds().stream().map(RoundMetrics::bytesBroadcast).toList());
        assertThat(idle.rounds()).extracting(RoundMetrics::bytesAggregated)
                .containsExactlyElementsOf(real.rounds().stream().map(RoundMetrics::bytesAggregated).toList());
        assertThat(idle.rounds()).allSatisfy(r -> assertThat(r.loss()).isZero());
        INDArray initial = Networks.create(config(mode, exchange, true)).params();
        // Averaging unchanged parameters in float32 (weighted by examples) may round in the last bit.
        assertThat(maxAbsDifference(idle.model().params(), initial))
                .as("no forward or backward pass: the parameters are the initial ones").isLessThan(1e-6);
        assertThat(maxAbsDifference(real.model().params(), initial)).as("the real run learns").isGreaterThan(1e-3);
    }

    @Test
    void aJobEvaluatesTheTestTableOnceNotEveryEpoch() {
        String table = tmp.resolve("table.parquet").toString();
        ImageTable.fromImages(spark(), Fixtures.train()).write().parquet(table);
        DptrainConfig idle = jobConfig(true, table);
        DptrainConfig real = jobConfig(false, table);

        TrainJob.Result result = TrainJob.run(spark(), idle);

        assertThat(result.training().rounds()).hasSize(3 * 10); // 160 rows of 2 x 8 a round, three epochs
        assertThat(result.provenance().epochs()).as("the untrained network is not evaluated per epoch").isEmpty();
        assertThat(result.provenance().test()).as("the final evaluation").isNotNull();
        assertThat(TrainJob.run(spark(), real).provenance().epochs()).as("a real run's epochs are").hasSize(3);
    }

    /** Three epochs through the job, with the table as training and test table. */
    private DptrainConfig jobConfig(boolean communicationOnly, String table) {
        return config("gradient-averaging", "float32", communicationOnly, "data.train=" + table, "data.test=" + table,
                "train.epochs=3", "output.report=false", "output.dir=" + tmp.resolve("out-" + communicationOnly));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"single-process", "dl4j-spark"})
    void otherEnginesRejectIt(String mode) {
        assertThatThrownBy(() -> config(mode, "float32", true))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dptrain.engine.communication-only = true is not allowed with dptrain.engine.mode = "
                        + mode);
    }
}
