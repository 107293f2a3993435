package io.dptrain.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dptrain.LocalSparkTest;
import io.dptrain.config.ConfigLoader;
import io.dptrain.data.ImageCodec;
import io.dptrain.data.ImageShape;
import io.dptrain.data.ImageTable;
import io.dptrain.data.LabeledImages;
import io.dptrain.data.Minibatches;
import io.dptrain.model.Networks;
import io.dptrain.report.EvaluationReport.ClassMetrics;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EvaluatorTest extends LocalSparkTest {

    @Test
    void distributedEvaluationCountsEveryExampleAndAgreesWithTheNetworksArgmax() {
        ImageShape shape = new ImageShape(4, 4, 1, 3);
        Random random = new Random(3);
        int n = 37;
        byte[] pixels = new byte[n * shape.pixelsPerImage()];
        random.nextBytes(pixels);
        int[] labels = random.ints(n, 0, 3).toArray();
        LabeledImages images = new LabeledImages(shape, pixels, labels);
        MultiLayerNetwork net = Networks.create(ConfigLoader.load(null, List.of("model.preset=mlp",
                "model.mlp.hidden=[5]", "data.height=4", "data.width=4", "data.classes=3")));
        Dataset<Row> table = ImageTable.fromImages(spark(), images);

        EvaluationReport report;
        try (Evaluator evaluator = new Evaluator(table, new ImageCodec(shape))) {
            report = evaluator.evaluate(net);
        }

        INDArray predicted = net.output(Minibatches.of(images, n).get(0).getFeatures()).argMax(1);
        long[][] expected = new long[3][3];
        for (int i = 0; i < n; i++) {
            expected[labels[i]][predicted.getInt(i)]++;
        }
        assertThat(report.examples()).isEqualTo(n);
        assertThat(report).usingRecursiveComparison().isEqualTo(EvaluationReport.of(expected));
        assertThat(report.classes().stream().mapToInt(ClassMetrics::support).sum()).isEqualTo(n);
        assertThat(report.accuracy()).isCloseTo((expected[0][0] + expected[1][1] + expected[2][2]) / (double) n,
                within(1e-12));
    }

    @Test
    void rejectsAnEmptySet() {
        ImageShape shape = new ImageShape(4, 4, 1, 3);
        Dataset<Row> none = spark().createDataFrame(List.of(), ImageTable.schema(shape));

        assertThatThrownBy(() -> new Evaluator(none, new ImageCodec(shape)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }
}
