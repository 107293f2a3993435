package io.dptrain.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LabeledImagesTest {

    private static final ImageShape SHAPE = new ImageShape(2, 2, 1, 3);

    @Test
    void countLabelAndSlice() {
        byte[] pixels = {0, 1, 2, 3, 4, 5, 6, 7, (byte) 255, 9, 10, 11};
        LabeledImages images = new LabeledImages(SHAPE, pixels, new int[] {2, 0, 1});

        assertThat(images.count()).isEqualTo(3);
        assertThat(images.label(1)).isZero();
        LabeledImages tail = images.slice(1, 3);
        assertThat(tail.count()).isEqualTo(2);
        assertThat(tail.labels()).containsExactly(0, 1);
        assertThat(tail.pixels()).containsExactly(4, 5, 6, 7, (byte) 255, 9, 10, 11);
        assertThat(tail.pixels()).isNotSameAs(pixels);
        assertThat(images.slice(0, 0).count()).isZero();
    }

    @Test
    void equalityComparesContents() {
        LabeledImages a = new LabeledImages(SHAPE, new byte[4], new int[] {1});
        LabeledImages b = new LabeledImages(SHAPE, new byte[4], new int[] {1});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new LabeledImages(SHAPE, new byte[4], new int[] {2}));
        assertThat(a.toString()).contains("count=1");
    }

    @Test
    void rejectsPixelCountThatDoesNotMatchLabels() {
        assertThatThrownBy(() -> new LabeledImages(SHAPE, new byte[7], new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 * 4 = 8, got 7");
    }

    @Test
    void rejectsLabelOutsideClasses() {
        assertThatThrownBy(() -> new LabeledImages(SHAPE, new byte[8], new int[] {0, 3}))
                .hasMessage("label at index 1 must be in 0..2, got 3");
    }

    @Test
    void rejectsBadIndices() {
        LabeledImages images = new LabeledImages(SHAPE, new byte[8], new int[] {0, 1});
        assertThatThrownBy(() -> images.label(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> images.slice(1, 3)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
