package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.data.LabeledImages;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad input to the round engine gets a clear error before any round runs. */
@Timeout(120)
class SparkTrainerInputTest extends LocalSparkTest {

    private static DptrainConfig config(String... more) {
        List<String> settings = new java.util.ArrayList<>(List.of("model.preset=mlp", "model.mlp.hidden=[8]",
                "train.batch-size=4", "train.epochs=1", "engine.mode=gradient-averaging", "engine.workers=2"));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    @Test
    void emptyTableIsRejected() {
        Dataset<Row> empty = ImageTable.fromImages(spark(), Fixtures.train()).limit(0);
        assertThatThrownBy(() -> new SparkTrainer(spark(), config()).fit(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the training table is empty");
    }

    @Test
    void moreWorkersThanRowsIsRejected() {
        Dataset<Row> three = ImageTable.fromImages(spark(), Fixtures.train().slice(0, 3));
        assertThatThrownBy(() -> new SparkTrainer(spark(), config("engine.workers=4")).fit(three))
                .hasMessageContaining("dptrain.engine.workers = 4 is more than the 3 training rows");
    }

    @Test
    void wrongColumnTypesAreRejected() {
        StructType schema = new StructType().add("label", DataTypes.StringType).add("pixels", DataTypes.StringType);
        Dataset<Row> wrong = spark().createDataFrame(List.of(RowFactory.create("shirt", "0,0,0")), schema);
        assertThatThrownBy(() -> new SparkTrainer(spark(), config()).fit(wrong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label");
    }

    @Test
    void shapeDifferentFromTheConfigIsRejected() {
        LabeledImages small = new LabeledImages(new ImageShape(2, 2, 1, 10), new byte[8], new int[]{1, 2});
        Dataset<Row> table = ImageTable.fromImages(spark(), small);
        assertThatThrownBy(() -> new SparkTrainer(spark(), config()).fit(table))
                .hasMessageContaining("has shape")
                .hasMessageContaining("height=2")
                .hasMessageContaining("height=28");
    }

    @Test
    void localStepsBelowOneIsRejected() {
        assertThatThrownBy(() -> config("engine.mode=parameter-averaging", "engine.local-steps=0"))
                .hasMessage("dptrain.engine.local-steps must be >= 1, got 0");
    }

    @Test
    void unevenShardsKeepEveryRowAndTheShortLastBatch() {
        // 203 rows on 2 workers: shards of 102 and 101 rows, 26 batches of 4 each (last ones 2 and 1 rows)
        DptrainConfig config = config("data.train-limit=203");
        Dataset<Row> table = ImageTable.fromImages(spark(), Fixtures.train());
        io.dptrain.TrainingResult result = new SparkTrainer(spark(), config).fit(table);
        assertThat(result.plan().examplesPerEpoch()).isEqualTo(203);
        assertThat(result.plan().roundsPerEpoch()).isEqualTo(26);
        assertThat(result.rounds().stream().mapToLong(io.dptrain.RoundMetrics::examples).sum()).isEqualTo(203);
        assertThat(result.rounds()).allSatisfy(r -> assertThat(r.bytesBroadcast()).isPositive());
    }
}
