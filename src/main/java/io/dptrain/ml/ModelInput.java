package io.dptrain.ml;

import io.dptrain.data.ExampleCodec;
import io.dptrain.data.ImageCodec;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.data.text.SequenceShape;
import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.TokenCodec;
import io.dptrain.data.text.Tokenizer;
import io.dptrain.data.text.Vocabulary;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What a model reads and how a features column becomes it: images of one shape on a pixel scale,
 * or texts through a vocabulary. Training and {@code transform} encode with the same rules
 * ({@link ImageTable#pixelBytes}, {@link TextTable#tokenIds}), so what a model sees when
 * predicting is what it saw when learning.
 */
sealed interface ModelInput extends Serializable {

    /** How the encoded column becomes examples. */
    ExampleCodec codec();

    /** Number of classes the model predicts. */
    default int classes() {
        return codec().classes();
    }

    /**
     * The features column as the model reads it (pixel bytes or token ids), checked lazily.
     *
     * @throws IllegalArgumentException naming the column, its type and what is accepted
     */
    Column encode(StructType schema, String featuresCol);

    /** Checks the features column's type; the message names the column, its type and what is accepted. */
    void requireFeatures(StructType schema, String featuresCol);

    /** Images of one shape (classes included) whose pixel values run 0..pixelMax. */
    record Images(ImageShape shape, double pixelMax) implements ModelInput {
        private static final long serialVersionUID = 1L;

        @Override
        public ExampleCodec codec() {
            return new ImageCodec(shape);
        }

        @Override
        public Column encode(StructType schema, String featuresCol) {
            requireFeatures(schema, featuresCol);
            return ImageTable.pixelBytes(schema, featuresCol, shape, pixelMax);
        }

        @Override
        public void requireFeatures(StructType schema, String featuresCol) {
            DataType type = field(schema, featuresCol).dataType();
            if (!ImageTable.isPixelType(type)) {
                throw new IllegalArgumentException("features column '" + featuresCol + "' has type "
                        + type.simpleString() + ", but this model reads images (" + shape.height() + "x"
                        + shape.width() + "x" + shape.channels() + "): binary, array of numbers or"
                        + " ml.linalg.Vector");
            }
        }
    }

    /** Raw texts, tokenized and cut by the training rules, as ids of {@code vocabulary}. */
    record Texts(SequenceShape shape, Vocabulary vocabulary) implements ModelInput {
        private static final long serialVersionUID = 1L;

        public Texts {
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(vocabulary, "vocabulary");
        }

        @Override
        public ExampleCodec codec() {
            return new TokenCodec(shape);
        }

        @Override
        public Column encode(StructType schema, String featuresCol) {
            requireFeatures(schema, featuresCol);
            return TextTable.tokenIds(Tokenizer.tokens(functions.col(quoted(featuresCol))), vocabulary,
                    shape.maxLength());
        }

        @Override
        public void requireFeatures(StructType schema, String featuresCol) {
            DataType type = field(schema, featuresCol).dataType();
            if (!(type instanceof StringType)) {
                throw new IllegalArgumentException("features column '" + featuresCol + "' has type "
                        + type.simpleString() + ", but this model reads texts: string");
            }
        }
    }

    /** A column by its exact name, even if the name holds dots or backticks. */
    static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    static StructField field(StructType schema, String name) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("column '" + name + "' not found; the table has "
                + Arrays.toString(schema.fieldNames()));
    }
}
