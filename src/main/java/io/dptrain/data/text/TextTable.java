package io.dptrain.data.text;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.dptrain.data.InputTables;
import io.dptrain.io.AtomicOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Seq;

/**
 * Labelled texts from any table, and the prepared token-sequence tables a text model trains on.
 *
 * <p>The steps, each done with Spark:
 * <ol>
 *   <li>{@link #read} / {@link #fromTable}: any table with a text column and a label column
 *       (string or whole-number labels, any number of classes) becomes {@link LabeledTexts}.
 *       The labels found are reported and, sorted, become the class-index order: numerically
 *       when every label is a whole number ({@code 2 < 10}), else as strings.</li>
 *   <li>{@link #split}: a seeded, stratified train/test split.</li>
 *   <li>{@link Vocabulary#build}: the vocabulary of the training texts.</li>
 *   <li>{@link #prepare}: texts to token ids ({@link Tokenizer}), unknown tokens to
 *       {@value Vocabulary#UNK_ID}, cut to {@code maxLength}.</li>
 *   <li>{@link #writeParquet} / {@link #readPrepared}: the prepared table on any Hadoop path.</li>
 * </ol>
 *
 * <p>The prepared table has two columns: {@value #LABEL} (int, class index) and
 * {@value #TOKENS} ({@code array<int>} of 1..maxLength token ids, none of them the padding id
 * 0). The {@link SequenceShape} travels as metadata on {@value #TOKENS} (keys
 * {@value #MAX_LENGTH}, {@value #VOCABULARY_SIZE}, {@value #CLASSES}, {@value #CLASS_NAMES} as
 * a string array, {@value #VOCABULARY_FINGERPRINT}), which Parquet keeps, so the table
 * describes itself as {@code ImageTable}'s do.
 *
 * <p>Texts longer than {@code maxLength} tokens keep their first {@code maxLength} tokens; how
 * many were cut is reported. A text with no tokens at all (empty, only punctuation, a null
 * text, an image-only mail without a subject) is kept as the single token {@value
 * Vocabulary#UNK}, and counted: dropping it would lose a row at prediction time, and the one
 * unknown step keeps every sequence mask non-empty.
 */
public final class TextTable {

    /** Name of the text column of {@link LabeledTexts}. */
    public static final String TEXT = "text";
    /** Name of the label column (class index). */
    public static final String LABEL = "label";
    /** Name of the token-id column of a prepared table. */
    public static final String TOKENS = "tokens";
    /** Metadata key on the tokens column: the maximum sequence length. */
    public static final String MAX_LENGTH = "maxLength";
    /** Metadata key on the tokens column: the number of token ids. */
    public static final String VOCABULARY_SIZE = "vocabularySize";
    /** Metadata key on the tokens column: the number of classes. */
    public static final String CLASSES = "classes";
    /** Metadata key on the tokens column: the class names in class-index order. */
    public static final String CLASS_NAMES = "classNames";
    /** Metadata key on the tokens column: the vocabulary's fingerprint. */
    public static final String VOCABULARY_FINGERPRINT = "vocabularyFingerprint";
    /** The input formats {@link #read} accepts. */
    public static final List<String> FORMATS = List.of("csv", "json", "parquet");
    /** Most distinct labels accepted: more means the label column is probably not a label. */
    public static final int MAX_CLASSES = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(TextTable.class);
    private static final String LABEL_TYPES = "string, tinyint, smallint, int, bigint";

    private TextTable() {
    }

    /**
     * A train/test split of labelled texts.
     *
     * @param train        the training rows, counted per class
     * @param test         the test rows, counted per class
     * @param testFraction the requested test fraction per class
     * @param seed         the seed that fixed the split
     */
    public record Split(LabeledTexts train, LabeledTexts test, double testFraction, long seed) {
    }

    /**
     * A prepared table and what preparing it found.
     *
     * @param table         the prepared table ({@value #LABEL}, {@value #TOKENS} with metadata)
     * @param shape         the shape recorded in its metadata
     * @param rows          number of texts
     * @param cutTexts      texts longer than {@code maxLength} tokens, cut to their first
     *                      {@code maxLength}
     * @param emptyTexts    texts without any token, kept as the single token {@value
     *                      Vocabulary#UNK}
     * @param tokens        real tokens kept after cutting (padding and the stand-in for empty
     *                      texts not counted)
     * @param unknownTokens of those, tokens the vocabulary does not hold
     */
    public record Prepared(Dataset<Row> table, SequenceShape shape, long rows, long cutTexts,
            long emptyTexts, long tokens, long unknownTokens) {
    }

