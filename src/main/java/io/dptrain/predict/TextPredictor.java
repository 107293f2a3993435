package io.dptrain.predict;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.Tokenizer;
import io.dptrain.data.InputTables;
import io.dptrain.data.text.SequenceShape;
import io.dptrain.data.text.TokenCodec;
import io.dptrain.data.text.Vocabulary;
import io.dptrain.report.Provenance;
import io.dptrain.io.RunOutput;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Seq;

/**
 * A trained text model (preset rnn or lstm) ready to predict the classes of new texts.
 *
 * <p>{@link #load} reads a text run's folder: {@value RunOutput#MODEL}, {@value RunOutput#VOCABULARY}
 * ({@link Vocabulary#save} format), {@value RunOutput#CLASSES} (one class name per line, in class-index
 * order) and {@value RunOutput#PROVENANCE} (its {@code config.data.maxLength}), and checks that
 * they belong together. {@link #predict} runs on the executors and keeps every input row: texts
 * are tokenized as in training ({@link Tokenizer}), unknown tokens read as {@value Vocabulary#UNK},
 * texts longer than the max length are cut to their first tokens and texts without tokens are
 * predicted from the single token {@value Vocabulary#UNK}; both are counted and reported, as in
 * {@link TextTable#prepare}.
 */
public final class TextPredictor {
    /** Output column: the predicted class name (string). */
    public static final String PREDICTION = "prediction";
    /** Output column: the predicted class index (int). */
    public static final String PREDICTION_INDEX = "prediction_index";
    /** Prefix of the output columns holding each class's probability (double). */
    public static final String PROBABILITY_PREFIX = "prob_";
    /**
     * Texts per forward pass on an executor: larger batches use the cores better, smaller ones
     * hold less memory ({@code batch * maxLength * hidden} activations per layer).
     */
    public static final int BATCH_SIZE = 256;
    /** The input formats of {@link #readTexts}. */
    public static final List<String> INPUT_FORMATS = List.of("csv", "json", "parquet", "lines");

    private static final Logger LOG = LoggerFactory.getLogger(TextPredictor.class);

    private final SparkSession spark;
    private final String runDir;
    private final byte[] model;
    private final Vocabulary vocabulary;
    private final List<String> classNames;
    private final List<String> probabilityColumns;
    private final int maxLength;

    private TextPredictor(SparkSession spark, String runDir, byte[] model, Vocabulary vocabulary,
            List<String> classNames, int maxLength) {
        this.spark = spark;
        this.runDir = runDir;
        this.model = model;
        this.vocabulary = vocabulary;
        this.classNames = List.copyOf(classNames);
        this.probabilityColumns = probabilityColumns(this.classNames);
        this.maxLength = maxLength;
    }

    /**
     * Loads a text run's folder and checks its parts against each other: the model's first layer
     * must be an embedding whose input length is the provenance's max length and that takes every
     * id of the vocabulary; the output layer must have one unit per class name.
     *
     * @param spark  the session (its Hadoop configuration reads the files)
     * @param runDir the run's output folder, local or any Hadoop URI
     * @return the predictor
     * @throws IllegalArgumentException naming the file and what is wrong, if a file is missing or
     *                                  malformed, or the files do not belong together
     */
    public static TextPredictor load(SparkSession spark, String runDir) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(runDir, "runDir");
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        requireFolder(runDir, conf);
        Path dir = new Path(runDir);
        String modelFile = new Path(dir, RunOutput.MODEL).toString();
        String vocabularyFile = new Path(dir, RunOutput.VOCABULARY).toString();
        String classesFile = new Path(dir, RunOutput.CLASSES).toString();
        String provenanceFile = new Path(dir, RunOutput.PROVENANCE).toString();

