package io.dptrain.data.text;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the SpamAssassin public corpus (as {@code jobs/fetch-data.sh} unpacks it:
 * {@code <folder>/<group>/NNNNN.<md5>.txt}, one raw RFC 822 message per file, groups
 * {@code easy-ham-1}, {@code easy-ham-2}, {@code hard-ham-1}, {@code spam-1}, {@code spam-2})
 * into a DataFrame with one row per message:
 * <ul>
 *   <li>{@value #ID} (string): {@code <group>/NNNNN};</li>
 *   <li>{@value #TEXT} (string): the subject, a newline, the kept header lines if any
 *       ({@code Name: value}, see {@link MailParser#parse(byte[], List)}) and a newline, then
 *       the body, as {@link MailParser} decodes them from the raw bytes;</li>
 *   <li>{@value #LABEL} (string): {@code spam} for groups named {@code spam*}, {@code ham}
 *       for groups whose name holds {@code ham};</li>
 *   <li>{@value #GROUP} (string): the group folder.</li>
 * </ul>
 * Files are read and parsed on the executors ({@code binaryFile} source, only {@code *.txt},
 * any depth), so the folder may be on any Hadoop file system. Other files (the packager's
 * {@code .json} twins) are ignored.
 */
public final class SpamAssassinCorpus {

    /** Name of the message id column. */
    public static final String ID = "id";
    /** Name of the text column. */
    public static final String TEXT = TextTable.TEXT;
    /** Name of the label column. */
    public static final String LABEL = "label";
    /** Name of the group column. */
    public static final String GROUP = "group";
    /** The label of spam groups. */
    public static final String SPAM = "spam";
    /** The label of ham groups. */
    public static final String HAM = "ham";

    private static final Logger LOG = LoggerFactory.getLogger(SpamAssassinCorpus.class);
    private static final int TASKS_PER_CORE = 2;
    private static final StructType PARSED = new StructType()
            .add("subject", DataTypes.StringType, false)
            .add("headers", DataTypes.StringType, false)
            .add("body", DataTypes.StringType, false)
            .add("replaced", DataTypes.IntegerType, false);

    private SpamAssassinCorpus() {
    }

    /**
     * The corpus table and what reading it found.
     *
     * @param messages                 the table ({@value #ID}, {@value #TEXT}, {@value #LABEL},
     *                                 {@value #GROUP}), lazy: each action re-reads the files, so
     *                                 cache it when running several
     * @param count                    number of messages
     * @param labels                   messages per label
     * @param groups                   messages per group
     * @param replacedBytes            bytes not decodable in their declared charset, replaced
     * @param messagesWithReplacements messages with at least one replaced byte
     */
    public record Result(Dataset<Row> messages, long count, Map<String, Long> labels,
            Map<String, Long> groups, long replacedBytes, long messagesWithReplacements) {
    }

    /**
     * Reads the corpus keeping no header but the Subject; see {@link #read(SparkSession, String,
     * List)}.
     *
     * @param spark  the session
     * @param folder the folder holding the group folders, local or a Hadoop URI
     * @return the table and the counts
     */
    public static Result read(SparkSession spark, String folder) {
        return read(spark, folder, List.of());
    }

    /**
     * Reads the corpus, counting messages per label and group and replaced bytes (one pass),
     * and logs the counts.
     *
     * @param spark   the session
     * @param folder  the folder holding the group folders, local or a Hadoop URI
     * @param headers top-level headers kept as text lines after the subject (see
     *                {@link MailParser#parse(byte[], List)}); empty for none
     * @return the table and the counts
     * @throws IllegalArgumentException if the folder holds no {@code .txt} messages, or
     *                                  messages outside a ham or spam group folder, or for an
     *                                  invalid header name
     */
    public static Result read(SparkSession spark, String folder, List<String> headers) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(folder, "folder");
        MailParser.checkHeaderNames(headers);
        // Spark packs small files by a 4 MB open cost, ~30 mails per task: far more tasks than
        // cores for a corpus of thousands. A few tasks per core read it 3-4x faster.
        int tasks = Math.max(1, spark.sparkContext().defaultParallelism() * TASKS_PER_CORE);
        Dataset<Row> files = spark.read().format("binaryFile")
                .option("pathGlobFilter", "*.txt")
                .option("recursiveFileLookup", "true")
                .load(folder)
                .coalesce(tasks);
        Column path = col("path");
        Column group = regexp_extract(path, "([^/]+)/[^/]+$", 1);
        Column number = regexp_extract(path, "/([^/.]+)[^/]*$", 1);
        Column label = when(group.startsWith("spam"), SPAM).when(group.contains("ham"), HAM);
        Column mail = udf(new Parse(headers), PARSED).apply(col("content"));
        Dataset<Row> parsed = files.select(path, group.as(GROUP), number.as("number"),
                        label.as(LABEL), mail.as("mail"))
                .select(concat(col(GROUP), lit("/"), col("number")).as(ID),
                        concat(col("mail.subject"), lit("\n"),
                                when(col("mail.headers").equalTo(""), lit(""))
                                        .otherwise(concat(col("mail.headers"), lit("\n"))),
                                col("mail.body")).as(TEXT),
                        col(LABEL), col(GROUP), col("mail.replaced").as("replaced"), path);

        List<Row> perGroup = parsed.groupBy(col(GROUP), col(LABEL))
                .agg(count(lit(1)), sum(col("replaced")),
                        sum(when(col("replaced").gt(0), 1L).otherwise(0L)), first(path))
                .collectAsList();
        if (perGroup.isEmpty()) {
            throw new IllegalArgumentException("no messages (*.txt files) under " + folder
                    + "; expected <group>/NNNNN.<md5>.txt as jobs/fetch-data.sh unpacks the"
                    + " SpamAssassin corpus");
        }
        Map<String, Long> labels = new TreeMap<>();
        Map<String, Long> groups = new TreeMap<>();
        long messages = 0;
        long replaced = 0;
        long withReplacements = 0;
        for (Row g : perGroup) {
            if (g.isNullAt(1)) {
                throw new IllegalArgumentException(g.getLong(2) + " messages under " + folder
                        + " are in folder '" + g.getString(0) + "', which is neither a spam"
                        + " group (spam*) nor a ham group (*ham*), e.g. " + g.getString(5));
            }
            labels.merge(g.getString(1), g.getLong(2), Long::sum);
            groups.put(g.getString(0), g.getLong(2));
            messages += g.getLong(2);
            replaced += g.getLong(3);
            withReplacements += g.getLong(4);
        }
        LOG.info("SpamAssassin corpus {}: {} messages, labels {}, groups {}; {} undecodable"
                        + " bytes replaced in {} messages; headers kept: {}", folder, messages,
                labels, groups, replaced, withReplacements, headers);
        return new Result(parsed.select(ID, TEXT, LABEL, GROUP), messages,
                Collections.unmodifiableMap(labels), Collections.unmodifiableMap(groups),
                replaced, withReplacements);
    }

    /** Raw message bytes to (subject, kept header lines, body, replaced bytes). */
    private static final class Parse implements UDF1<byte[], Row> {
        private static final long serialVersionUID = 1L;
        private final List<String> headers;

        Parse(List<String> headers) {
            this.headers = List.copyOf(headers);
        }

        @Override
        public Row call(byte[] raw) {
            ParsedMail mail = MailParser.parse(raw, headers);
            return RowFactory.create(mail.subject(), mail.headers(), mail.body(),
                    mail.replacedBytes());
        }
    }
}
