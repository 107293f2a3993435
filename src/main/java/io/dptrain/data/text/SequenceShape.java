package io.dptrain.data.text;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * What a prepared text table holds, recorded as metadata on its {@code tokens} column (see
 * {@link TextTable}): every row is a sequence of 1..{@code maxLength} token ids below
 * {@code vocabularySize}, labelled with a class index into {@code classNames}.
 *
 * @param maxLength             longest sequence; shorter ones are padded to it in minibatches
 * @param vocabularySize        number of token ids, the two reserved ones included (the
 *                              embedding layer's input size)
 * @param classNames            the class names in class-index order, at least 2, distinct
 * @param vocabularyFingerprint {@link Vocabulary#fingerprint()} of the vocabulary that made
 *                              the ids, so a vocabulary file can be checked against the table
 */
public record SequenceShape(int maxLength, int vocabularySize, List<String> classNames,
        String vocabularyFingerprint) implements Serializable {

    /**
     * Validates every field; the message names the field, the value and what is allowed.
     *
     * @param maxLength             at least 1
     * @param vocabularySize        at least 3 (padding, unknown and one word)
     * @param classNames            at least 2 distinct, non-null names; copied
     * @param vocabularyFingerprint not null
     */
    public SequenceShape {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
        }
        if (vocabularySize < Vocabulary.RESERVED + 1) {
            throw new IllegalArgumentException("vocabularySize must be >= " + (Vocabulary.RESERVED + 1)
                    + " (padding, unknown and at least one word), got " + vocabularySize);
        }
        Objects.requireNonNull(classNames, "classNames");
        Objects.requireNonNull(vocabularyFingerprint, "vocabularyFingerprint");
        classNames = List.copyOf(classNames);
        if (classNames.size() < 2) {
            throw new IllegalArgumentException("classNames must hold at least 2 classes, got "
                    + classNames);
        }
        if (new HashSet<>(classNames).size() != classNames.size()) {
            throw new IllegalArgumentException("classNames must be distinct, got " + classNames);
        }
    }

    /**
     * Returns the number of classes.
     *
     * @return {@code classNames().size()}
     */
    public int classes() {
        return classNames.size();
    }
}
