package io.dptrain.ml;

import io.dptrain.data.LabeledImages;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Test helper: images as the plain DataFrames a Spark user has, not as prepared tables (public for the HDFS tier). */
public final class MlTables {
    /** Fashion-MNIST's class names, in label order. */
    public static final List<String> NAMES = List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal",
            "shirt", "sneaker", "bag", "boot");

    private MlTables() {
    }

    /** Columns {@code name} (the class name, a string) and {@code pixels} (array&lt;int&gt; of 0..255). */
    public static Dataset<Row> namedArrays(SparkSession spark, LabeledImages images) {
        int n = images.shape().pixelsPerImage();
        List<Row> rows = new ArrayList<>(images.count());
        for (int i = 0; i < images.count(); i++) {
            int[] pixels = new int[n];
            for (int p = 0; p < n; p++) {
                pixels[p] = images.pixels()[i * n + p] & 0xFF;
            }
            rows.add(RowFactory.create(NAMES.get(images.label(i)), pixels));
        }
        StructType schema = new StructType().add("name", DataTypes.StringType)
                .add("pixels", DataTypes.createArrayType(DataTypes.IntegerType));
        return spark.createDataFrame(rows, schema);
    }
}
