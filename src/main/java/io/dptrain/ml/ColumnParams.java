package io.dptrain.ml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The column Params that {@link DptrainClassifier} and {@link DptrainClassificationModel} share,
 * named and documented as Spark's own classifiers name them, so a Pipeline reads the same either way.
 */
final class ColumnParams {
    static final String FEATURES = "features";
    static final String LABEL = "label";
    static final String PREDICTION = "prediction";
    static final String PROBABILITY = "probability";
    static final String RAW_PREDICTION = "rawPrediction";

    private ColumnParams() {
    }

    static Param<String> featuresCol(Identifiable parent) {
        return new Param<>(parent, "featuresCol", "features column: images as binary (uint8), array of numbers"
                + " or ml.linalg.Vector, or raw text as string");
    }

    static Param<String> predictionCol(Identifiable parent) {
        return new Param<>(parent, "predictionCol", "prediction column name: the most probable class index"
                + " (double)");
    }

    static Param<String> probabilityCol(Identifiable parent) {
        return new Param<>(parent, "probabilityCol", "column name for the class probabilities (ml.linalg.Vector,"
                + " summing to 1); empty: not written");
    }

    static Param<String> rawPredictionCol(Identifiable parent) {
        return new Param<>(parent, "rawPredictionCol", "column name for the raw scores: the log of each class"
                + " probability (ml.linalg.Vector, the softmax's logits up to a per-row constant); empty: not"
                + " written");
    }

    /**
     * {@code input} with the output columns appended; an output column the input already has is an
     * error naming it, so the estimator fails before training as the model would after it.
     */
    /**
     * The columns a transform adds, in order: raw scores and probabilities (Vectors) unless their names are
     * empty, then {@code prediction}.
     */
    static List<StructField> outputFields(String rawPredictionCol, String probabilityCol, StructField prediction) {
        List<StructField> fields = new ArrayList<>();
        for (String name : List.of(rawPredictionCol, probabilityCol)) {
            if (!name.isEmpty()) {
                fields.add(new StructField(name, SQLDataTypes.VectorType(), false, Metadata.empty()));
            }
        }
        fields.add(prediction);
        return fields;
    }

    static StructType appendOutputs(StructType input, List<StructField> outputs) {
        List<String> present = Arrays.asList(input.fieldNames());
        StructType out = input;
        for (StructField f : outputs) {
            if (present.contains(f.name())) {
                throw new IllegalArgumentException("output column '" + f.name() + "' already exists in the input "
                        + present + "; set another name (setPredictionCol, setProbabilityCol, setRawPredictionCol;"
                        + " \"\" leaves the last two out)");
            }
            out = out.add(f);
        }
        return out;
    }
}
