package io.dptrain.predict;

import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.text.LabeledTexts;
import io.dptrain.data.text.SpamAssassinCorpus;
import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.TokenSequences;
import io.dptrain.data.text.Vocabulary;
import io.dptrain.model.Networks;
import io.dptrain.report.EvaluationReport;
import io.dptrain.report.Provenance;
import io.dptrain.io.RunOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Test helper: a text run folder as training leaves it (model.zip, vocabulary.txt, classes.txt,
 * provenance.json), made without the engine: the committed 43-mail SpamAssassin fixture is
 * prepared with the text data layer and a tiny lstm (embedding 4, hidden 4, sequences of
 * {@value #MAX_LENGTH} tokens) trains a few epochs with plain DL4J.
 *
 * @param dir        the run folder
 * @param messages   the fixture's messages ({@code id, text, label, group}), cached
 * @param vocabulary the run's vocabulary
 * @param net        the trained network
 */
record TinyTextRun(Path dir, Dataset<Row> messages, Vocabulary vocabulary, MultiLayerNetwork net) {

    static final int MAX_LENGTH = 12;
    static final List<String> CLASSES = List.of(SpamAssassinCorpus.HAM, SpamAssassinCorpus.SPAM);

    /** The fixture folder, from the property surefire sets, or the source tree from an IDE. */
    static Path spamMini() {
        return Path.of(System.getProperty("dptrain.fixtures", "src/test/resources/fixtures"), "spam-mini");
    }

    /** Trains and writes the run into {@code dir} (created). */
    static TinyTextRun write(SparkSession spark, Path dir) throws IOException {
        Dataset<Row> messages = SpamAssassinCorpus.read(spark, spamMini().toString()).messages().cache();
        LabeledTexts texts = TextTable.fromTable(messages, TextTable.TEXT, SpamAssassinCorpus.LABEL);
        Vocabulary vocabulary = Vocabulary.build(texts, 150, 2);
        TokenSequences sequences = TokenSequences.collect(TextTable.prepare(texts, vocabulary, MAX_LENGTH).table());
        DptrainConfig config = ConfigLoader.load(null, List.of("model.preset=lstm",
                "data.vocabulary-size=" + vocabulary.size(), "data.max-length=" + MAX_LENGTH, "data.classes=2",
                "model.lstm.embedding-size=4", "model.lstm.hidden-size=4", "train.learning-rate=0.05",
                "train.seed=3"));
        MultiLayerNetwork net = Networks.create(config);
        List<DataSet> batches = sequences.minibatches(16, DataType.FLOAT);
        for (int epoch = 0; epoch < 4; epoch++) {
            batches.forEach(net::fit);
        }
        Files.createDirectories(dir);
        ModelSerializer.writeModel(net, dir.resolve(RunOutput.MODEL).toFile(), true);
        vocabulary.save(dir.resolve(RunOutput.VOCABULARY).toString(),
                spark.sparkContext().hadoopConfiguration(), false);
        Files.write(dir.resolve(RunOutput.CLASSES), texts.classNames());
        Files.writeString(dir.resolve(RunOutput.PROVENANCE), provenance(config, 0).toJson());
        return new TinyTextRun(dir, messages, vocabulary, net);
    }

    /** A provenance as a run of {@code config} writes it (no training measured), with {@code trainRows}. */
    static Provenance provenance(DptrainConfig config, long trainRows) {
        return Provenance.of(config, "local[2]", 1, trainRows, 0, EvaluationReport.of(new long[][]{{1, 0}, {0, 1}}),
                List.of(), 0, 0, 0);
    }

    /** A copy of this run's files in {@code other}, to spoil one of them. */
    Path copyTo(Path other) throws IOException {
        Files.createDirectories(other);
        for (String file : List.of(RunOutput.MODEL, RunOutput.VOCABULARY, RunOutput.CLASSES,
                RunOutput.PROVENANCE)) {
            Files.copy(dir.resolve(file), other.resolve(file));
        }
        return other;
    }
}
