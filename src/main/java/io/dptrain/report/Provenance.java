package io.dptrain.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.json.Json;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where a model came from: the configuration, the data (path and rows), the seed, the versions of
 * dptrain, DL4J, Spark and Java, the test metrics and the wall times. Written as provenance.json
 * next to every model ({@link #toJson()}, indented for people) and read back into this record
 * ({@link #fromJson}, {@link #read(String, Configuration)}) with the rules of {@link Json}: the configuration is validated
 * again, and a field the record does not have is an error. A setting the run predates (a configuration key added to
 * dptrain after it) reads as that setting's default, so models and run folders stay readable: a run made before
 * {@code train.flush-subnormals-every} existed reads as flushing every 50 steps, although it never flushed.
 *
 * @param createdAt    when the run finished (ISO-8601)
 * @param config       the complete, validated configuration
 * @param sparkMaster  the master the run's Spark session really used (under spark-submit it is
 *                     spark-submit's, not the configuration's {@code spark.master})
 * @param workers      replicas the run trained in parallel (the configuration's {@code engine.workers}
 *                     may be 0, for Spark's default parallelism; this is the number it came to)
 * @param trainData    training table path
 * @param trainRows    rows trained on (after train-limit)
 * @param testData     test table path
 * @param testRows     rows evaluated
 * @param seed         the root seed
 * @param versions     dptrain, dl4j, spark and java versions
 * @param test         the final test evaluation
 * @param epochs       test accuracy after each epoch with the training time spent to reach it (validation
 *                     accuracy when the configuration holds out {@code data.validation-rows})
 * @param trainMillis  training-loop wall time
 * @param wallMillis   whole run wall time (loading, training, evaluation)
 * @param examplesPerSecond training examples per second of training-loop time
 */
public record Provenance(String createdAt, DptrainConfig config, String sparkMaster, int workers, String trainData,
                         long trainRows, String testData, long testRows, long seed, Map<String, String> versions,
                         EvaluationReport test, List<EpochEvaluation.Point> epochs, long trainMillis, long wallMillis,
                         double examplesPerSecond) {

    public Provenance {
        versions = Collections.unmodifiableSortedMap(new TreeMap<>(versions));
        epochs = List.copyOf(epochs);
    }

    /** Provenance of a run that finishes now. */
    public static Provenance of(DptrainConfig config, String sparkMaster, int workers, long trainRows, long testRows,
                                EvaluationReport test, List<EpochEvaluation.Point> epochs, long trainMillis,
                                long wallMillis, double examplesPerSecond) {
        return new Provenance(Instant.now().toString(), config, sparkMaster, workers, config.data().train(), trainRows,
                config.data().test(), testRows, config.train().seed(), buildVersions(), test, epochs, trainMillis,
                wallMillis, examplesPerSecond);
    }

    /** dptrain, DL4J and Spark versions from the build, and the running Java's. */
    public static Map<String, String> buildVersions() {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream("/io/dptrain/versions.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> versions = new TreeMap<>();
        p.forEach((k, v) -> versions.put(k.toString(), v.toString()));
        versions.put("java", System.getProperty("java.version"));
        return versions;
    }

    /** provenance.json's text: indented JSON, fields in the order of the record. */
    public String toJson() {
        try {
            return Json.indented().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the provenance as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads what {@link #toJson()} wrote; {@code source} names the text in errors, which say which
     * field is wrong or missing.
     */
    public static Provenance fromJson(String json, String source) {
        JsonNode tree = Json.tree(json, source);
        if (tree.get("config") instanceof ObjectNode config) {
            addMissing(config, Json.MAPPER.valueToTree(ConfigLoader.defaults()));
        }
        return Json.read(tree, Provenance.class, source);
    }

    /** Adds to {@code into} every field of {@code defaults} it lacks, at any depth. */
    private static void addMissing(ObjectNode into, JsonNode defaults) {
        defaults.fields().forEachRemaining(field -> {
            JsonNode present = into.get(field.getKey());
            if (present == null) {
                into.set(field.getKey(), field.getValue());
            } else if (present instanceof ObjectNode object && field.getValue().isObject()) {
                addMissing(object, field.getValue());
            }
        });
    }

    /**
     * Reads a run's provenance.json, a local path or any Hadoop URI.
     *
     * @throws IllegalArgumentException naming the file when it is missing or not a provenance
     */
    public static Provenance read(String file, Configuration hadoop) {
        Path path = new Path(file);
        try (InputStream in = path.getFileSystem(hadoop).open(path)) {
            return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), "provenance file " + file);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("provenance file " + file + " does not exist; every run folder holds one",
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the provenance file " + file, e);
        }
    }
}