        MultiLayerNetwork net = new RunOutput(conf).loadModel(modelFile);
        Layer first = net.getLayerWiseConfigurations().getConf(0).getLayer();
        if (!(first instanceof EmbeddingSequenceLayer embedding)) {
            throw new IllegalArgumentException("the model " + modelFile + " is not a text model: its"
                    + " first layer is " + first.getClass().getSimpleName() + "; predict needs a"
                    + " model of preset rnn or lstm, which starts with an EmbeddingSequenceLayer");
        }
        int maxLength = Provenance.read(provenanceFile, conf).config().data().maxLength();
        if (embedding.getInputLength() != maxLength) {
            throw new IllegalArgumentException(provenanceFile + " says config.data.maxLength = "
                    + maxLength + " but the embedding of " + modelFile + " takes sequences of "
                    + embedding.getInputLength() + " tokens; the files come from different runs");
        }
        Vocabulary vocabulary = Vocabulary.load(vocabularyFile, conf);
        if (vocabulary.size() > embedding.getNIn()) {
            throw new IllegalArgumentException("vocabulary file " + vocabularyFile + " holds "
                    + vocabulary.size() + " token ids but the model's embedding takes only "
                    + embedding.getNIn() + " (ids 0.." + (embedding.getNIn() - 1) + "), so it was"
                    + " not made with this model: put back the " + RunOutput.VOCABULARY + " the training run"
                    + " saved, or retrain with this vocabulary (data.vocabulary-size >= "
                    + vocabulary.size() + ")");
        }
        List<String> classNames = classNames(classesFile, conf);
        int outputs = net.layerSize(net.getnLayers() - 1);
        if (classNames.size() != outputs) {
            throw new IllegalArgumentException("class file " + classesFile + " names "
                    + classNames.size() + " classes " + classNames + " but the model's output layer"
                    + " has " + outputs + " units; put back the " + RunOutput.CLASSES + " the training run"
                    + " saved (one class name per line, in class-index order)");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(net, bytes, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the model of " + modelFile, e);
        }
        LOG.info("loaded text model {}: {} parameters, max length {}, vocabulary {} (embedding"
                        + " input {}), classes {}", runDir, net.numParams(), maxLength,
                vocabulary.size(), embedding.getNIn(), classNames);
        return new TextPredictor(spark, runDir, bytes.toByteArray(), vocabulary, classNames,
                maxLength);
    }

    /**
     * Reads new texts from a file or folder.
     *
     * <p>{@code csv} needs a header line; fields follow RFC 4180 (quoted fields may span lines, a
     * quote inside is doubled) and every column is read as a string. {@code json} is one object
     * per line. {@code lines} is plain text, one text per line (an empty line is an empty text),
     * in one column named {@value TextTable#TEXT}.
     *
     * @param spark  the session
     * @param path   a file, folder or glob, local or any Hadoop URI
     * @param format one of {@link #INPUT_FORMATS}
     * @return the table, lazy
     * @throws IllegalArgumentException for an unknown format or a path that matches nothing
     */
    public static Dataset<Row> readTexts(SparkSession spark, String path, String format) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        if (!INPUT_FORMATS.contains(format.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("input format must be one of " + INPUT_FORMATS
                    + ", got '" + format + "'");
        }
        requireExists(path, spark.sparkContext().hadoopConfiguration());
        return InputTables.read(spark, path, format, INPUT_FORMATS, false);
    }

