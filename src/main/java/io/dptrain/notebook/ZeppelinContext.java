package io.dptrain.notebook;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;
import scala.collection.Seq;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code z} object of a note run: the part of Zeppelin's {@code ZeppelinContext} that notes use.
 * Method names, parameters and return types are Zeppelin's (forms return {@code Object}, not
 * {@code String}), so code that compiles here compiles in Zeppelin.
 *
 * <ul>
 *   <li>{@code z.show(df)} prints the first {@code maxResult} rows as a {@code %table} message;</li>
 *   <li>{@code z.textbox(name, default)} and {@code z.select(name, default, options)} return the run's
 *       parameter of that name, else the default (there is no one to type into the form);</li>
 *   <li>{@code z.put(name, value)} / {@code z.get(name)} share objects between paragraphs
 *       ({@code get} of a name never put returns null, as in Zeppelin).</li>
 * </ul>
 *
 * <p>Not thread-safe: paragraphs run one after another on the runner's thread.
 */
public final class ZeppelinContext {
    private final PrintStream out;
    private final int maxResult;
    private final Map<String, String> params;
    private final Set<String> asked = new HashSet<>();
    private final Map<String, Object> resources = new HashMap<>();
    private final Map<String, String> formValues = new LinkedHashMap<>();

    ZeppelinContext(PrintStream out, int maxResult, Map<String, String> params) {
        this.out = out;
        this.maxResult = maxResult;
        this.params = Map.copyOf(params);
    }

    /** Shows a DataFrame (or Dataset) as a table of at most {@code maxResult} rows; anything else as its text. */
    public void show(Object value) {
        show(value, maxResult);
    }

    /** Shows a DataFrame (or Dataset) as a table of at most {@code rows} rows; anything else as its text. */
    public void show(Object value, int rows) {
        if (value instanceof Dataset<?> dataset) {
            out.print(table(dataset.toDF(), rows));
        } else {
            out.print(value);
        }
        out.flush();
    }

    /**
     * Zeppelin's table output: {@code %table} and a tab-separated header line, one line per row
     * (tabs and line breaks inside values become spaces, null is "null"), a red note when rows were
     * cut, and {@code %text} so that later output is not read as table rows.
     */
    static String table(Dataset<Row> frame, int rows) {
        StringBuilder table = new StringBuilder("%table ");
        table.append(String.join("\t", List.of(frame.columns()).stream().map(ZeppelinContext::cell).toList()))
                .append('\n');
        List<Row> taken = frame.takeAsList(rows + 1);
        for (Row row : taken.subList(0, Math.min(rows, taken.size()))) {
            List<String> cells = new ArrayList<>(row.size());
            for (int i = 0; i < row.size(); i++) {
                cells.add(cell(row.isNullAt(i) ? "null" : String.valueOf(row.get(i))));
            }
            table.append(String.join("\t", cells)).append('\n');
        }
        if (taken.size() > rows) {
            table.append("%html <font color=red>Results are limited by ").append(rows).append(" rows.</font>\n");
        }
        return table.append("%text ").toString();
    }

    private static String cell(String value) {
        return value.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    /** A text box form without a default: the parameter {@code name}, else "". */
    public Object textbox(String name) {
        return textbox(name, "");
    }

    /** A text box form: the run's parameter {@code name}, else {@code defaultValue}. */
    public Object textbox(String name, String defaultValue) {
        return form(name, defaultValue);
    }

    /** A select form without a default: the parameter {@code name}, else null (nothing selected). */
    public Object select(String name, Seq<Tuple2<Object, String>> options) {
        return select(name, options, (Object) null);
    }

    /** A select form (Zeppelin's older argument order). */
    public Object select(String name, Object defaultValue, Seq<Tuple2<Object, String>> options) {
        return select(name, options, defaultValue);
    }

    /**
     * A select form of (value, display name) options: the run's parameter {@code name}, which must be
     * one of the values, else {@code defaultValue}.
     *
     * @throws IllegalArgumentException naming the parameter, its value and the allowed values
     */
    public Object select(String name, Seq<Tuple2<Object, String>> options, Object defaultValue) {
        String given = params.get(name);
        if (given != null) {
            Set<String> values = new TreeSet<>();
            scala.collection.Iterator<Tuple2<Object, String>> it = options.iterator();
            while (it.hasNext()) {
                values.add(String.valueOf(it.next()._1()));
            }
            if (!values.contains(given)) {
                throw new IllegalArgumentException("parameter " + name + "=" + given
                        + " is not an option of the select form '" + name + "'; allowed: " + values);
            }
        }
        return form(name, defaultValue);
    }

    private Object form(String name, Object defaultValue) {
        asked.add(name);
        Object value = params.containsKey(name) ? params.get(name) : defaultValue;
        formValues.put(name, String.valueOf(value));
        return value;
    }

    /** Shares {@code value} under {@code name} with later paragraphs. */
    public void put(String name, Object value) {
        resources.put(name, value);
    }

    /** The object put under {@code name}, or null when there is none. */
    public Object get(String name) {
        return resources.get(name);
    }

    /** The form values of the current paragraph so far, and forgets them (the runner records them per paragraph). */
    Map<String, String> takeFormValues() {
        Map<String, String> values = new LinkedHashMap<>(formValues);
        formValues.clear();
        return values;
    }

    /** Names of the run's parameters that no form asked for: most likely misspelt. */
    Set<String> unusedParams() {
        Set<String> unused = new TreeSet<>(params.keySet());
        unused.removeAll(asked);
        return unused;
    }
}
