package io.dptrain.ml;

import io.dptrain.data.ImageShape;
import io.dptrain.data.text.SequenceShape;
import io.dptrain.data.text.Vocabulary;
import io.dptrain.io.AtomicOutput;
import io.dptrain.json.Json;
import io.dptrain.predict.BatchPredictor;
import io.dptrain.predict.ModelPayload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import scala.Option;

/**
 * A trained dptrain network as a Spark ML {@code Model}: {@link #transform} appends the class
 * probabilities ({@code probabilityCol}, a Vector), raw scores ({@code rawPredictionCol}, the log
 * probabilities) and the most probable class index ({@code predictionCol}, a double whose metadata
 * names the classes, so {@code IndexToString} needs no labels). It runs on the executors: the
 * network is broadcast once per call and each partition predicts in minibatches of
 * {@code batchSize}; nothing is collected to the driver.
 *
 * <p>Saved with {@code write().overwrite().save(path)} to any Hadoop URI, alone or inside a
 * {@code PipelineModel}: Spark ML's {@code metadata/} plus {@code data/model.zip} (DL4J's
 * ModelSerializer, loads in plain DL4J), {@code data/input.json} (what the model reads) and, for
 * text, {@code data/vocabulary.txt}. The save is atomic: a hidden sibling folder renamed into place.
 */
