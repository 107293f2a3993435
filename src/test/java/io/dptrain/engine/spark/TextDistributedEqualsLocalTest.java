package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.text.LabeledTexts;
import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.TokenSequences;
import io.dptrain.data.text.Vocabulary;
import io.dptrain.engine.Shard;
import io.dptrain.engine.Shards;
import io.dptrain.engine.SingleProcessTrainer;
import io.dptrain.engine.TrainingData;
import io.dptrain.model.Networks;
import io.dptrain.model.SequenceOutputs;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.dptrain.engine.spark.DistributedEqualsLocalTest.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The central proof for sequences: gradient averaging with 2 workers of batch b equals
 * single-process training at batch 2b for the LSTM, on texts of variable length
 * (1 to 14 words, padded to 12 or cut) whose padding is masked.
 */
@Timeout(300)
class TextDistributedEqualsLocalTest extends LocalSparkTest {
    private static final int BATCH = 4;
    private static final int ROWS = 160; // 2 shards x 20 batches of 4
    private static final int MAX_LENGTH = 12;
    private static final String[] WORDS = {"cheap", "pills", "now", "meeting", "noon", "team", "offer", "free",
        "click", "report", "agenda", "win", "money", "notes", "lunch", "urgent"};

    /** Texts of 1..14 seeded random words; class 1 when the text holds more "spam" words than not. */
    static Dataset<Row> texts() {
        SplittableRandom random = new SplittableRandom(7);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            int length = 1 + random.nextInt(14);
            StringBuilder text = new StringBuilder();
            int spammy = 0;
            for (int w = 0; w < length; w++) {
                int word = random.nextInt(WORDS.length);
                spammy += word % 3 == 0 ? 1 : 0;
                text.append(WORDS[word]).append(' ');
            }
            rows.add(RowFactory.create(text.toString().trim(), spammy * 3 > length ? "spam" : "ham"));
        }
        StructType schema = new StructType().add("text", DataTypes.StringType).add("label", DataTypes.StringType);
        return spark().createDataFrame(rows, schema);
    }

    /**
     * Trains on the shards under a run id of its own and drops the run's replicas afterwards, as {@code fit} does
     * (local[2] tasks run in this JVM): a replica cached under a reused run id would hold another case's network.
     */
    private static TrainingResult trainOnShards(DptrainConfig config, Shards shards) {
        String runId = "text-" + System.nanoTime();
        try {
            return new SparkTrainer(spark(), config).train(JavaSparkContext.fromSparkContext(spark().sparkContext()),
                    SyncStrategy.of(config), shards, runId);
        } finally {
            ReplicaCache.release(runId);
        }
    }

    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource({"lstm, double, 1e-5", "rnn, double, 1e-5"})
    void gradientAveragingWithTwoWorkersEqualsSingleProcessAtDoubleBatch(String preset, String precision,
                                                                         double tolerance) {
        LabeledTexts labeled = TextTable.fromTable(texts(), "text", "label");
        Vocabulary vocabulary = Vocabulary.build(labeled, 50, 1);
        Dataset<Row> table = TextTable.prepare(labeled, vocabulary, MAX_LENGTH).table();
        DptrainConfig config = ConfigLoader.load(null, List.of("model.preset=" + preset, "model.data-type=" + precision,
                "model.lstm.embedding-size=4", "model.lstm.hidden-size=5", "model.rnn.embedding-size=4",
                "model.rnn.hidden-size=5", "data.classes=2", "data.max-length=" + MAX_LENGTH,
                "data.vocabulary-size=" + vocabulary.size(), "train.updater=adam", "train.learning-rate=0.01",
                "train.batch-size=" + BATCH, "train.epochs=1", "engine.mode=gradient-averaging", "engine.workers=2"));

        Shards shards = Shards.build(table, 2, TrainingData.codec(table, config), config.train().seed());
        try {
            List<Shard> content = shards.collect();
            int[] lengths = java.util.Arrays.stream(((TokenSequences) content.get(0).examples()).tokens())
                    .mapToInt(t -> t.length).toArray();
            assertThat(lengths).as("variable lengths before padding").contains(1, MAX_LENGTH);
            DataType dataType = Networks.dataType(config);
            List<DataSet> first = content.get(0).examples().minibatches(BATCH, dataType);
            List<DataSet> second = content.get(1).examples().minibatches(BATCH, dataType);
            assertThat(first).hasSize(20);
            assertThat(first.get(0).getFeaturesMaskArray()).as("padding is masked").isNotNull();
            List<DataSet> merged = new ArrayList<>();
            for (int j = 0; j < first.size(); j++) {
                merged.add(DataSet.merge(List.of(first.get(j), second.get(j))));
            }

            TrainingResult distributed = trainOnShards(config, shards);
            TrainingResult local = new SingleProcessTrainer(config).fit(merged, ROWS);

            assertThat(distributed.rounds()).hasSize(20);
            assertClose(distributed.model().params(), local.model().params(), tolerance);
            assertThat(DistributedEqualsLocalTest.relativeDifference(distributed.model().params(),
                    Networks.create(config).params())).as("training moved the parameters").isGreaterThan(1e-3);
        } finally {
            shards.release();
        }
    }

    /**
     * Truncated BPTT in the parameter-averaging engine: one worker taking k = 3 local steps per round trains
     * exactly as single-process on the same per-step batches (DL4J's fit runs the segments in both, and the
     * driver's iteration count follows the updater steps, one per segment, for Adam's bias correction).
     */
    @Test
    void truncatedBpttParameterAveragingWithOneWorkerEqualsSingleProcess() {
        LabeledTexts labeled = TextTable.fromTable(texts(), "text", "label");
        Vocabulary vocabulary = Vocabulary.build(labeled, 50, 1);
        Dataset<Row> table = TextTable.prepare(labeled, vocabulary, MAX_LENGTH).table();
        DptrainConfig config = ConfigLoader.load(null, List.of("model.preset=lstm", "model.data-type=double",
                "model.lstm.embedding-size=4", "model.lstm.hidden-size=5", "model.lstm.tbptt-length=4",
                "data.classes=2", "data.max-length=" + MAX_LENGTH, "data.vocabulary-size=" + vocabulary.size(),
                "train.updater=adam", "train.learning-rate=0.01", "train.batch-size=" + BATCH, "train.epochs=2",
                "engine.mode=parameter-averaging", "engine.workers=1", "engine.local-steps=3"));

        Shards shards = Shards.build(table, 1, TrainingData.codec(table, config), config.train().seed());
        try {
            List<DataSet> batches = SequenceOutputs.forTraining(
                    shards.collect().get(0).examples().minibatches(BATCH, Networks.dataType(config)), config);
            assertThat(batches.get(0).getLabels().rank()).as("per-step labels").isEqualTo(3);

            TrainingResult distributed = trainOnShards(config, shards);
            TrainingResult local = new SingleProcessTrainer(config).fit(batches, ROWS);

            assertClose(distributed.model().params(), local.model().params(), 1e-8);
            assertThat(distributed.model().getIterationCount()).isEqualTo(local.model().getIterationCount())
                    .isGreaterThan(2 * batches.size());
            assertThat(DistributedEqualsLocalTest.relativeDifference(distributed.model().params(),
                    Networks.create(config).params())).as("training moved the parameters").isGreaterThan(1e-3);
        } finally {
            shards.release();
        }
    }
}
