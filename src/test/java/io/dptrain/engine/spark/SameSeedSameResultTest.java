package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import io.dptrain.data.LabeledImages;
import io.dptrain.engine.Shards;
import io.dptrain.engine.TrainingData;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Same table, same seed, same result: which rows {@code data.train-limit} keeps and how they are laid
 * out in shards depend on the rows and the seed, not on how the table is partitioned or ordered.
 */
@Timeout(300)
class SameSeedSameResultTest extends LocalSparkTest {

    private static DptrainConfig config(int limit, long seed) {
        return ConfigLoader.load(null, List.of("model.preset=mlp", "model.mlp.hidden=[16]", "model.data-type=double",
                "train.updater=adam", "train.learning-rate=0.002", "train.batch-size=8", "train.epochs=1",
                "train.seed=" + seed, "engine.mode=parameter-averaging", "engine.workers=2",
                "engine.local-steps=2", "data.train-limit=" + limit));
    }

    /** The fixture's 600 rows shuffled (by {@code shuffle}) into {@code partitions} partitions. */
    private static Dataset<Row> table(long shuffle, int partitions) {
        return ImageTable.fromImages(spark(), Fixtures.train()).orderBy(functions.rand(shuffle)).repartition(partitions);
    }

    @Test
    void aLimitedRunTrainsOnTheSameRowsHoweverTheTableIsPartitioned() {
        Dataset<Row> one = table(1, 1);
        Dataset<Row> three = table(2, 3);
        assertThat(labels(one)).as("the two tables' read orders differ").isNotEqualTo(labels(three));
        assertThat(labels(one.limit(200))).as("an unordered limit keeps different rows")
                .isNotEqualTo(labels(three.limit(200)));

        TrainingResult onOne = new SparkTrainer(spark(), config(200, 42)).fit(one);
        TrainingResult onThree = new SparkTrainer(spark(), config(200, 42)).fit(three);

        assertThat(onOne.plan().examplesPerEpoch()).isEqualTo(200);
        assertThat(onOne.rounds().stream().map(RoundMetrics::loss).toList())
                .isEqualTo(onThree.rounds().stream().map(RoundMetrics::loss).toList());
        assertThat(onOne.model().params()).isEqualTo(onThree.model().params());
    }

    @Test
    void shardsAreTheSameHoweverTheTableIsPartitionedWithAndWithoutALimit() {
        for (int limit : new int[]{0, 200}) {
            DptrainConfig config = config(limit, 42);
            assertThat(shardContents(table(3, 1), config)).as("limit " + limit)
                    .isEqualTo(shardContents(table(4, 3), config));
        }
    }

    @Test
    void theLimitIsASeededSample() {
        List<String> seed42 = shardContents(table(5, 2), config(200, 42));
        List<String> seed43 = shardContents(table(5, 2), config(200, 43));
        assertThat(seed42).isNotEqualTo(seed43);
    }

    /** Each shard's examples in order, as label:pixel-hash strings. */
    private static List<String> shardContents(Dataset<Row> table, DptrainConfig config) {
        Dataset<Row> limited = TrainingData.checked(table, config);
        Shards shards = Shards.build(limited, 2, TrainingData.codec(limited, config), config.train().seed());
        try {
            return shards.collect().stream().map(s -> {
                LabeledImages images = (LabeledImages) s.examples();
                StringBuilder b = new StringBuilder("shard " + s.index() + ":");
                for (int i = 0; i < images.count(); i++) {
                    LabeledImages one = images.slice(i, i + 1);
                    b.append(' ').append(one.labels()[0]).append(':').append(java.util.Arrays.hashCode(one.pixels()));
                }
                return b.toString();
            }).toList();
        } finally {
            shards.release();
        }
    }

    private static List<Integer> labels(Dataset<Row> table) {
        return table.select(ImageTable.LABEL).collectAsList().stream().map(r -> r.getInt(0)).toList();
    }
}