    /**
     * Predicts the class of every text, on the executors.
     *
     * <p>The result table holds every input column and row, then {@value #PREDICTION} (class
     * name), {@value #PREDICTION_INDEX} (class index) and one {@value #PROBABILITY_PREFIX}
     * column per class ({@link #probabilityColumns()}); the probabilities of a row sum to 1 and
     * the prediction is the most probable class. Counting cut and empty texts and unknown tokens
     * takes one pass over the texts (tokenizing only); with a label column, the accuracy takes
     * one pass through the model, whose result is cached for the caller.
     *
     * @param input    any table with a string text column
     * @param textCol  the text column (null texts count as empty)
     * @param labelCol the label column (string or whole numbers, every label one of
     *                 {@link #classNames()}), or null when the texts are not labelled
     * @return the predictions with their counts; close them when done
     * @throws IllegalArgumentException for missing columns (listing those present), a text column
     *                                  that is not a string, input columns named like an output
     *                                  column, or labels the model never saw (naming them and the
     *                                  known classes)
     */
    public Predictions predict(Dataset<Row> input, String textCol, String labelCol) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(textCol, "textCol");
        StructType schema = input.schema();
        requireInputColumns(schema, textCol, labelCol);
        String tokensCol = freshName(schema, "tokens");
        Dataset<Row> words = input.select(col("*"), Tokenizer.tokens(column(textCol)).as(tokensCol));
        Dataset<Row> ids = words.withColumn(freshName(schema, "ids"), TextTable.tokenIds(col(tokensCol), vocabulary,
                maxLength)).drop(tokensCol);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SequenceShape shape = new SequenceShape(maxLength, vocabulary.size(), classNames, vocabulary.fingerprint());
        Broadcast<ModelPayload> payload = jsc.broadcast(new ModelPayload(model, new TokenCodec(shape)));
        Dataset<Row> table = ids.mapPartitions(new NamedPredictions(new BatchPredictor(payload, BATCH_SIZE),
                schema.length(), classNames), Encoders.row(outputSchema(schema)));
        try {
            Row stats = tokenStats(words, tokensCol);
            long rows = stats.getLong(0);
            if (rows > 0 && labelCol != null) {
                TextTable.fromTable(input, textCol, labelCol, classNames);
            }
            OptionalDouble accuracy = OptionalDouble.empty();
            if (rows == 0) {
                LOG.warn("no texts to predict in the input (columns {})",
                        Arrays.toString(schema.fieldNames()));
            } else if (labelCol != null) {
                table = table.persist(StorageLevel.MEMORY_AND_DISK());
                accuracy = OptionalDouble.of(accuracy(table, labelCol, rows));
            }
            Predictions predictions = new Predictions(table, rows, longOrZero(stats, 1),
                    longOrZero(stats, 2), longOrZero(stats, 3), longOrZero(stats, 4), maxLength,
                    accuracy, payload);
            LOG.info("predicted {} texts with {}: {} cut to {} tokens, {} empty predicted from {},"
                            + " {} of {} tokens unknown{}", rows, runDir, predictions.cutTexts(),
                    maxLength, predictions.emptyTexts(), Vocabulary.UNK,
                    predictions.unknownTokens(), predictions.tokens(),
                    accuracy.isPresent() ? ", accuracy " + accuracy.getAsDouble() : "");
            return predictions;
        } catch (RuntimeException e) {
            table.unpersist();
            payload.destroy();
            throw e;
        }
    }

    /**
     * Returns the class names in class-index order.
     *
     * @return the names of {@value RunOutput#CLASSES}
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * Returns the probability columns, one per class in class-index order: {@value
     * #PROBABILITY_PREFIX} and the class name with every character other than ASCII letters,
     * digits and {@code _} replaced by {@code _}; a name that two classes would share gets
     * {@code _<class index>} appended.
     *
     * @return the column names
     */
    public List<String> probabilityColumns() {
        return probabilityColumns;
    }

    /**
     * Returns every column that {@link #predict} adds, in order.
     *
     * @return {@value #PREDICTION}, {@value #PREDICTION_INDEX}, then {@link #probabilityColumns()}
     */
    public List<String> outputColumns() {
        List<String> names = new ArrayList<>(List.of(PREDICTION, PREDICTION_INDEX));
        names.addAll(probabilityColumns);
        return List.copyOf(names);
    }

    /**
     * Returns the tokens per sequence the model reads; longer texts are cut.
     *
     * @return {@code config.data.maxLength} of the run
     */
    public int maxLength() {
        return maxLength;
    }

    /**
     * Returns the vocabulary the model was trained with.
     *
     * @return the vocabulary of {@value RunOutput#VOCABULARY}
     */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** One pass, tokenizing only: rows, cut texts, empty texts, tokens read, unknown tokens. */
    private Row tokenStats(Dataset<Row> words, String tokensCol) {
        Column n = size(col(tokensCol));
        Column unknown = udf(new UnknownTokens(vocabulary, maxLength), DataTypes.LongType).apply(col(tokensCol));
        return words.agg(count(lit(1)),
                        sum(when(n.gt(maxLength), 1L).otherwise(0L)),
                        sum(when(n.equalTo(0), 1L).otherwise(0L)),
                        sum(least(n, lit(maxLength)).cast("long")),
                        sum(unknown))
                .first();
    }

    static double accuracy(Dataset<Row> predicted, String labelCol, long rows) {
        Column correct = column(labelCol).cast("string").equalTo(col(PREDICTION));
        Row hits = predicted.agg(sum(when(correct, 1L).otherwise(0L))).first();
        return (double) longOrZero(hits, 0) / rows;
    }

    private void requireInputColumns(StructType schema, String textCol, String labelCol) {
        List<String> present = Arrays.asList(schema.fieldNames());
        List<String> missing = new ArrayList<>();
        for (String name : labelCol == null ? List.of(textCol) : List.of(textCol, labelCol)) {
            if (!present.contains(name) && !missing.contains(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("column" + (missing.size() > 1 ? "s " : " ")
                    + missing + " not found; the table has " + present);
        }
        StructField text = schema.apply(textCol);
        if (!(text.dataType() instanceof StringType)) {
            throw new IllegalArgumentException("text column '" + textCol + "' has type "
                    + text.dataType().simpleString() + "; allowed: string");
        }
        List<String> clashes = outputColumns().stream().filter(present::contains).toList();
        if (!clashes.isEmpty()) {
            throw new IllegalArgumentException("the input already has the output column(s) "
                    + clashes + "; rename or drop them (the table has " + present + ")");
        }
    }

    private StructType outputSchema(StructType input) {
        return outputSchema(input, probabilityColumns);
    }

    /** The input columns, then prediction (name), prediction_index and the probability columns. */
    static StructType outputSchema(StructType input, List<String> probabilityColumns) {
        StructType out = input.add(PREDICTION, DataTypes.StringType, false)
                .add(PREDICTION_INDEX, DataTypes.IntegerType, false);
        for (String name : probabilityColumns) {
            out = out.add(name, DataTypes.DoubleType, false);
        }
        return out;
    }

    static List<String> probabilityColumns(List<String> classNames) {
        List<String> names = new ArrayList<>(classNames.size());
        Set<String> taken = new HashSet<>();
        for (int c = 0; c < classNames.size(); c++) {
            String name = PROBABILITY_PREFIX + classNames.get(c).replaceAll("[^A-Za-z0-9_]", "_");
            if (!taken.add(name)) {
                name = name + "_" + c;
                taken.add(name);
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    /** A column name not in the schema, for the temporary tokens column. */
    static String freshName(StructType schema, String base) {
        Set<String> present = Set.of(schema.fieldNames());
        String name = "_dptrain_" + base;
        for (int i = 1; present.contains(name); i++) {
            name = "_dptrain_" + base + "_" + i;
        }
        return name;
    }

    /** A column by its exact name, even if the name holds dots or backticks. */
    static Column column(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }

    private static long longOrZero(Row row, int i) {
        return row.isNullAt(i) ? 0 : row.getLong(i);
    }

    static void requireFolder(String runDir, Configuration conf) {
        Path dir = new Path(runDir);
        try {
            FileStatus status = dir.getFileSystem(conf).getFileStatus(dir);
            if (!status.isDirectory()) {
                throw new IllegalArgumentException(runDir + " is a file; give the output folder of a"
                        + " text training run (holding " + RunOutput.MODEL + ", " + RunOutput.VOCABULARY + ", "
                        + RunOutput.CLASSES + ", " + RunOutput.PROVENANCE + ")");
            }
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("no run folder at " + runDir + ": give the output"
                    + " folder of a text training run", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the run folder " + runDir, e);
        }
    }

    private static void requireExists(String path, Configuration conf) {
        Path p = new Path(path);
        try {
            FileStatus[] matches = p.getFileSystem(conf).globStatus(p);
            if (matches == null || matches.length == 0) {
                throw new IllegalArgumentException("input " + path + " does not exist");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the input " + path, e);
        }
    }

    /** The lines of a class file: each a class name, none blank, none twice. */
    private static List<String> classNames(String classesFile, Configuration conf) {
        List<String> names = new ArrayList<>();
        Path p = new Path(classesFile);
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(p.getFileSystem(conf).open(p), UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                names.add(line);
            }
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("class file " + classesFile + " does not exist; text"
                    + " runs save it next to " + RunOutput.MODEL, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read class file " + classesFile, e);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).isBlank()) {
                throw new IllegalArgumentException("class file " + classesFile + ": line " + (i + 1)
                        + " is blank; each line must name one class");
            }
            if (!seen.add(names.get(i))) {
                throw new IllegalArgumentException("class file " + classesFile + ": class '"
                        + names.get(i) + "' appears twice (line " + (i + 1) + ")");
            }
        }
        if (names.size() < 2) {
            throw new IllegalArgumentException("class file " + classesFile + " names " + names
                    + "; a classifier has at least 2 classes");
        }
        return names;
    }

    /** Of a text's first {@code maxLength} tokens, how many the vocabulary does not hold. */
    private static final class UnknownTokens implements UDF1<Seq<String>, Long> {
        private static final long serialVersionUID = 1L;
        private final Vocabulary vocabulary;
        private final int maxLength;

        UnknownTokens(Vocabulary vocabulary, int maxLength) {
            this.vocabulary = vocabulary;
            this.maxLength = maxLength;
        }

        @Override
        public Long call(Seq<String> tokens) {
            int n = Math.min(tokens.length(), maxLength);
            long unknown = 0;
            for (int i = 0; i < n; i++) {
                if (vocabulary.id(tokens.apply(i)) == Vocabulary.UNK_ID) {
                    unknown++;
                }
            }
            return unknown;
        }
    }
}
