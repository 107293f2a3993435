package io.dptrain.engine.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A vector is only ever assigned to an array of its own length: nd4j's assign copies all of a longer source
 * past the end of a shorter target (1.0.0-M2), which corrupted the native heap when a replica of one model
 * answered for another.
 */
@Timeout(60)
class FlatVectorTest {

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
}