public final class DptrainClassificationModel extends Model<DptrainClassificationModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    static final String DATA = "data";
    static final String MODEL_FILE = "model.zip";
    static final String INPUT_FILE = "input.json";
    static final String VOCABULARY_FILE = "vocabulary.txt";

    private final String uid;
    private final transient MultiLayerNetwork network;
    private final ModelInput input;
    private final List<String> classNames;
    private transient TrainingSummary summary;

    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final IntParam batchSize;

    DptrainClassificationModel(String uid, MultiLayerNetwork network, ModelInput input, List<String> classNames) {
        this.uid = Objects.requireNonNull(uid, "uid");
        this.network = Objects.requireNonNull(network, "network");
        this.input = Objects.requireNonNull(input, "input");
        this.classNames = List.copyOf(classNames);
        if (this.classNames.size() != input.classes()) {
            throw new IllegalArgumentException("the model predicts " + input.classes() + " classes but "
                    + this.classNames.size() + " class names were given: " + this.classNames);
        }
        int outputs = network.layerSize(network.getnLayers() - 1);
        if (outputs != input.classes()) {
            throw new IllegalArgumentException("the network's output layer has " + outputs + " units but the model"
                    + " predicts " + input.classes() + " classes " + this.classNames);
        }
        featuresCol = ColumnParams.featuresCol(this);
        predictionCol = ColumnParams.predictionCol(this);
        probabilityCol = ColumnParams.probabilityCol(this);
        rawPredictionCol = ColumnParams.rawPredictionCol(this);
        batchSize = new IntParam(this, "batchSize", "rows per forward pass in transform (> 0): larger uses the"
                + " cores better, smaller holds fewer activations in memory");
        setDefault(featuresCol, ColumnParams.FEATURES);
        setDefault(predictionCol, ColumnParams.PREDICTION);
        setDefault(probabilityCol, ColumnParams.PROBABILITY);
        setDefault(rawPredictionCol, ColumnParams.RAW_PREDICTION);
        setDefault(batchSize, 256);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> featuresCol() {
        return featuresCol;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public String getFeaturesCol() {
        return $(featuresCol);
    }

    public String getPredictionCol() {
        return $(predictionCol);
    }

    public String getProbabilityCol() {
        return $(probabilityCol);
    }

    public String getRawPredictionCol() {
        return $(rawPredictionCol);
    }

    public int getBatchSize() {
        return (Integer) $(batchSize);
    }

    public DptrainClassificationModel setFeaturesCol(String value) {
        return (DptrainClassificationModel) set(featuresCol, value);
    }

    public DptrainClassificationModel setPredictionCol(String value) {
        return (DptrainClassificationModel) set(predictionCol, value);
    }

    public DptrainClassificationModel setProbabilityCol(String value) {
        return (DptrainClassificationModel) set(probabilityCol, value);
    }

    public DptrainClassificationModel setRawPredictionCol(String value) {
        return (DptrainClassificationModel) set(rawPredictionCol, value);
    }

    public DptrainClassificationModel setBatchSize(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + value);
        }
        return (DptrainClassificationModel) set(batchSize, value);
    }

    /** The trained network, plain DL4J (parameters only: the updater state is not kept). */
    public MultiLayerNetwork network() {
        return network;
    }

    /** Class names in class-index order: the label column's metadata at fit time, else "0".."K-1". */
    public List<String> classNames() {
        return classNames;
    }

    /** What the model reads (image shape or vocabulary). */
    ModelInput input() {
        return input;
    }

    /** Number of classes. */
    public int numClasses() {
        return classNames.size();
    }

    /** Whether the model still has the summary of the fit that made it (a loaded model has none). */
    public boolean hasSummary() {
        return summary != null;
    }

    /**
     * The summary of the fit that made this model.
     *
     * @throws IllegalStateException for a loaded or copied-from-loaded model, which has none
     */
    public TrainingSummary summary() {
        if (summary == null) {
            throw new IllegalStateException("no training summary for DptrainClassificationModel " + uid
                    + ": only a model returned by fit has one (a loaded model does not)");
        }
        return summary;
    }

    DptrainClassificationModel withSummary(TrainingSummary summary) {
        this.summary = summary;
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        input.requireFeatures(schema, getFeaturesCol());
        return ColumnParams.appendOutputs(schema, outputFields());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        Dataset<Row> df = dataset.toDF();
        StructType in = df.schema();
        String inputCol = freshName(in);
        Dataset<Row> withInput = df.withColumn(inputCol, input.encode(in, getFeaturesCol()));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
        // Not destroyed here: the result is lazy and reads it whenever it is evaluated; Spark's
        // ContextCleaner removes it once the result is garbage.
        Broadcast<ModelPayload> payload = jsc.broadcast(ModelPayload.of(network, input.codec()));
        StructType scoredSchema = in.add("_raw", SQLDataTypes.VectorType()).add("_probability", SQLDataTypes.VectorType())
                .add("_prediction", DataTypes.DoubleType);
        Dataset<Row> scored = withInput.mapPartitions(
                new ScoreRows(new BatchPredictor(payload, getBatchSize()), in.length()), Encoders.row(scoredSchema));
        List<org.apache.spark.sql.Column> columns = new ArrayList<>();
        for (String name : in.fieldNames()) {
            columns.add(scored.col(ModelInput.quoted(name)));
        }
        for (StructField f : outputFields()) {
            String source = f.name().equals(getPredictionCol()) ? "_prediction"
                    : f.name().equals(getProbabilityCol()) ? "_probability" : "_raw";
            columns.add(scored.col(source).as(f.name(), f.metadata()));
        }
        Dataset<Row> out = scored.select(columns.toArray(new org.apache.spark.sql.Column[0]));
        assert out.schema().length() == outSchema.length();
        return out;
    }

    /** The columns transform adds: rawPrediction and probability unless their names are empty, then prediction. */
    private List<StructField> outputFields() {
        return ColumnParams.outputFields(getRawPredictionCol(), getProbabilityCol(), NominalAttribute.defaultAttr()
                .withName(getPredictionCol()).withValues(classNames.toArray(new String[0])).toStructField());
    }

    private static String freshName(StructType schema) {
        List<String> present = Arrays.asList(schema.fieldNames());
        String name = "_dptrain_input";
        for (int i = 1; present.contains(name); i++) {
            name = "_dptrain_input_" + i;
        }
        return name;
    }

    /** Each row's input columns, then log probabilities, probabilities and the best class. */
    private static final class ScoreRows implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final BatchPredictor predictor;
        private final int inputColumns;

        ScoreRows(BatchPredictor predictor, int inputColumns) {
            this.predictor = predictor;
            this.inputColumns = inputColumns;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return predictor.score(rows, inputColumns, s -> {
                Object[] values = new Object[inputColumns + 3];
                for (int i = 0; i < inputColumns; i++) {
                    values[i] = s.row().get(i);
                }
                double[] p = s.probabilities();
                double[] log = new double[p.length];
                for (int c = 0; c < p.length; c++) {
                    log[c] = Math.log(p[c]);
                }
                values[inputColumns] = Vectors.dense(log);
                values[inputColumns + 1] = Vectors.dense(p);
                values[inputColumns + 2] = (double) s.best();
                return RowFactory.create(values);
            });
        }
    }

    @Override
    public DptrainClassificationModel copy(ParamMap extra) {
        DptrainClassificationModel copy = new DptrainClassificationModel(uid, network, input, classNames);
        copyValues(copy, extra);
        copy.summary = summary;
        return (DptrainClassificationModel) copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** Spark's readers (and {@code PipelineModel.load}) find this static method by reflection. */
    public static MLReader<DptrainClassificationModel> read() {
        return new Reader();
    }

    /** Loads a model saved with {@code write().save(path)}, from any Hadoop URI. */
    public static DptrainClassificationModel load(String path) {
        return read().load(path);
    }

    /**
     * What {@code data/input.json} holds: the kind of input and its shape, the class names.
     *
     * @param kind                  {@code image} or {@code text}
     * @param height                images: height
     * @param width                 images: width
     * @param channels              images: channels
     * @param pixelMax              images: the largest pixel value of the training data's scale
     * @param maxLength             text: tokens per sequence
     * @param vocabularyFingerprint text: the fingerprint of {@code vocabulary.txt}
     * @param classNames            class names in class-index order
     */
    record InputFile(String kind, Integer height, Integer width, Integer channels, Double pixelMax,
                     Integer maxLength, String vocabularyFingerprint, List<String> classNames) {
    }

    private static final class Writer extends MLWriter {
        private final DptrainClassificationModel model;

        Writer(DptrainClassificationModel model) {
            this.model = model;
        }

        /**
         * Writes into a hidden sibling first and renames it into place ({@link AtomicOutput}), so a failed save
         * leaves nothing half-written.
         */
        @Override
        public void save(String path) throws IOException {
            Path target = new Path(path);
            FileSystem fs = target.getFileSystem(sc().hadoopConfiguration());
            target = fs.makeQualified(target);
            if (fs.exists(target) && !shouldOverwrite()) {
                throw new IOException("Path " + path + " already exists. To overwrite it, please use"
                        + " write.overwrite().save(path) for Scala and use write().overwrite().save(path) for Java"
                        + " and Python.");
            }
            AtomicOutput.write(fs, target, shouldOverwrite(), temporary -> saveImpl(temporary.toString()));
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
            Configuration conf = sc().hadoopConfiguration();
            Path data = new Path(path, DATA);
            try {
                FileSystem fs = data.getFileSystem(conf);
                try (OutputStream out = fs.create(new Path(data, MODEL_FILE), false)) {
                    ModelSerializer.writeModel(model.network, out, false);
                }
                InputFile file;
                if (model.input instanceof ModelInput.Images images) {
                    ImageShape s = images.shape();
                    file = new InputFile("image", s.height(), s.width(), s.channels(), images.pixelMax(), null, null,
                            model.classNames);
                } else {
                    ModelInput.Texts texts = (ModelInput.Texts) model.input;
                    file = new InputFile("text", null, null, null, null, texts.shape().maxLength(),
                            texts.vocabulary().fingerprint(), model.classNames);
                    texts.vocabulary().save(new Path(data, VOCABULARY_FILE).toString(), conf, false);
                }
                try (OutputStream out = fs.create(new Path(data, INPUT_FILE), false)) {
                    Json.indented().writeValue(out, file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot save the model to " + path, e);
            }
        }
    }

    private static final class Reader extends MLReader<DptrainClassificationModel> {
        @Override
        public DptrainClassificationModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(),
                    DptrainClassificationModel.class.getName());
            Configuration conf = sc().hadoopConfiguration();
            Path data = new Path(path, DATA);
            try {
                FileSystem fs = data.getFileSystem(conf);
                MultiLayerNetwork network;
                try (InputStream in = fs.open(new Path(data, MODEL_FILE))) {
                    network = ModelSerializer.restoreMultiLayerNetwork(in, false);
                }
                InputFile file;
                try (InputStream in = fs.open(new Path(data, INPUT_FILE))) {
                    file = Json.MAPPER.readValue(in, InputFile.class);
                }
                ModelInput input = switch (String.valueOf(file.kind())) {
                    case "image" -> new ModelInput.Images(new ImageShape(file.height(), file.width(), file.channels(),
                            file.classNames().size()), file.pixelMax());
                    case "text" -> {
                        String vocabularyPath = new Path(data, VOCABULARY_FILE).toString();
                        Vocabulary vocabulary = Vocabulary.load(vocabularyPath, conf);
                        if (!vocabulary.fingerprint().equals(file.vocabularyFingerprint())) {
                            throw new IllegalArgumentException(vocabularyPath + " is not the vocabulary the model was"
                                    + " saved with (fingerprint " + vocabulary.fingerprint() + ", expected "
                                    + file.vocabularyFingerprint() + ")");
                        }
                        yield new ModelInput.Texts(new SequenceShape(file.maxLength(), vocabulary.size(),
                                file.classNames(), vocabulary.fingerprint()), vocabulary);
                    }
                    default -> throw new IllegalArgumentException(new Path(data, INPUT_FILE) + ": kind must be image"
                            + " or text, got " + file.kind());
                };
                DptrainClassificationModel model = new DptrainClassificationModel(metadata.uid(), network, input,
                        file.classNames());
                metadata.getAndSetParams(model, Option.empty());
                return model;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load a DptrainClassificationModel from " + path, e);
            }
        }
    }
}
