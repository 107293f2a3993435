package io.dptrain.data.text;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Labelled texts as a Spark DataFrame, before tokenizing: columns {@value TextTable#TEXT}
 * (string, never null: a missing text is the empty string) and {@value TextTable#LABEL} (int,
 * the class index into {@code classNames}). Made by {@link TextTable#read},
 * {@link TextTable#fromTable} and {@link TextTable#split}, which count the rows per class.
 *
 * @param table      the {@code (text string, label int)} table, evaluated lazily
 * @param classNames class names in class-index order
 * @param counts     rows per class name, in class-index order, as counted when this was made
 */
public record LabeledTexts(Dataset<Row> table, List<String> classNames, Map<String, Long> counts) {

    /**
     * Copies the lists and checks that every count belongs to a class.
     *
     * @param table      the table, not null
     * @param classNames at least one class name
     * @param counts     rows per class; classes without rows may be missing
     */
    public LabeledTexts {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(counts, "counts");
        classNames = List.copyOf(classNames);
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("classNames must not be empty");
        }
        Map<String, Long> ordered = new LinkedHashMap<>();
        for (String name : classNames) {
            ordered.put(name, counts.getOrDefault(name, 0L));
        }
        if (!classNames.containsAll(counts.keySet())) {
            throw new IllegalArgumentException("counts name classes " + counts.keySet()
                    + " that are not all in classNames " + classNames);
        }
        counts = Collections.unmodifiableMap(ordered);
    }

    /**
     * Returns the number of rows.
     *
     * @return the sum of {@link #counts()}
     */
    public long count() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
