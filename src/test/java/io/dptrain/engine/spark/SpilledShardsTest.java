package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import io.dptrain.data.text.LabeledTexts;
import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.Vocabulary;
import io.dptrain.engine.Shards;
import io.dptrain.engine.TrainingData;
import io.dptrain.config.Choices.ShardStorage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spilled shards ({@code engine.shard-storage} memory-and-disk, disk) train exactly what in-memory shards
 * train: the same minibatches in the same order, so the same parameters bit for bit, with every example
 * used once per epoch. The layouts are chosen to reach the edges: shards one minibatch apart (a shard runs
 * out in the epoch's last round, whose partition then holds no block), shards of more than
 * {@link Shards#MAX_BLOCKS_PER_SHARD} minibatches, whose blocks hold two minibatches each, and token
 * sequences trained with truncated BPTT (per-step labels made from each decoded minibatch).
 */
@Tag("spark")
@Timeout(300)
class SpilledShardsTest extends LocalSparkTest {

    private static DptrainConfig config(String storage, String... more) {
        List<String> settings = new ArrayList<>(List.of("model.preset=lenet", "model.lenet.conv1-filters=4",
                "model.lenet.conv2-filters=8", "model.lenet.dense=32", "train.epochs=2",
                "engine.shard-storage=" + storage));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    private static TrainingResult fit(DptrainConfig config) {
        return new SparkTrainer(spark(), config).fit(ImageTable.fromImages(spark(), Fixtures.train()));
    }

    @Test
    void parameterAveragingOnSpilledShardsEqualsInMemoryShards() {
        // 590 rows over 3 shards: 197, 197, 196 rows = 29, 29, 28 minibatches of 7; k = 3: 10 rounds per epoch.
        String[] run = {"engine.mode=parameter-averaging", "engine.workers=3", "engine.local-steps=3",
            "train.batch-size=7", "data.train-limit=590"};
        TrainingResult memory = fit(config("memory", run));
        for (String storage : List.of("memory-and-disk", "disk")) {
            TrainingResult spilled = fit(config(storage, run));
            assertThat(spilled.rounds()).as(storage).hasSize(20);
            assertThat(examplesPerEpoch(spilled)).as(storage).containsExactly(590L, 590L);
            assertThat(spilled.model().params()).as(storage).isEqualTo(memory.model().params());
        }
    }

    @Test
    void gradientAveragingOnBlocksOfSeveralMinibatchesEqualsInMemoryShards() {
        // 2 shards of 300 minibatches of 1: more than MAX_BLOCKS_PER_SHARD, so blocks of 2 minibatches.
        String[] run = {"model.preset=mlp", "model.mlp.hidden=[16]", "engine.mode=gradient-averaging",
            "engine.workers=2", "train.batch-size=1", "train.epochs=1", "data.train-limit=600"};
        TrainingResult memory = fit(config("memory", run));
        TrainingResult spilled = fit(config("disk", run));
        assertThat(examplesPerEpoch(spilled)).containsExactly(600L);
        INDArray expected = memory.model().params();
        assertThat(spilled.model().params()).isEqualTo(expected);
    }

    @Test
    void truncatedBpttTextOnSpilledShardsEqualsInMemoryShards() {
        // Token sequences (int ids) decoded per minibatch, then turned into per-step labels (tbptt-length > 0).
        LabeledTexts labeled = TextTable.fromTable(TextDistributedEqualsLocalTest.texts(), "text", "label");
        Vocabulary vocabulary = Vocabulary.build(labeled, 50, 1);
        Dataset<Row> table = TextTable.prepare(labeled, vocabulary, 12).table();
        List<String> run = List.of("model.preset=lstm", "model.lstm.embedding-size=4", "model.lstm.hidden-size=5",
                "model.lstm.tbptt-length=4", "data.classes=2", "data.max-length=12",
                "data.vocabulary-size=" + vocabulary.size(), "train.batch-size=6", "train.epochs=1",
                "engine.mode=parameter-averaging", "engine.local-steps=2", "engine.workers=2");
        INDArray memory = new SparkTrainer(spark(), config("memory", run.toArray(String[]::new))).fit(table)
                .model().params();
        TrainingResult spilled = new SparkTrainer(spark(), config("memory-and-disk", run.toArray(String[]::new)))
                .fit(table);
        assertThat(examplesPerEpoch(spilled)).containsExactly(160L);
        assertThat(spilled.model().params()).isEqualTo(memory);
    }

    @Test
    void blocksAreCutAtMinibatchBoundariesAndCoverEveryRowOnce() {
        DptrainConfig config = config("disk", "engine.workers=2", "data.train-limit=600");
        Dataset<Row> table = TrainingData.checked(ImageTable.fromImages(spark(), Fixtures.train()), config);
        Shards shards = Shards.build(table, 2, TrainingData.codec(table, config), 42, ShardStorage.DISK, 1);
        try {
            assertThat(shards.spills()).isTrue();
            assertThat(shards.batchesPerBlock()).isEqualTo(2); // 300 minibatches per shard > 256 blocks
            assertThat(shards.examples()).isEqualTo(600);
            // Round 0 of epoch 1, 5 minibatches per round: each shard's partition holds exactly their blocks.
            List<List<Integer>> firstBatches = shards.roundBlocks(1, 0, 5)
                    .glom().map(blocks -> blocks.stream().map(b -> b.firstBatch()).toList()).collect();
            assertThat(firstBatches).hasSize(2);
            for (int shard = 0; shard < 2; shard++) {
                int[] order = Shards.batchOrder(42, 300, 1);
                List<Integer> expected = java.util.stream.IntStream.range(0, 5).map(p -> order[p] / 2 * 2)
                        .distinct().boxed().toList();
                assertThat(firstBatches.get(shard)).as("shard " + shard).isEqualTo(expected);
            }
        } finally {
            shards.release();
        }
    }

    private static List<Long> examplesPerEpoch(TrainingResult result) {
        List<Long> perEpoch = new ArrayList<>();
        for (RoundMetrics m : result.rounds()) {
            while (perEpoch.size() < m.epoch()) {
                perEpoch.add(0L);
            }
            perEpoch.set(m.epoch() - 1, perEpoch.get(m.epoch() - 1) + m.examples());
        }
        return perEpoch;
    }
}
