package io.dptrain.data.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole text preparation as one step: split the labelled texts (seeded, stratified), build
 * the vocabulary from the training half only, prepare both halves and write
 * {@code <prefix>-train.parquet}, {@code <prefix>-test.parquet} and
 * {@code <prefix>-vocabulary.txt}. The texts and both halves are cached while it runs and
 * released at the end, so the source (e.g. the parsed corpus) is read once.
 */
public final class TextPreparation {

    private static final Logger LOG = LoggerFactory.getLogger(TextPreparation.class);

    private TextPreparation() {
    }

    /**
     * The settings of a preparation, each validated.
     *
     * @param maxLength      tokens kept per text, at least 1 (longer texts are cut)
     * @param vocabularySize most token ids, the 2 reserved ones included, at least 3
     * @param minCount       least occurrences of a vocabulary word in the training half, at
     *                       least 1
     * @param testFraction   fraction of each class held out for test, in (0, 1)
     * @param seed           fixes the split
     */
    public record Options(int maxLength, int vocabularySize, long minCount, double testFraction,
            long seed) {

        /**
         * Validates every field; the message names the field, the value and what is allowed.
         *
         * @param maxLength      at least 1
         * @param vocabularySize at least 3
         * @param minCount       at least 1
         * @param testFraction   strictly between 0 and 1
         * @param seed           any value
         */
        public Options {
            if (maxLength < 1) {
                throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
            }
            if (vocabularySize < Vocabulary.RESERVED + 1) {
                throw new IllegalArgumentException("vocabularySize must be >= "
                        + (Vocabulary.RESERVED + 1) + ", got " + vocabularySize);
            }
            if (minCount < 1) {
                throw new IllegalArgumentException("minCount must be >= 1, got " + minCount);
            }
            if (!(testFraction > 0 && testFraction < 1)) {
                throw new IllegalArgumentException("testFraction must be > 0 and < 1, got "
                        + testFraction);
            }
        }
    }

    /**
     * What a preparation wrote and found.
     *
     * @param vocabulary     the vocabulary of the training half
     * @param split          the split, with counts per class
     * @param train          the prepared training half and its counts
     * @param test           the prepared test half and its counts
     * @param trainPath      where the training table went
     * @param testPath       where the test table went
     * @param vocabularyPath where the vocabulary file went
     */
    public record Result(Vocabulary vocabulary, TextTable.Split split, TextTable.Prepared train,
            TextTable.Prepared test, String trainPath, String testPath, String vocabularyPath) {
    }

    /**
     * Runs the preparation.
     *
     * @param texts     the labelled texts
     * @param options   the settings
     * @param prefix    output path prefix (local or Hadoop URI), e.g.
     *                  {@code data/prepared/spam-assassin}
     * @param overwrite whether existing outputs may be replaced; when false, an existing
     *                  output fails the run before any work
     * @return the outputs and counts
     */
    public static Result run(LabeledTexts texts, Options options, String prefix,
            boolean overwrite) {
        Objects.requireNonNull(texts, "texts");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(prefix, "prefix");
        String trainPath = prefix + "-train.parquet";
        String testPath = prefix + "-test.parquet";
        String vocabularyPath = prefix + "-vocabulary.txt";
        Configuration conf = texts.table().sparkSession().sparkContext().hadoopConfiguration();
        if (!overwrite) {
            requireAbsent(List.of(trainPath, testPath, vocabularyPath), conf);
        }
        Dataset<Row> cached = texts.table().persist(StorageLevel.MEMORY_AND_DISK());
        TextTable.Split split = TextTable.split(
                new LabeledTexts(cached, texts.classNames(), texts.counts()),
                options.testFraction(), options.seed());
        Dataset<Row> train = split.train().table().persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> test = split.test().table().persist(StorageLevel.MEMORY_AND_DISK());
        try {
            LabeledTexts trainTexts = new LabeledTexts(train, texts.classNames(),
                    split.train().counts());
            LabeledTexts testTexts = new LabeledTexts(test, texts.classNames(),
                    split.test().counts());
            Vocabulary vocabulary = Vocabulary.build(trainTexts, options.vocabularySize(),
                    options.minCount());
            TextTable.Prepared preparedTrain = TextTable.prepare(trainTexts, vocabulary,
                    options.maxLength());
            TextTable.Prepared preparedTest = TextTable.prepare(testTexts, vocabulary,
                    options.maxLength());
            TextTable.writeParquet(preparedTrain.table(), trainPath, overwrite);
            TextTable.writeParquet(preparedTest.table(), testPath, overwrite);
            vocabulary.save(vocabularyPath, conf, overwrite);
            LOG.info("prepared texts {}: train {} ({} cut, {} empty), test {} ({} cut, {} empty),"
                            + " vocabulary {} -> {}, {}, {}", options, split.train().counts(),
                    preparedTrain.cutTexts(), preparedTrain.emptyTexts(), split.test().counts(),
                    preparedTest.cutTexts(), preparedTest.emptyTexts(), vocabulary, trainPath,
                    testPath, vocabularyPath);
            return new Result(vocabulary, split, preparedTrain, preparedTest, trainPath, testPath,
                    vocabularyPath);
        } finally {
            test.unpersist();
            train.unpersist();
            cached.unpersist();
        }
    }

    private static void requireAbsent(List<String> paths, Configuration conf) {
        for (String p : paths) {
            try {
                Path path = new Path(p);
                if (path.getFileSystem(conf).exists(path)) {
                    throw new IllegalArgumentException("output path " + p + " already exists;"
                            + " delete it or pass overwrite=true to replace it");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot check output path " + p, e);
            }
        }
    }
}
