package io.dptrain.ml;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.dptrain.Trainer;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.checkpoint.CheckpointListener;
import io.dptrain.config.Choices.Preset;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.data.text.LabeledTexts;
import io.dptrain.data.text.TextTable;
import io.dptrain.data.text.Vocabulary;
import io.dptrain.engine.TrainingData;
import io.dptrain.engine.spark.Trainers;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.Evaluator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.BinaryAttribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a dptrain network as a Spark ML {@code Estimator}: any DataFrame with a features column
 * (images as binary, numeric arrays or {@code ml.linalg.Vector}s; or raw text as a string) and a
 * label column of class indices 0..K-1 (what {@code StringIndexer} writes) in, a
 * {@link DptrainClassificationModel} out. Works inside a {@code Pipeline}.
 *
 * <pre>{@code
 * DptrainClassifier lenet = new DptrainClassifier().setPreset("lenet").setImageHeight(28).setImageWidth(28)
 *         .setEngineMode("parameter-averaging").setWorkers(2).setEpochs(3);
 * PipelineModel model = new Pipeline().setStages(new PipelineStage[]{indexer, lenet}).fit(df);
 * }</pre>
 *
 * <p>Training settings are typed Params mapped to dptrain configuration keys (each Param's doc names
 * its key); {@code config} takes any other key as HOCON. Both are validated by the one
 * configuration type ({@link DptrainConfig}): a bad value fails with the key, the value and what is
 * allowed. A typed Param that is set wins over the same key in {@code config}. Defaults are
 * reference.conf's.
 *
 * <p>Classes: the label column's metadata (StringIndexer's), else {@code numClasses}, else a prepared
 * table's pixel metadata, else the largest label + 1 (logged). Text: {@code fit} builds the vocabulary from the training texts (the
 * {@code prepare} rules: lower-cased tokens, the {@code vocabularySize - 2} most frequent words with at
 * least {@code minCount} occurrences) and the model keeps it. With {@link #setValidationData} or
 * {@code validationFraction}, the validation accuracy after every epoch goes into the model's
 * {@link TrainingSummary}.
 */
public final class DptrainClassifier extends Estimator<DptrainClassificationModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DptrainClassifier.class);

    private final String uid;
    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final IntParam numClasses;
    private final IntParam imageHeight;
    private final IntParam imageWidth;
    private final IntParam imageChannels;
    private final DoubleParam pixelMax;
    private final IntParam minCount;
    private final DoubleParam validationFraction;
    private final Param<String> config;
    /** Typed training settings and the dptrain key each one sets. */
    private final Map<Param<?>, String> settings = new LinkedHashMap<>();
    private final Param<String> preset;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final DoubleParam learningRate;
    private final Param<String> updater;
    private final Param<String> engineMode;
    private final IntParam workers;
    private final IntParam localSteps;
    private final LongParam seed;
    private final IntParam maxLength;
    private final IntParam vocabularySize;

    private transient Dataset<?> validationData;
    private final transient List<TrainingListener> listeners = new ArrayList<>();

    public DptrainClassifier() {
        this(Identifiable$.MODULE$.randomUID("dptrainClassifier"));
    }

    /** Spark's readers and {@code defaultCopy} need this constructor. */
    public DptrainClassifier(String uid) {
        this.uid = uid;
        featuresCol = ColumnParams.featuresCol(this);
        labelCol = new Param<>(this, "labelCol", "label column: class indices 0..K-1 (numeric, whole numbers)");
        predictionCol = ColumnParams.predictionCol(this);
        probabilityCol = ColumnParams.probabilityCol(this);
        rawPredictionCol = ColumnParams.rawPredictionCol(this);
        numClasses = new IntParam(this, "numClasses", "number of classes K when the label column's metadata does not"
                + " say (0: a prepared table's pixel metadata, else the largest label + 1)");
        imageHeight = new IntParam(this, "imageHeight", "image height in pixels (0: from a prepared table's metadata)");
        imageWidth = new IntParam(this, "imageWidth", "image width in pixels (0: from a prepared table's metadata)");
        imageChannels = new IntParam(this, "imageChannels", "channels per pixel, HWC order (0: from a prepared table's"
                + " metadata, else 1)");
        pixelMax = new DoubleParam(this, "pixelMax", "largest pixel value of array and Vector features: 255 (whole"
                + " numbers 0..255) or e.g. 1 for values in 0..1 (scaled to 8 bits); binary features are bytes");
        minCount = new IntParam(this, "minCount", "text: least occurrences of a word in the training texts to enter"
                + " the vocabulary (>= 1)");
        validationFraction = new DoubleParam(this, "validationFraction", "share of the training rows held out"
                + " (seeded) to report validation accuracy after every epoch; 0: none, or setValidationData");
        config = new Param<>(this, "config", "any other dptrain configuration keys as HOCON, e.g."
                + " \"model.lstm.pooling = avg\\ntrain.updater = sgd\" (keys as in docs/CONFIG.md)");
        preset = setting(new Param<>(this, "preset", doc("network: mlp, lenet or vgg-mini for images, rnn or lstm for text (lstm when a string features"
                + " column meets an image preset that was not chosen)", "model.preset")), "model.preset");
        epochs = setting(new IntParam(this, "epochs", doc("passes over the training data", "train.epochs")),
                "train.epochs");
        batchSize = setting(new IntParam(this, "batchSize", doc("examples per minibatch per worker",
                "train.batch-size")), "train.batch-size");
        learningRate = setting(new DoubleParam(this, "learningRate", doc("learning rate", "train.learning-rate")),
                "train.learning-rate");
        updater = setting(new Param<>(this, "updater", doc("sgd, nesterov or adam", "train.updater")),
                "train.updater");
        engineMode = setting(new Param<>(this, "engineMode", doc("parameter-averaging, gradient-averaging,"
                + " single-process or dl4j-spark", "engine.mode")), "engine.mode");
        workers = setting(new IntParam(this, "workers", doc("replicas training in parallel (0: Spark's default"
                + " parallelism)", "engine.workers")), "engine.workers");
        localSteps = setting(new IntParam(this, "localSteps", doc("parameter averaging: local steps between two"
                + " averagings", "engine.local-steps")), "engine.local-steps");
        seed = setting(new LongParam(this, "seed", doc("random seed of weights, shards and batch order",
                "train.seed")), "train.seed");
        maxLength = setting(new IntParam(this, "maxLength", doc("text: tokens per sequence, longer texts cut",
                "data.max-length")), "data.max-length");
        vocabularySize = setting(new IntParam(this, "vocabularySize", doc("text: most token ids, 2 reserved",
                "data.vocabulary-size")), "data.vocabulary-size");
        setDefault(featuresCol, ColumnParams.FEATURES);
        setDefault(labelCol, ColumnParams.LABEL);
        setDefault(predictionCol, ColumnParams.PREDICTION);
        setDefault(probabilityCol, ColumnParams.PROBABILITY);
        setDefault(rawPredictionCol, ColumnParams.RAW_PREDICTION);
        setDefault(numClasses, 0);
        setDefault(imageHeight, 0);
        setDefault(imageWidth, 0);
        setDefault(imageChannels, 0);
        setDefault(pixelMax, ImageTable.BYTE_MAX);
        setDefault(minCount, 2);
        setDefault(validationFraction, 0.0);
        setDefault(config, "");
    }

    private static String doc(String what, String key) {
        return what + " (dptrain." + key + ")";
    }

    /** Registers a typed setting with reference.conf's default for its key. */
    private <P extends Param<?>> P setting(P param, String key) {
        settings.put(param, key);
        Object value = ConfigLoader.defaultValue(key);
        Object typed = param instanceof LongParam ? (Object) ((Number) value).longValue()
                : param instanceof IntParam ? (Object) ((Number) value).intValue()
                : param instanceof DoubleParam ? (Object) ((Number) value).doubleValue() : value.toString();
        @SuppressWarnings("unchecked")
        Param<Object> p = (Param<Object>) param;
        setDefault(p, typed);
        return param;
    }

    @Override
    public String uid() {
        return uid;
    }

    // ---- Params (Spark finds them through these public zero-argument methods) ----

    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> labelCol() { return labelCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> probabilityCol() { return probabilityCol; }
    public Param<String> rawPredictionCol() { return rawPredictionCol; }
    public IntParam numClasses() { return numClasses; }
    public IntParam imageHeight() { return imageHeight; }
    public IntParam imageWidth() { return imageWidth; }
    public IntParam imageChannels() { return imageChannels; }
    public DoubleParam pixelMax() { return pixelMax; }
    public IntParam minCount() { return minCount; }
    public DoubleParam validationFraction() { return validationFraction; }
    public Param<String> config() { return config; }
    public Param<String> preset() { return preset; }
    public IntParam epochs() { return epochs; }
    public IntParam batchSize() { return batchSize; }
    public DoubleParam learningRate() { return learningRate; }
    public Param<String> updater() { return updater; }
    public Param<String> engineMode() { return engineMode; }
    public IntParam workers() { return workers; }
    public IntParam localSteps() { return localSteps; }
    public LongParam seed() { return seed; }
    public IntParam maxLength() { return maxLength; }
    public IntParam vocabularySize() { return vocabularySize; }

    public String getFeaturesCol() { return $(featuresCol); }
    public String getLabelCol() { return $(labelCol); }
    public String getConfig() { return $(config); }

    // ---- setters: column and data Params ----

    public DptrainClassifier setFeaturesCol(String value) { return put(featuresCol, value); }
    public DptrainClassifier setLabelCol(String value) { return put(labelCol, value); }
    public DptrainClassifier setPredictionCol(String value) { return put(predictionCol, value); }
    public DptrainClassifier setProbabilityCol(String value) { return put(probabilityCol, value); }
    public DptrainClassifier setRawPredictionCol(String value) { return put(rawPredictionCol, value); }
    public DptrainClassifier setNumClasses(int value) { return put(numClasses, atLeast("numClasses", value, 2)); }
    public DptrainClassifier setImageHeight(int value) { return put(imageHeight, atLeast("imageHeight", value, 1)); }
    public DptrainClassifier setImageWidth(int value) { return put(imageWidth, atLeast("imageWidth", value, 1)); }
    public DptrainClassifier setImageChannels(int value) {
        return put(imageChannels, atLeast("imageChannels", value, 1));
    }

    public DptrainClassifier setPixelMax(double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("pixelMax must be a finite number > 0 (255 for bytes, 1 for values in"
                    + " 0..1), got " + value);
        }
        return put(pixelMax, value);
    }

    public DptrainClassifier setMinCount(int value) { return put(minCount, atLeast("minCount", value, 1)); }

    public DptrainClassifier setValidationFraction(double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("validationFraction must be >= 0 and < 1, got " + value);
        }
        return put(validationFraction, value);
    }

    /** Any dptrain configuration keys as HOCON; checked now against the configuration type. */
    public DptrainClassifier setConfig(String hocon) {
        ConfigLoader.fromHocon(hocon, uid + ".config", List.of());
        return put(config, hocon);
    }

    // ---- setters: training settings, each checked now by the configuration type ----

    public DptrainClassifier setPreset(String value) { return putSetting(preset, value); }
    public DptrainClassifier setEpochs(int value) { return putSetting(epochs, value); }
    public DptrainClassifier setBatchSize(int value) { return putSetting(batchSize, value); }
    public DptrainClassifier setLearningRate(double value) { return putSetting(learningRate, value); }
    public DptrainClassifier setUpdater(String value) { return putSetting(updater, value); }
    public DptrainClassifier setEngineMode(String value) { return putSetting(engineMode, value); }
    public DptrainClassifier setWorkers(int value) { return putSetting(workers, value); }
    public DptrainClassifier setLocalSteps(int value) { return putSetting(localSteps, value); }
    public DptrainClassifier setSeed(long value) { return putSetting(seed, value); }
    public DptrainClassifier setMaxLength(int value) { return putSetting(maxLength, value); }
    public DptrainClassifier setVocabularySize(int value) { return putSetting(vocabularySize, value); }

    /** Labelled rows of the training data's shape whose accuracy is reported after every epoch (not saved). */
    public DptrainClassifier setValidationData(Dataset<?> validation) {
        this.validationData = validation;
        return this;
    }

    /** Adds a listener (progress, metrics, divergence check, ...) called on the driver during fit (not saved). */
    public DptrainClassifier addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    private <T> DptrainClassifier put(Param<T> param, T value) {
        set(param, value);
        return this;
    }

    @SuppressWarnings("unchecked")
    private DptrainClassifier putSetting(Param<?> param, Object value) {
        String key = settings.get(param);
        try {
            ConfigLoader.load(null, List.of(key + "=" + value));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(param.name() + " = " + value + ": " + e.getMessage(), e);
        }
        set((Param<Object>) param, value);
        return this;
    }

    private static int atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    // ---- fitting ----

    @Override
    public StructType transformSchema(StructType schema) {
        StructField features = ModelInput.field(schema, getFeaturesCol());
        DataType type = features.dataType();
        if (!(type instanceof StringType) && !ImageTable.isPixelType(type)) {
            throw new IllegalArgumentException("features column '" + getFeaturesCol() + "' has type "
                    + type.simpleString() + "; allowed: binary (uint8 pixels), array of numbers, ml.linalg.Vector"
                    + " (images) or string (text)");
        }
        DataType label = ModelInput.field(schema, getLabelCol()).dataType();
        if (!(label instanceof NumericType)) {
            throw new IllegalArgumentException("label column '" + getLabelCol() + "' has type " + label.simpleString()
                    + "; allowed: a numeric column of class indices 0..K-1 (index string labels with StringIndexer)");
        }
        return ColumnParams.appendOutputs(schema, ColumnParams.outputFields($(rawPredictionCol), $(probabilityCol),
                new StructField($(predictionCol), org.apache.spark.sql.types.DataTypes.DoubleType, false,
                        org.apache.spark.sql.types.Metadata.empty())));
    }

    @Override
    public DptrainClassificationModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        Dataset<Row> df = dataset.toDF();
        List<String> classNames = classNames(df);
        boolean text = ModelInput.field(df.schema(), getFeaturesCol()).dataType() instanceof StringType;
        ImageShape shape = text ? null : imageShape(df.schema(), classNames.size());
        // Checked before any pass over the data; the one source of every setting below (seed, lengths, sizes).
        DptrainConfig conf = text ? configuration(List.of("data.classes=" + classNames.size()), true)
                : configuration(List.of("data.height=" + shape.height(), "data.width=" + shape.width(),
                        "data.channels=" + shape.channels(), "data.classes=" + shape.classes()), false);
        Dataset<Row> validation = validationData == null ? null : validationData.toDF();
        double fraction = (Double) $(validationFraction);
        if (fraction > 0) {
            if (validation != null) {
                throw new IllegalArgumentException("set either validationData or validationFraction, not both");
            }
            Dataset<Row>[] parts = df.randomSplit(new double[] {1 - fraction, fraction}, conf.train().seed());
            df = parts[0];
            validation = parts[1];
        }
        return text ? fitText(df, validation, classNames, conf) : fitImages(df, validation, classNames, shape, conf);
    }

    private DptrainClassificationModel fitImages(Dataset<Row> df, Dataset<Row> validation, List<String> classNames,
                                                 ImageShape shape, DptrainConfig conf) {
        double max = (Double) $(pixelMax);
        Dataset<Row> table = ImageTable.fromTable(df, getLabelCol(), getFeaturesCol(), shape, max);
        Dataset<Row> checkedValidation = validation == null ? null
                : ImageTable.fromTable(validation, getLabelCol(), getFeaturesCol(), shape, max);
        return train(conf, table, checkedValidation, new ModelInput.Images(shape, max), classNames);
    }

    private DptrainClassificationModel fitText(Dataset<Row> df, Dataset<Row> validation, List<String> classNames,
                                               DptrainConfig conf) {
        CachedTexts texts = labelledTexts(df, classNames).persist();
        try {
            // From the configuration, not the Params: data.max-length may also come from `config`.
            int length = conf.data().maxLength();
            Vocabulary vocabulary = Vocabulary.build(texts.texts(), conf.data().vocabularySize(), (Integer) $(minCount));
            TextTable.Prepared prepared = TextTable.prepare(texts.texts(), vocabulary, length);
            Dataset<Row> checkedValidation = validation == null ? null
                    : TextTable.prepare(labelledTexts(validation, classNames).texts(), vocabulary, length).table();
            return train(conf, prepared.table(), checkedValidation,
                    new ModelInput.Texts(prepared.shape(), vocabulary), classNames);
        } finally {
            texts.unpersist();
        }
    }

    private DptrainClassificationModel train(DptrainConfig conf, Dataset<Row> table, Dataset<Row> validation,
                                             ModelInput input, List<String> classNames) {
        LOG.info("{}: training {} ({}) on column '{}', {} classes {}", uid, conf.model().preset().configName(),
                conf.engine().mode().configName(), getFeaturesCol(), classNames.size(), classNames);
        Trainer trainer = Trainers.create(table.sparkSession(), conf);
        listeners.forEach(trainer::addListener);
        Evaluator evaluator = validation == null ? null : new Evaluator(validation, TrainingData.codec(validation, conf));
        EpochEvaluation epochs = evaluator == null ? null : new EpochEvaluation(evaluator, "validation");
        if (epochs != null) {
            trainer.addListener(epochs);
        }
        CheckpointListener.forRun(conf, table.sparkSession().sparkContext().hadoopConfiguration(), List.of(), trainer)
                .ifPresent(trainer::addListener);
        long start = System.currentTimeMillis();
        try {
            TrainingResult result = trainer.fit(table);
            DptrainClassificationModel model = new DptrainClassificationModel(uid, result.model(), input,
                    classNames);
            for (Param<String> p : List.of(featuresCol, predictionCol, probabilityCol, rawPredictionCol)) {
                model.set(model.getParam(p.name()), $(p));
            }
            model.setParent(this);
            return model.withSummary(new TrainingSummary(result, epochs == null ? List.of() : epochs.points(),
                    epochs == null ? null : epochs.last(), conf, table.sparkSession().sparkContext().master(),
                    System.currentTimeMillis() - start));
        } finally {
            if (evaluator != null) {
                evaluator.close();
            }
        }
    }

    /**
     * The configuration: reference.conf, then {@code config}, then the typed settings that are set,
     * then what the data decides ({@code shape}). A text input without a chosen preset gets lstm.
     */
    private DptrainConfig configuration(List<String> shape, boolean text) {
        List<String> overrides = new ArrayList<>();
        settings.forEach((param, key) -> {
            if (isSet(param)) {
                overrides.add(key + "=" + $(param));
            }
        });
        overrides.addAll(shape);
        String origin = uid + ".config";
        DptrainConfig conf = ConfigLoader.fromHocon(getConfig(), origin, overrides);
        if (conf.data().validationRows() > 0) {
            throw new IllegalArgumentException("data.validation-rows = " + conf.data().validationRows() + " in the "
                    + "config Param: the classifier holds out validation rows with setValidationFraction or "
                    + "setValidationData instead");
        }
        boolean imagePreset = conf.model().preset() != Preset.RNN && conf.model().preset() != Preset.LSTM;
        if (text && imagePreset) {
            if (isSet(preset) || ConfigLoader.fromHocon(getConfig(), origin, List.of()).model().preset()
                    != ConfigLoader.defaults().model().preset()) {
                throw new IllegalArgumentException("preset " + conf.model().preset().configName() + " reads images,"
                        + " but features column '" + getFeaturesCol() + "' holds text: setPreset(\"lstm\") or \"rnn\"");
            }
            LOG.info("{}: features column '{}' holds text, so the preset is lstm", uid, getFeaturesCol());
            overrides.add("model.preset=lstm");
            conf = ConfigLoader.fromHocon(getConfig(), origin, overrides);
        } else if (!text && !imagePreset) {
            throw new IllegalArgumentException("preset " + conf.model().preset().configName() + " reads text, but"
                    + " features column '" + getFeaturesCol() + "' holds images: choose mlp, lenet or vgg-mini");
        }
        return conf;
    }

    /** Class names from the label metadata (StringIndexer's), else "0".."K-1" for K from numClasses or the data. */
    private List<String> classNames(Dataset<Row> df) {
        StructField field = ModelInput.field(df.schema(), getLabelCol());
        Attribute attribute = Attribute.fromStructField(field);
        if (attribute instanceof NominalAttribute nominal && nominal.values().isDefined()) {
            return List.of(nominal.values().get());
        }
        if (attribute instanceof NominalAttribute nominal && nominal.numValues().isDefined()) {
            return indices((Integer) nominal.numValues().get());
        }
        if (attribute instanceof BinaryAttribute binary) {
            return binary.values().isDefined() ? List.of(binary.values().get()) : indices(2);
        }
        int k = (Integer) $(numClasses);
        if (k > 0) {
            return indices(k);
        }
        org.apache.spark.sql.types.Metadata features = ModelInput.field(df.schema(), getFeaturesCol()).metadata();
        if (features.contains(ImageTable.CLASSES)) {
            // A prepared table knows its classes even when a slice of it lacks the last ones.
            return indices(Math.toIntExact(features.getLong(ImageTable.CLASSES)));
        }
        Row r = df.agg(max(col(ModelInput.quoted(getLabelCol())))).first();
        if (r.isNullAt(0)) {
            throw new IllegalArgumentException("label column '" + getLabelCol() + "' has no labels: the table is empty"
                    + " or every label is null");
        }
        double largest = ((Number) r.get(0)).doubleValue();
        if (!(largest >= 1 && largest < 10_000 && largest == Math.rint(largest))) {
            throw new IllegalArgumentException("label column '" + getLabelCol() + "': its largest label is " + largest
                    + ", but labels must be class indices 0..K-1 with K >= 2; set numClasses or index the labels"
                    + " with StringIndexer");
        }
        int found = (int) largest + 1;
        LOG.info("{}: label column '{}' has no class metadata and numClasses is not set; its largest label is {},"
                + " so there are {} classes", uid, getLabelCol(), (int) largest, found);
        return indices(found);
    }

    private static List<String> indices(int k) {
        return IntStream.range(0, k).mapToObj(Integer::toString).toList();
    }

    /** The image shape: the Params where set, else a prepared table's pixel metadata, else an error. */
    private ImageShape imageShape(StructType schema, int classes) {
        org.apache.spark.sql.types.Metadata m = ModelInput.field(schema, getFeaturesCol()).metadata();
        int h = fromParamOrMetadata(imageHeight, m, ImageTable.HEIGHT, 0);
        int w = fromParamOrMetadata(imageWidth, m, ImageTable.WIDTH, 0);
        int c = fromParamOrMetadata(imageChannels, m, ImageTable.CHANNELS, 1);
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("the image size of features column '" + getFeaturesCol() + "' is not"
                    + " known: set imageHeight and imageWidth (and imageChannels, default 1)");
        }
        return new ImageShape(h, w, c, classes);
    }

    private int fromParamOrMetadata(IntParam param, org.apache.spark.sql.types.Metadata m, String key, int fallback) {
        int value = (Integer) $(param);
        if (value > 0) {
            return value;
        }
        return m.contains(key) ? Math.toIntExact(m.getLong(key)) : fallback;
    }

    /** Texts and labels checked in one pass: labels must be class indices; null texts are counted and read as empty. */
    private CachedTexts labelledTexts(Dataset<Row> df, List<String> classNames) {
        Column text = col(ModelInput.quoted(getFeaturesCol()));
        Column label = col(ModelInput.quoted(getLabelCol()));
        int k = classNames.size();
        Column bad = label.isNull().or(label.isNaN()).or(label.lt(0)).or(label.geq(k))
                .or(label.notEqual(org.apache.spark.sql.functions.round(label)));
        Row check = df.agg(count(lit(1)), sum(when(text.isNull(), 1L).otherwise(0L)),
                sum(when(bad, 1L).otherwise(0L)),
                org.apache.spark.sql.functions.first(when(bad, label.cast("string")), true)).first();
        long rows = check.getLong(0);
        if (rows == 0) {
            throw new IllegalArgumentException("the table is empty: it must hold at least one row");
        }
        if (!check.isNullAt(2) && check.getLong(2) > 0) {
            throw new IllegalArgumentException("label column '" + getLabelCol() + "': " + check.getLong(2) + " of "
                    + rows + " rows have a label that is not a class index (a whole number in 0.." + (k - 1)
                    + "), e.g. " + check.getString(3));
        }
        long nulls = check.isNullAt(1) ? 0 : check.getLong(1);
        if (nulls > 0) {
            LOG.warn("{}: text column '{}': {} of {} rows have no text (null); they are read as empty texts,"
                    + " i.e. the single token {}", uid, getFeaturesCol(), nulls, rows, Vocabulary.UNK);
        }
        Dataset<Row> table = df.select(coalesce(text, lit("")).as(TextTable.TEXT), label.cast("int").as(TextTable.LABEL));
        return new CachedTexts(table, classNames);
    }

    /** Labelled texts cached for the passes of vocabulary building and preparation. */
    private static final class CachedTexts {
        private final Dataset<Row> table;
        private final LabeledTexts texts;

        CachedTexts(Dataset<Row> table, List<String> classNames) {
            this.table = table;
            this.texts = new LabeledTexts(table, classNames, Map.of());
        }

        CachedTexts persist() {
            table.persist(StorageLevel.MEMORY_AND_DISK());
            return this;
        }

        LabeledTexts texts() {
            return texts;
        }

        void unpersist() {
            table.unpersist();
        }
    }

    @Override
    public DptrainClassifier copy(ParamMap extra) {
        DptrainClassifier copy = (DptrainClassifier) defaultCopy(extra);
        copy.validationData = validationData;
        copy.listeners.addAll(listeners);
        return copy;
    }

    @Override
    public MLWriter write() {
        return new DefaultParamsWriter(this);
    }

    /** Spark's readers (and {@code Pipeline.load}) find this static method by reflection. */
    public static MLReader<DptrainClassifier> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads an estimator saved with {@code write().save(path)}. */
    public static DptrainClassifier load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return "DptrainClassifier: uid=" + uid + ", " + Arrays.toString(params());
    }
}
