package io.dptrain.predict;

import io.dptrain.data.text.Vocabulary;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The predictions of {@link TextPredictor#predict} or {@link ImagePredictor#predict} and what predicting found.
 *
 * <p>The table is lazy and reads the model from a broadcast; with labels it is also cached (the
 * accuracy was computed from it). Use it, e.g. {@link PredictionWriter#write}, before
 * {@link #close()}, which releases both: open it in try-with-resources.
 */
public final class Predictions implements AutoCloseable {

    private final Dataset<Row> table;
    private final long rows;
    private final long cutTexts;
    private final long emptyTexts;
    private final long tokens;
    private final long unknownTokens;
    private final int maxLength;
    private final OptionalDouble accuracy;
    private final Broadcast<?> model;

    Predictions(Dataset<Row> table, long rows, long cutTexts, long emptyTexts, long tokens,
            long unknownTokens, int maxLength, OptionalDouble accuracy, Broadcast<?> model) {
        this.table = Objects.requireNonNull(table, "table");
        this.rows = rows;
        this.cutTexts = cutTexts;
        this.emptyTexts = emptyTexts;
        this.tokens = tokens;
        this.unknownTokens = unknownTokens;
        this.maxLength = maxLength;
        this.accuracy = Objects.requireNonNull(accuracy, "accuracy");
        this.model = Objects.requireNonNull(model, "model");
    }

    /** Predictions of images: no text counts ({@link #maxLength} 0 marks them). */
    static Predictions ofImages(Dataset<Row> table, long rows, OptionalDouble accuracy, Broadcast<?> model) {
        return new Predictions(table, rows, 0, 0, 0, 0, 0, accuracy, model);
    }

    /**
     * Returns the input rows with the prediction columns ({@link TextPredictor#outputColumns}).
     *
     * @return the table, valid until {@link #close()}
     */
    public Dataset<Row> table() {
        return table;
    }

    /**
     * Returns the number of texts predicted.
     *
     * @return the input's row count
     */
    public long rows() {
        return rows;
    }

    /**
     * Returns the texts longer than the model's max length, predicted from their first tokens.
     *
     * @return the number of cut texts
     */
    public long cutTexts() {
        return cutTexts;
    }

    /**
     * Returns the texts without any token (empty, blank, only punctuation, null), predicted from
     * the single token {@value Vocabulary#UNK}.
     *
     * @return the number of empty texts
     */
    public long emptyTexts() {
        return emptyTexts;
    }

    /**
     * Returns the tokens the model read: each text's tokens up to the max length; padding and
     * the stand-in for empty texts are not counted.
     *
     * @return the number of tokens read
     */
    public long tokens() {
        return tokens;
    }

    /**
     * Returns how many of {@link #tokens()} the vocabulary does not hold (read as {@value
     * Vocabulary#UNK}). A high share means the texts differ from the training texts.
     *
     * @return the number of unknown tokens
     */
    public long unknownTokens() {
        return unknownTokens;
    }

    /**
     * Returns the share of unknown tokens.
     *
     * @return {@code unknownTokens / tokens}, 0 when no token was read
     */
    public double unknownShare() {
        return tokens == 0 ? 0 : (double) unknownTokens / tokens;
    }

    /**
     * Returns the fraction of texts whose prediction equals their label.
     *
     * @return the accuracy, empty when no label column was given or there were no rows
     */
    public OptionalDouble accuracy() {
        return accuracy;
    }

    /**
     * Returns a human-readable summary, one fact per line.
     *
     * @return the summary, ending with a newline
     */
    public String toText() {
        StringBuilder s = new StringBuilder();
        if (maxLength == 0) {
            s.append(String.format(Locale.ROOT, "predicted %d images%n", rows));
            accuracy.ifPresent(a -> s.append(String.format(Locale.ROOT, "accuracy: %.4f on %d labelled"
                    + " images%n", a, rows)));
            return s.toString();
        }
        s.append(String.format(Locale.ROOT, "predicted %d texts%n", rows));
        s.append(String.format(Locale.ROOT, "texts longer than %d tokens, cut: %d%n", maxLength,
                cutTexts));
        s.append(String.format(Locale.ROOT, "empty texts, predicted from %s: %d%n", Vocabulary.UNK,
                emptyTexts));
        s.append(String.format(Locale.ROOT, "unknown tokens: %d of %d (%.1f%%)%n", unknownTokens,
                tokens, 100 * unknownShare()));
        accuracy.ifPresent(a -> s.append(String.format(Locale.ROOT, "accuracy: %.4f on %d labelled"
                + " texts%n", a, rows)));
        return s.toString();
    }

    /** Releases the cached table and the broadcast model; the table is unusable afterwards. */
    @Override
    public void close() {
        table.unpersist();
        model.destroy();
    }

    @Override
    public String toString() {
        return "Predictions[rows=" + rows + ", cutTexts=" + cutTexts + ", emptyTexts=" + emptyTexts
                + ", tokens=" + tokens + ", unknownTokens=" + unknownTokens + ", accuracy="
                + accuracy + "]";
    }
}
