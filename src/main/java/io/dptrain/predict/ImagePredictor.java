package io.dptrain.predict;

import static org.apache.spark.sql.functions.col;

import io.dptrain.data.ImageCodec;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.config.DptrainConfig;
import io.dptrain.report.Provenance;
import io.dptrain.io.RunOutput;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trained image model (preset mlp, lenet or vgg-mini) ready to predict the classes of new images:
 * {@link #load} reads an image run's folder ({@value RunOutput#MODEL} and the image shape from
 * {@value RunOutput#PROVENANCE}), {@link #predict} scores any table with a pixels column (binary,
 * numeric array or Vector of 0..255 values) on the executors through {@link BatchPredictor}. The
 * classes are named by their index ("0".."K-1").
 */
public final class ImagePredictor {
    private static final Logger LOG = LoggerFactory.getLogger(ImagePredictor.class);

    private final SparkSession spark;
    private final String runDir;
    private final ModelPayload payload;
    private final ImageShape shape;
    private final List<String> classNames;

    private ImagePredictor(SparkSession spark, String runDir, ModelPayload payload, ImageShape shape) {
        this.spark = spark;
        this.runDir = runDir;
        this.payload = payload;
        this.shape = shape;
        this.classNames = IntStream.range(0, shape.classes()).mapToObj(Integer::toString).toList();
    }

    /**
     * Loads an image run's folder and checks the model against the shape its provenance records.
     *
     * @param spark  the session (its Hadoop configuration reads the files)
     * @param runDir the run's output folder, local or any Hadoop URI
     * @return the predictor
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    public static ImagePredictor load(SparkSession spark, String runDir) {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(runDir, "runDir");
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        TextPredictor.requireFolder(runDir, conf);
        String modelFile = new Path(runDir, RunOutput.MODEL).toString();
        String provenanceFile = new Path(runDir, RunOutput.PROVENANCE).toString();
        MultiLayerNetwork net = new RunOutput(conf).loadModel(modelFile);
        if (net.getLayerWiseConfigurations().getConf(0).getLayer() instanceof EmbeddingSequenceLayer) {
            throw new IllegalArgumentException("the model " + modelFile + " is a text model; predict its texts with"
                    + " --text-col (the run folder holds " + RunOutput.VOCABULARY + " for that)");
        }
        DptrainConfig.Data data = Provenance.read(provenanceFile, conf).config().data();
        ImageShape shape = new ImageShape(data.height(), data.width(), data.channels(), data.classes());
        int outputs = net.layerSize(net.getnLayers() - 1);
        if (outputs != shape.classes()) {
            throw new IllegalArgumentException(provenanceFile + " says " + shape.classes() + " classes but the output"
                    + " layer of " + modelFile + " has " + outputs + " units; the files come from different runs");
        }
        LOG.info("loaded image model {}: {} parameters, images {}x{}x{}, {} classes", runDir, net.numParams(),
                shape.height(), shape.width(), shape.channels(), shape.classes());
        return new ImagePredictor(spark, runDir, ModelPayload.of(net, new ImageCodec(shape)), shape);
    }

    /** The image shape the model reads. */
    public ImageShape shape() {
        return shape;
    }

    /**
     * Predicts the class of every image, on the executors: the input columns, then
     * {@value TextPredictor#PREDICTION} (the class index as a name), {@value TextPredictor#PREDICTION_INDEX}
     * and one {@value TextPredictor#PROBABILITY_PREFIX}{@code <class>} column per class.
     *
     * @param input       any table with a pixels column
     * @param featuresCol the pixels column: binary, array of numbers or Vector, values 0..255 (whole numbers)
     * @param labelCol    a label column (class indices), or null; with it the accuracy is computed
     * @return the predictions; close them when done
     * @throws IllegalArgumentException for a missing column, a type that holds no images, or input columns
     *                                  named like an output column
     */
    public Predictions predict(Dataset<Row> input, String featuresCol, String labelCol) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(featuresCol, "featuresCol");
        StructType schema = input.schema();
        List<String> present = Arrays.asList(schema.fieldNames());
        if (labelCol != null && !present.contains(labelCol)) {
            throw new IllegalArgumentException("column '" + labelCol + "' not found; the table has " + present);
        }
        List<String> probabilityColumns = TextPredictor.probabilityColumns(classNames);
        StructType outSchema = TextPredictor.outputSchema(schema, probabilityColumns);
        List<String> clashes = Arrays.stream(outSchema.fieldNames()).skip(schema.length()).filter(present::contains)
                .toList();
        if (!clashes.isEmpty()) {
            throw new IllegalArgumentException("the input already has the output column(s) " + clashes
                    + "; rename or drop them (the table has " + present + ")");
        }
        Dataset<Row> withInput = input.select(col("*"), ImageTable.pixelBytes(schema, featuresCol, shape,
                ImageTable.BYTE_MAX).as(TextPredictor.freshName(schema, "pixels")));
        Broadcast<ModelPayload> model = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(payload);
        Dataset<Row> table = withInput.mapPartitions(new NamedPredictions(
                new BatchPredictor(model, TextPredictor.BATCH_SIZE), schema.length(), classNames), Encoders.row(outSchema));
        try {
            OptionalDouble accuracy = OptionalDouble.empty();
            long rows;
            if (labelCol != null) {
                table = table.persist(StorageLevel.MEMORY_AND_DISK());
                rows = table.count();
                accuracy = rows == 0 ? accuracy : OptionalDouble.of(TextPredictor.accuracy(table, labelCol, rows));
            } else {
                rows = input.count();
            }
            LOG.info("predicted {} images with {}{}", rows, runDir,
                    accuracy.isPresent() ? ", accuracy " + accuracy.getAsDouble() : "");
            return Predictions.ofImages(table, rows, accuracy, model);
        } catch (RuntimeException e) {
            table.unpersist();
            model.destroy();
            throw e;
        }
    }
}
