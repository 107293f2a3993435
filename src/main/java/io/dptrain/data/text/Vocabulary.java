package io.dptrain.data.text;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.apache.spark.sql.functions.asc;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import io.dptrain.io.AtomicOutput;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token ids for a text model: id {@value #PAD_ID} is padding ({@value #PAD}), id
 * {@value #UNK_ID} stands for every token not in the vocabulary ({@value #UNK}), and ids
 * {@code 2..size()-1} are the kept words, most frequent first.
 *
 * <p>{@link #build} counts tokens with Spark (explode, group by token, count), keeps those
 * seen at least {@code minCount} times, and of those the {@code maxSize - 2} most frequent,
 * ties broken by the token in ascending order, so the same data always gives the same ids.
 *
 * <p>The vocabulary is saved with the model and reused at prediction, as a UTF-8 text file:
 * a header line {@code dptrain-vocabulary 1 size=<size()>}, then one token per line in id
 * order, the reserved tokens first. {@link #load} rejects a file that is not one (wrong header,
 * token count different from the header's size, missing reserved tokens, duplicates).
 * {@link #fingerprint()} identifies the exact token list, so a prepared table or a model can
 * record which vocabulary made its ids.
 */
public final class Vocabulary implements Serializable {

    /** The padding token, id {@value #PAD_ID}: fills sequences up to the maximum length. */
    public static final String PAD = "<pad>";
    /** The unknown token, id {@value #UNK_ID}: every token the vocabulary does not hold. */
    public static final String UNK = "<unk>";
    /** Id of {@link #PAD}. */
    public static final int PAD_ID = 0;
    /** Id of {@link #UNK}. */
    public static final int UNK_ID = 1;
    /** Number of reserved ids before the first word. */
    public static final int RESERVED = 2;
    /** First word of a vocabulary file's header line. */
    public static final String FORMAT_TAG = "dptrain-vocabulary";
    /** Version of the file format this class writes and reads. */
    public static final int FORMAT_VERSION = 1;

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(Vocabulary.class);
    private static final Pattern HEADER =
            Pattern.compile(Pattern.quote(FORMAT_TAG) + " (\\d+) size=(\\d+)");

    /** All tokens in id order, reserved ones first. */
    private final List<String> tokens;
    private final Map<String, Integer> ids;

    private Vocabulary(List<String> tokens) {
        this.tokens = tokens;
        this.ids = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) {
            ids.put(tokens.get(i), i);
        }
    }

    /**
     * Makes a vocabulary of the given words, which get ids 2, 3, ... in order.
     *
     * @param words at least one word; each non-empty, without whitespace, distinct, and neither
     *              {@value #PAD} nor {@value #UNK}
     * @return the vocabulary
     * @throws IllegalArgumentException naming the offending word and its position
     */
    public static Vocabulary of(List<String> words) {
        Objects.requireNonNull(words, "words");
        if (words.isEmpty()) {
            throw new IllegalArgumentException("a vocabulary needs at least one word besides "
                    + PAD + " and " + UNK + ", got none");
        }
        List<String> tokens = new ArrayList<>(words.size() + RESERVED);
        tokens.add(PAD);
        tokens.add(UNK);
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w == null || w.isEmpty() || w.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("word " + i + " must be non-empty and hold no"
                        + " whitespace, got " + (w == null ? "null" : "'" + w + "'"));
            }
            if (w.equals(PAD) || w.equals(UNK)) {
                throw new IllegalArgumentException("word " + i + " is the reserved token " + w);
            }
            Integer before = seen.putIfAbsent(w, i);
            if (before != null) {
                throw new IllegalArgumentException("word '" + w + "' appears twice, at "
                        + before + " and " + i);
            }
            tokens.add(w);
        }
        return new Vocabulary(List.copyOf(tokens));
    }

    /**
     * Builds the vocabulary of the texts' tokens ({@link Tokenizer#tokens}) with Spark.
     *
     * @param texts    the texts, usually the training split only (so test words stay unknown)
     * @param maxSize  most ids, the {@value #RESERVED} reserved ones included (the embedding's
     *                 input size): the {@code maxSize - 2} most frequent words are kept; larger
     *                 covers more rare words at the cost of a bigger embedding
     * @param minCount least number of occurrences of a kept word; higher drops typos and
     *                 one-off strings that a model cannot learn from anyway
     * @return the vocabulary, of at most {@code maxSize} ids
     */
    public static Vocabulary build(LabeledTexts texts, int maxSize, long minCount) {
        Objects.requireNonNull(texts, "texts");
        return build(texts.table().select(Tokenizer.tokens(col(TextTable.TEXT)).as("tokens")),
                "tokens", maxSize, minCount);
    }

    /**
     * Builds the vocabulary of an array-of-strings column with Spark: explode, count per token,
     * keep counts {@code >= minCount}, then the {@code maxSize - 2} most frequent, ties broken
     * by token (ascending). Nulls, empty strings and the reserved tokens are ignored.
     *
     * @param table     any table
     * @param tokensCol an {@code array<string>} column of tokens
     * @param maxSize   most ids, reserved ones included, at least {@value #RESERVED} + 1
     * @param minCount  least number of occurrences of a kept word, at least 1
     * @return the vocabulary, of at most {@code maxSize} ids
     * @throws IllegalArgumentException if no token occurs {@code minCount} times
     */
    public static Vocabulary build(Dataset<Row> table, String tokensCol, int maxSize,
            long minCount) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(tokensCol, "tokensCol");
        if (maxSize < RESERVED + 1) {
            throw new IllegalArgumentException("maxSize must be >= " + (RESERVED + 1)
                    + " (" + PAD + ", " + UNK + " and one word), got " + maxSize);
        }
        int maxWords = maxSize - RESERVED;
        if (minCount < 1) {
            throw new IllegalArgumentException("minCount must be >= 1, got " + minCount);
        }
        Column token = col("token");
        List<Row> top = table.select(explode(col(tokensCol)).as("token"))
                .where(token.isNotNull().and(length(token).gt(0))
                        .and(not(token.isin(PAD, UNK))))
                .groupBy(token).count()
                .where(col("count").geq(lit(minCount)))
                .orderBy(desc("count"), asc("token"))
                .limit(maxWords)
                .collectAsList();
        if (top.isEmpty()) {
            throw new IllegalArgumentException("no token occurs at least minCount = " + minCount
                    + " times; lower minCount or check the text column");
        }
        List<String> words = new ArrayList<>(top.size());
        for (Row r : top) {
            words.add(r.getString(0));
        }
        Vocabulary vocabulary = of(words);
        LOG.info("vocabulary: {} words (maxSize {}, minCount {}; counts {}..{}), {} ids with {}"
                        + " and {}", words.size(), maxSize, minCount,
                top.get(top.size() - 1).getLong(1), top.get(0).getLong(1), vocabulary.size(),
                PAD, UNK);
        return vocabulary;
    }

    /**
     * Returns the number of ids, reserved ones included: the embedding layer's input size.
     *
     * @return words + {@value #RESERVED}
     */
    public int size() {
        return tokens.size();
    }

    /**
     * Returns the id of a token.
     *
     * @param token any token
     * @return its id, or {@value #UNK_ID} when the vocabulary does not hold it
     */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? UNK_ID : id;
    }

    /**
     * Returns the token of an id.
     *
     * @param id an id in {@code 0..size()-1}
     * @return the token, {@value #PAD} and {@value #UNK} for the reserved ids
     */
    public String token(int id) {
        Objects.checkIndex(id, tokens.size());
        return tokens.get(id);
    }

    /**
     * Returns every token in id order, the reserved ones first.
     *
     * @return an unmodifiable list of {@link #size()} tokens
     */
    public List<String> tokens() {
        return tokens;
    }

    /**
     * Identifies this exact token list: the first 16 hex digits of the SHA-256 of the tokens
     * joined by newlines.
     *
     * @return 16 lower-case hex digits
     */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(String.join("\n", tokens).getBytes(UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /**
     * Writes the vocabulary file (format in the class comment) to a Hadoop path, atomically
     * ({@link AtomicOutput}).
     *
     * @param path      a Hadoop path or URI (a plain local path works too)
     * @param conf      the Hadoop configuration, e.g. {@code sparkContext().hadoopConfiguration()}
     * @param overwrite whether an existing file may be replaced
     * @throws IllegalArgumentException if the file exists and {@code overwrite} is false
     * @throws UncheckedIOException     if writing fails
     */
    public void save(String path, Configuration conf, boolean overwrite) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(conf, "conf");
        Path target = new Path(path);
        try {
            FileSystem fs = target.getFileSystem(conf);
            if (!overwrite && fs.exists(target)) {
                throw new IllegalArgumentException("vocabulary file " + path + " already exists;"
                        + " pass overwrite to replace it");
            }
            AtomicOutput.writeFile(fs, target, overwrite, file -> {
                Writer out = new OutputStreamWriter(file, UTF_8);
                out.write(FORMAT_TAG + " " + FORMAT_VERSION + " size=" + tokens.size() + "\n");
                for (String t : tokens) {
                    out.write(t);
                    out.write('\n');
                }
                out.flush();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write vocabulary file " + path, e);
        }
    }

    /**
     * Reads a vocabulary file written by {@link #save}.
     *
     * @param path a Hadoop path or URI
     * @param conf the Hadoop configuration
     * @return the vocabulary
     * @throws IllegalArgumentException if the file is missing or is not a vocabulary file:
     *                                  the message names the file and what is wrong
     * @throws UncheckedIOException     if reading fails
     */
    public static Vocabulary load(String path, Configuration conf) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(conf, "conf");
        Path source = new Path(path);
        List<String> lines = new ArrayList<>();
        try {
            FileSystem fs = source.getFileSystem(conf);
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(fs.open(source), UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            }
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("vocabulary file " + path + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read vocabulary file " + path, e);
        }
        String header = lines.isEmpty() ? "" : lines.get(0);
        Matcher m = HEADER.matcher(header);
        if (!m.matches()) {
            throw new IllegalArgumentException(path + " is not a dptrain vocabulary file: its"
                    + " first line must be '" + FORMAT_TAG + " " + FORMAT_VERSION
                    + " size=<n>', found '" + abbreviate(header) + "'");
        }
        if (!m.group(1).equals(Integer.toString(FORMAT_VERSION))) {
            throw new IllegalArgumentException(path + " is vocabulary format version "
                    + m.group(1) + "; this build reads version " + FORMAT_VERSION);
        }
        long size = Long.parseLong(m.group(2));
        int found = lines.size() - 1;
        if (size != found) {
            throw new IllegalArgumentException(path + ": the header says size=" + size
                    + " but the file holds " + found + " tokens (truncated or edited?)");
        }
        if (found < RESERVED + 1 || !lines.get(1).equals(PAD) || !lines.get(2).equals(UNK)) {
            throw new IllegalArgumentException(path + ": ids 0 and 1 must be " + PAD + " and "
                    + UNK + " followed by at least one word, found "
                    + lines.subList(1, Math.min(lines.size(), RESERVED + 2)));
        }
        try {
            return of(lines.subList(RESERVED + 1, lines.size()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    /** Compares the token lists. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary other && tokens.equals(other.tokens);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }

    @Override
    public String toString() {
        return "Vocabulary[size=" + size() + ", fingerprint=" + fingerprint() + "]";
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
