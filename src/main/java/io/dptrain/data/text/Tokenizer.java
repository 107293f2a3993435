package io.dptrain.data.text;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.split;

import java.util.Objects;
import org.apache.spark.sql.Column;

/**
 * The tokenizer, as a Spark column expression so it runs on the executors: lower-case the text
 * (Spark's {@code lower}), split it at every run of characters that are not letters, combining
 * marks or digits ({@value #SEPARATORS}), and drop the empty strings the split leaves at the
 * ends. A null text has no tokens.
 *
 * <p>Deliberately simple: {@code "Don't pay $1,000!"} gives {@code [don, t, pay, 1, 000]}; URLs
 * and addresses fall apart into their words ({@code http, www, example, com}); scripts written
 * without spaces (Chinese, Japanese) stay one token per run.
 */
public final class Tokenizer {

    /** The Java regular expression that separates tokens. */
    public static final String SEPARATORS = "[^\\p{L}\\p{M}\\p{N}]+";

    private Tokenizer() {
    }

    /**
     * Returns the tokens of a string column.
     *
     * @param text a string column
     * @return an {@code array<string>} column of the tokens in text order, never null
     */
    public static Column tokens(Column text) {
        Objects.requireNonNull(text, "text");
        return filter(split(lower(coalesce(text, lit(""))), SEPARATORS),
                token -> length(token).gt(0));
    }
}
