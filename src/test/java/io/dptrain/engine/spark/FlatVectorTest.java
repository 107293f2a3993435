package io.dptrain.engine.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.config.Choices.Exchange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlatVectorTest {

    private static float[] values(int n, long seed) {
        Random random = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(5) - 4)); // 1e-4 .. 1
        }
        return v;
    }

    private static FlatVector roundTrip(FlatVector v) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(v);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (FlatVector) in.readObject();
        }
    }

    /** Round to nearest: at most half a unit in the last place, 2^-11 (float16) and 2^-8 (bfloat16) relative. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"float16, 0.00048828125", "bfloat16, 0.00390625"})
    void sixteenBitValuesAreRoundedToNearestAndCarryTheirWeight(String format, double halfUlp) throws Exception {
        float[] original = values(1000, 1);
        INDArray array = Nd4j.createFromArray(original);
        FlatVector sent = roundTrip(FlatVector.encoded(array, Exchange.valueOf(format.toUpperCase())).scaled(3));

        assertThat(sent.bytes()).isEqualTo(2000);
        float[] back = sent.toArray().toFloatVector();
        for (int i = 0; i < original.length; i++) {
            double expected = 3.0 * original[i];
            if (Math.abs(original[i]) > 1e-4) { // float16 subnormals below ~6e-5 lose relative precision
                assertThat(Math.abs(back[i] - expected) / Math.abs(expected)).as("value %d", i)
                        .isLessThanOrEqualTo(halfUlp * 1.0001);
            }
        }
    }

    @Test
    void sumsOfSixteenBitVectorsAreFullPrecisionFloats() throws Exception {
        float[] a = values(100, 2);
        float[] b = values(100, 3);
        FlatVector sum = FlatVector.encoded(Nd4j.createFromArray(a), Exchange.FLOAT16).scaled(2)
                .add(FlatVector.encoded(Nd4j.createFromArray(b), Exchange.FLOAT16));

        assertThat(sum.bytes()).isEqualTo(400); // float32 partial sum
        float[] expected = new float[100];
        FlatVector decodedA = FlatVector.encoded(Nd4j.createFromArray(a), Exchange.FLOAT16).scaled(2);
        FlatVector decodedB = FlatVector.encoded(Nd4j.createFromArray(b), Exchange.FLOAT16);
        float[] va = decodedA.toArray().toFloatVector();
        float[] vb = decodedB.toArray().toFloatVector();
        for (int i = 0; i < 100; i++) {
            expected[i] = va[i] + vb[i];
        }
        assertThat(roundTrip(sum).toArray().toFloatVector()).containsExactly(expected);
    }

    @Test
    void float32KeepsTheArraysOwnPrecision() throws Exception {
        double[] d = {1.0 / 3, -2.5e-300, 7};
        FlatVector v = roundTrip(FlatVector.encoded(Nd4j.createFromArray(d), Exchange.FLOAT32));
        assertThat(v.bytes()).isEqualTo(24);
        assertThat(v.toArray().toDoubleVector()).containsExactly(d);
    }

    @Test
    void aVectorOfAnotherLengthIsRefusedBeforeNd4jWritesPastTheTarget() {
        INDArray all = Nd4j.zeros(DataType.DOUBLE, 1, 400);
        INDArray target = all.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, 134));
        FlatVector longer = FlatVector.of(Nd4j.ones(DataType.DOUBLE, 284));

        assertThatThrownBy(() -> longer.toArrayFor(target, "the summed gradient"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the summed gradient (284 values)").hasMessageContaining("array of 134");
        assertThat(all.sumNumber().doubleValue()).as("nothing written").isZero();
    }

    @Test
    void aVectorOfTheTargetsLengthIsAssignedExactly() {
        INDArray target = Nd4j.zeros(DataType.DOUBLE, 1, 5);
        FlatVector vector = FlatVector.of(Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0, 5.0));

        target.assign(vector.toArrayFor(target, "the broadcast parameters"));

        assertThat(target.toDoubleVector()).containsExactly(1.0, 2.0, 3.0, 4.0, 5.0);
    }

    /**
     * copyInto: a whole array is written in bulk, a view writes only its own elements (nd4j's way), floats into
     * a double network convert, and another length is refused with nothing written.
     */
    @Test
    void copyIntoWritesWholeArraysViewsAndOtherPrecisionsExactly() {
        float[] values = new float[1000];
        Random random = new Random(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat() - 0.5f;
        }
        FlatVector vector = FlatVector.of(Nd4j.createFromArray(values));

        INDArray whole = Nd4j.zeros(DataType.FLOAT, 1, 1000);
        vector.copyInto(whole, "the broadcast parameters");
        assertThat(whole.toFloatVector()).containsExactly(values);
        assertThat(FlatVector.of(whole).toArray().toFloatVector()).containsExactly(values);

        INDArray all = Nd4j.zeros(DataType.FLOAT, 1, 1200);
        INDArray view = all.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(100, 1100));
        vector.copyInto(view, "the broadcast parameters");
        assertThat(view.toFloatVector()).containsExactly(values);
        assertThat(all.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, 100)).sumNumber().doubleValue())
                .isZero();
        assertThat(all.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(1100, 1200)).sumNumber().doubleValue())
                .isZero();

        INDArray doubles = Nd4j.zeros(DataType.DOUBLE, 1000);
        vector.copyInto(doubles, "the broadcast parameters");
        for (int i = 0; i < values.length; i++) {
            assertThat(doubles.getDouble(i)).isEqualTo((double) values[i]);
        }

        INDArray shorter = Nd4j.zeros(DataType.FLOAT, 999);
        assertThatThrownBy(() -> vector.copyInto(shorter, "the summed updater state"))
                .hasMessageContaining("the summed updater state (1000 values)");
        assertThat(shorter.sumNumber().doubleValue()).isZero();
    }

    /**
     * A view is the array itself: copied into a target natively (what a barrier task's replica loads), it holds
     * what the array holds when it is read; serialized, summed or scaled it is a copy of the values then.
     */
    @Test
    void aViewCopiesTheArraysValuesAsTheyAreWhenRead() throws Exception {
        float[] original = values(1000, 4);
        INDArray array = Nd4j.createFromArray(original).reshape(1, 1000);
        FlatVector view = FlatVector.viewOf(array);
        assertThat(FlatVector.viewOf(null)).isNull();
        assertThat(view.length()).isEqualTo(1000);
        assertThat(view.bytes()).isEqualTo(4000);

        INDArray target = Nd4j.zeros(DataType.FLOAT, 1, 1000);
        view.copyInto(target, "the view");
        assertThat(target.toFloatVector()).isEqualTo(original);
        array.putScalar(0, 0, 42f);
        view.copyInto(target, "the view");
        assertThat(target.getFloat(0)).isEqualTo(42f);

        INDArray doubles = Nd4j.zeros(DataType.DOUBLE, 1000);
        view.copyInto(doubles, "the view");
        assertThat(doubles.getDouble(1)).isEqualTo((double) original[1]);
        assertThat(roundTrip(view).toArray().toFloatVector()).isEqualTo(array.toFloatVector());
        assertThat(view.scaled(2).toArray().getFloat(1)).isEqualTo(2 * original[1]);
        assertThat(FlatVector.of(array).add(view).toArray().getFloat(1)).isEqualTo(2 * original[1]);
        assertThat(array.getFloat(1)).as("the viewed array is never written").isEqualTo(original[1]);
        assertThatThrownBy(() -> view.copyInto(Nd4j.zeros(DataType.FLOAT, 999), "the view"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("the view (1000 values)");
    }
}