    /**
     * Reads any labelled text table and finds its classes.
     *
     * <p>CSV files need a header line; fields follow RFC 4180 (quoted fields may span lines, a
     * quote inside is doubled). JSON is one object per line. Every column is kept as read, so a
     * CSV label {@code 7} is the string {@code "7"} (whole-number labels still sort
     * numerically).
     *
     * @param spark    the session
     * @param path     a file or folder, local or any Hadoop URI
     * @param format   {@code csv}, {@code json} or {@code parquet}
     * @param textCol  the text column (string)
     * @param labelCol the label column (string or whole numbers)
     * @return the texts, with the classes found
     * @throws IllegalArgumentException for an unknown format, missing columns, wrong column types,
     *                                  null labels, fewer than 2 classes or an empty table
     */
    public static LabeledTexts read(SparkSession spark, String path, String format,
            String textCol, String labelCol) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        Dataset<Row> raw = InputTables.read(spark, path, format, FORMATS, false);
        try {
            return fromTable(raw, textCol, labelCol);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(format + " table " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Finds the classes of a labelled text table: every distinct label, sorted (numerically
     * when all are whole numbers, else as strings), is one class.
     *
     * @param table    the table
     * @param textCol  the text column (string; null texts count as empty)
     * @param labelCol the label column (string or whole numbers; nulls are an error)
     * @return the texts, with the classes found
     * @throws IllegalArgumentException for missing columns, wrong column types, null labels,
     *                                  fewer than 2 or more than {@value #MAX_CLASSES} classes,
     *                                  or an empty table
     */
    public static LabeledTexts fromTable(Dataset<Row> table, String textCol, String labelCol) {
        return fromTable(table, textCol, labelCol, null);
    }

    /**
     * Reads a labelled text table against known classes (a trained model's): each label must
     * be one of {@code classNames} and gets its index there.
     *
     * @param table      the table
     * @param textCol    the text column (string; null texts count as empty)
     * @param labelCol   the label column (string or whole numbers; nulls are an error)
     * @param classNames the known classes in class-index order, or null to find them
     * @return the texts
     * @throws IllegalArgumentException as {@link #fromTable(Dataset, String, String)}, and for
     *                                  labels not in {@code classNames}, naming them
     */
    public static LabeledTexts fromTable(Dataset<Row> table, String textCol, String labelCol,
            List<String> classNames) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(textCol, "textCol");
        Objects.requireNonNull(labelCol, "labelCol");
        StructType schema = table.schema();
        List<String> missing = new ArrayList<>();
        for (String name : List.of(textCol, labelCol)) {
            if (!Arrays.asList(schema.fieldNames()).contains(name) && !missing.contains(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("column" + (missing.size() > 1 ? "s " : " ")
                    + missing + " not found; the table has " + Arrays.toString(schema.fieldNames()));
        }
        DataType textType = schema.apply(textCol).dataType();
        if (!(textType instanceof StringType)) {
            throw new IllegalArgumentException("text column '" + textCol + "' has type "
                    + textType.simpleString() + "; allowed: string");
        }
        DataType labelType = schema.apply(labelCol).dataType();
        if (!(labelType instanceof StringType || isIntegral(labelType))) {
            throw new IllegalArgumentException("label column '" + labelCol + "' has type "
                    + labelType.simpleString() + "; allowed: " + LABEL_TYPES);
        }
        Column label = column(labelCol).cast("string");
        List<Row> groups = table.groupBy(label.as("name")).count()
                .limit(MAX_CLASSES + 2).collectAsList();
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("the table is empty: it must hold at least one row");
        }
        Map<String, Long> found = new HashMap<>();
        long rows = 0;
        long nulls = 0;
        for (Row g : groups) {
            rows += g.getLong(1);
            if (g.isNullAt(0)) {
                nulls = g.getLong(1);
            } else {
                found.put(g.getString(0), g.getLong(1));
            }
        }
        if (nulls > 0) {
            throw new IllegalArgumentException("label column '" + labelCol + "': " + nulls
                    + " of " + rows + " rows have no label (null)");
        }
        List<String> classes = classNames == null ? discover(found, labelCol)
                : known(found, classNames, labelCol);
        Column[] names = classes.stream().map(c -> lit(c)).toArray(Column[]::new);
        Column index = array_position(array(names), label).minus(1).cast("int");
        Dataset<Row> texts = table.select(coalesce(column(textCol), lit("")).as(TEXT),
                index.as(LABEL));
        Map<String, Long> counts = new LinkedHashMap<>();
        classes.forEach(c -> counts.put(c, found.getOrDefault(c, 0L)));
        LOG.info("labelled texts: {} rows, text column '{}', label column '{}', classes {}",
                rows, textCol, labelCol, counts);
        return new LabeledTexts(texts, classes, counts);
    }

    /**
     * Splits texts into train and test, per class: of a class's {@code n} rows,
     * {@code round(n * testFraction)} go to test (at most {@code n - 1}, so training sees every
     * class), the rest to train. Which rows is decided by a seeded hash of the text, so the
     * split depends only on the seed and the data, not on partitioning; identical texts of a
     * class sit next to each other in that order.
     *
     * <p>Ranking within a class sorts each class in one task: fine for the millions of rows a
     * text model here trains on. Both halves are lazy and share that sort; cache
     * {@code texts.table()} when its source is expensive.
     *
     * @param texts        the labelled texts
     * @param testFraction fraction of each class for test, strictly between 0 and 1
     * @param seed         the seed; the same seed gives the same split
     * @return both halves, counted
     */
    public static Split split(LabeledTexts texts, double testFraction, long seed) {
        Objects.requireNonNull(texts, "texts");
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("testFraction must be > 0 and < 1, got "
                    + testFraction);
        }
        Map<String, Long> trainCounts = new LinkedHashMap<>();
        Map<String, Long> testCounts = new LinkedHashMap<>();
        Column[] quota = new Column[texts.classNames().size()];
        for (int c = 0; c < quota.length; c++) {
            String name = texts.classNames().get(c);
            long n = texts.counts().get(name);
            long test = Math.min(Math.round(n * testFraction), Math.max(n - 1, 0));
            quota[c] = lit(test);
            trainCounts.put(name, n - test);
            testCounts.put(name, test);
        }
        Column key = xxhash64(lit(seed), col(TEXT));
        Column rank = row_number().over(Window.partitionBy(col(LABEL)).orderBy(key, col(TEXT)));
        Dataset<Row> ranked = texts.table()
                .withColumn("is_test", rank.leq(array(quota).apply(col(LABEL))));
        Dataset<Row> train = ranked.where(not(col("is_test"))).select(TEXT, LABEL);
        Dataset<Row> test = ranked.where(col("is_test")).select(TEXT, LABEL);
        LOG.info("split (seed {}, test fraction {}): train {}, test {}", seed, testFraction,
                trainCounts, testCounts);
        return new Split(new LabeledTexts(train, texts.classNames(), trainCounts),
                new LabeledTexts(test, texts.classNames(), testCounts), testFraction, seed);
    }

    /**
     * Turns texts into the prepared table: tokens ({@link Tokenizer}) to ids, unknown tokens to
     * {@value Vocabulary#UNK_ID}, the first {@code maxLength} kept, a text without tokens as
     * the single id {@value Vocabulary#UNK_ID}. Counts cut and empty texts and unknown tokens
     * (one pass over the data), logs them with the length percentiles, and returns them.
     *
     * @param texts      the labelled texts
     * @param vocabulary the vocabulary (built from the training texts)
     * @param maxLength  longest sequence kept, at least 1; longer costs time per step in a
     *                   recurrent network, shorter loses the end of long texts
     * @return the prepared table (lazy) and the counts
     */
    public static Prepared prepare(LabeledTexts texts, Vocabulary vocabulary, int maxLength) {
        Objects.requireNonNull(texts, "texts");
        Objects.requireNonNull(vocabulary, "vocabulary");
        SequenceShape shape = new SequenceShape(maxLength, vocabulary.size(), texts.classNames(),
                vocabulary.fingerprint());
        Column ids = tokenIds(col("words"), vocabulary, maxLength);
        Dataset<Row> words = texts.table()
                .select(col(LABEL), Tokenizer.tokens(col(TEXT)).as("words"));
        Dataset<Row> table = words.select(col(LABEL), ids.as(TOKENS, metadata(shape)));

        Column n = col("n");
        Column unknown = size(filter(col("ids"), id -> id.equalTo(Vocabulary.UNK_ID)));
        Row stats = words.select(size(col("words")).as("n"), ids.as("ids"))
                .agg(count(lit(1)),
                        sum(when(n.gt(maxLength), 1L).otherwise(0L)),
                        sum(when(n.equalTo(0), 1L).otherwise(0L)),
                        sum(least(n, lit(maxLength)).cast("long")),
                        sum(when(n.equalTo(0), 0L).otherwise(unknown.cast("long"))),
                        percentile_approx(n, array(lit(0.5), lit(0.9), lit(0.99)), lit(10_000)),
                        max(n))
                .first();
        long rows = stats.getLong(0);
        Prepared prepared = new Prepared(table, shape, rows, longOrZero(stats, 1),
                longOrZero(stats, 2), longOrZero(stats, 3), longOrZero(stats, 4));
        LOG.info("prepared {} texts (maxLength {}, vocabulary {}): {} cut, {} empty kept as {},"
                        + " {} of {} kept tokens unknown; tokens per text p50/p90/p99 {}, max {}",
                rows, maxLength, vocabulary.size(), prepared.cutTexts(), prepared.emptyTexts(),
                Vocabulary.UNK, prepared.unknownTokens(), prepared.tokens(),
                stats.isNullAt(5) ? "-" : stats.getList(5), stats.isNullAt(6) ? "-" : stats.get(6));
        return prepared;
    }

    /**
     * The one rule that turns tokens into what a text model reads, in training and in prediction:
     * token ids ({@link Vocabulary#id}, unknown tokens {@value Vocabulary#UNK_ID}), the first
     * {@code maxLength} kept, a text without tokens as the single id {@value Vocabulary#UNK_ID}.
     *
     * @param tokens     an {@code array<string>} column ({@link Tokenizer#tokens})
     * @param vocabulary the vocabulary
     * @param maxLength  longest sequence kept, at least 1
     * @return an {@code array<int>} column of 1..maxLength ids
     */
    public static Column tokenIds(Column tokens, Vocabulary vocabulary, int maxLength) {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(vocabulary, "vocabulary");
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
        }
        return udf(new ToIds(vocabulary, maxLength), DataTypes.createArrayType(DataTypes.IntegerType, false))
                .apply(tokens);
    }

    /**
     * Writes a prepared table as Parquet, atomically ({@link AtomicOutput}): to a hidden sibling of
     * {@code path} first, renamed into place once complete, so a failed write leaves no partial output.
     *
     * @param prepared  a prepared table (see {@link #shapeOf})
     * @param path      a Hadoop path or URI (a plain local path works too)
     * @param overwrite whether an existing {@code path} may be replaced
     * @throws IllegalArgumentException if {@code path} exists and {@code overwrite} is false
     * @throws UncheckedIOException     if the file system operations fail
     */
    public static void writeParquet(Dataset<Row> prepared, String path, boolean overwrite) {
        Objects.requireNonNull(prepared, "prepared");
        shapeOf(prepared);
        AtomicOutput.writeParquet(prepared.select(LABEL, TOKENS), path, overwrite, "prepared text table");
    }

    /**
     * Reads a prepared table written by {@link #writeParquet}.
     *
     * @param spark the session
     * @param path  a Hadoop path or URI
     * @return the table, columns {@value #LABEL} and {@value #TOKENS}, shape in the metadata
     * @throws IllegalArgumentException naming the path if it is not a prepared text table
     */
    public static Dataset<Row> readPrepared(SparkSession spark, String path) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(path, "path");
        Dataset<Row> df = spark.read().parquet(path);
        try {
            shapeOf(df);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + " is not a prepared text table: "
                    + e.getMessage(), e);
        }
        return df.select(LABEL, TOKENS);
    }

    /**
     * Returns the shape recorded in a prepared table's metadata.
     *
     * @param prepared a prepared table
     * @return its shape
     * @throws IllegalArgumentException naming the missing column, wrong type or missing keys
     */
    public static SequenceShape shapeOf(Dataset<Row> prepared) {
        Objects.requireNonNull(prepared, "prepared");
        StructType schema = prepared.schema();
        StructField label = field(schema, LABEL);
        if (!(label.dataType() instanceof IntegerType)) {
            throw new IllegalArgumentException("column '" + LABEL + "' has type "
                    + label.dataType().simpleString() + ", expected int");
        }
        StructField tokens = field(schema, TOKENS);
        if (!(tokens.dataType() instanceof ArrayType a && a.elementType() instanceof IntegerType)) {
            throw new IllegalArgumentException("column '" + TOKENS + "' has type "
                    + tokens.dataType().simpleString() + ", expected array<int>");
        }
        Metadata m = tokens.metadata();
        List<String> missingKeys = new ArrayList<>();
        for (String key : List.of(MAX_LENGTH, VOCABULARY_SIZE, CLASSES, CLASS_NAMES,
                VOCABULARY_FINGERPRINT)) {
            if (!m.contains(key)) {
                missingKeys.add(key);
            }
        }
        if (!missingKeys.isEmpty()) {
            throw new IllegalArgumentException("column '" + TOKENS + "' lacks the metadata keys "
                    + missingKeys + " (found " + m.json() + "); make tables with"
                    + " TextTable.prepare");
        }
        List<String> classNames = List.of(m.getStringArray(CLASS_NAMES));
        if (m.getLong(CLASSES) != classNames.size()) {
            throw new IllegalArgumentException("column '" + TOKENS + "' metadata says "
                    + m.getLong(CLASSES) + " classes but names " + classNames);
        }
        return new SequenceShape(Math.toIntExact(m.getLong(MAX_LENGTH)),
                Math.toIntExact(m.getLong(VOCABULARY_SIZE)), classNames,
                m.getString(VOCABULARY_FINGERPRINT));
    }

    /** The metadata that {@link #shapeOf} reads back. */
    static Metadata metadata(SequenceShape shape) {
        return new MetadataBuilder()
                .putLong(MAX_LENGTH, shape.maxLength())
                .putLong(VOCABULARY_SIZE, shape.vocabularySize())
                .putLong(CLASSES, shape.classes())
                .putStringArray(CLASS_NAMES, shape.classNames().toArray(new String[0]))
                .putString(VOCABULARY_FINGERPRINT, shape.vocabularyFingerprint())
                .build();
    }

    private static List<String> discover(Map<String, Long> found, String labelCol) {
        if (found.size() > MAX_CLASSES) {
            throw new IllegalArgumentException("label column '" + labelCol + "' holds more than "
                    + MAX_CLASSES + " distinct labels; is it really the label?");
        }
        List<String> classes = new ArrayList<>(found.keySet());
        boolean numeric = classes.stream().allMatch(s -> s.matches("[+-]?\\d+"));
        classes.sort(numeric ? Comparator.comparing((String s) -> new BigInteger(s))
                .thenComparing(Comparator.naturalOrder()) : Comparator.naturalOrder());
        if (classes.size() < 2) {
            throw new IllegalArgumentException("label column '" + labelCol + "' holds only the"
                    + " label " + classes + "; a classifier needs at least 2 classes");
        }
        return classes;
    }

    private static List<String> known(Map<String, Long> found, List<String> classNames,
            String labelCol) {
        List<String> classes = List.copyOf(classNames);
        Map<String, Long> unseen = new LinkedHashMap<>();
        found.keySet().stream().filter(l -> !classes.contains(l)).sorted()
                .forEach(l -> unseen.put(l, found.get(l)));
        if (!unseen.isEmpty()) {
            throw new IllegalArgumentException("label column '" + labelCol + "' holds labels"
                    + " the model never saw: " + unseen + " (label: rows); the model knows "
                    + classes);
        }
        return classes;
    }

    private static long longOrZero(Row row, int i) {
        return row.isNullAt(i) ? 0 : row.getLong(i);
    }

    /** A column by its exact name, even if the name holds dots or backticks. */
    private static Column column(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }

    private static StructField field(StructType schema, String name) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("column '" + name + "' not found; the table has "
                + Arrays.toString(schema.fieldNames()));
    }

    private static boolean isIntegral(DataType t) {
        return t instanceof IntegerType || t instanceof LongType || t instanceof ShortType
                || t instanceof ByteType;
    }

    /** Token ids of a text's tokens: the first {@code maxLength}, or {@code [UNK_ID]} for none. */
    private static final class ToIds implements UDF1<Seq<String>, int[]> {
        private static final long serialVersionUID = 1L;
        private final Vocabulary vocabulary;
        private final int maxLength;

        ToIds(Vocabulary vocabulary, int maxLength) {
            this.vocabulary = vocabulary;
            this.maxLength = maxLength;
        }

        @Override
        public int[] call(Seq<String> words) {
            int n = Math.min(words.length(), maxLength);
            if (n == 0) {
                return new int[] {Vocabulary.UNK_ID};
            }
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = vocabulary.id(words.apply(i));
            }
            return ids;
        }
    }
}
