package io.dptrain.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ImageShapeTest {

    @Test
    void pixelsPerImageIsHeightTimesWidthTimesChannels() {
        assertThat(new ImageShape(28, 28, 1, 10).pixelsPerImage()).isEqualTo(784);
        assertThat(new ImageShape(32, 30, 3, 2).pixelsPerImage()).isEqualTo(2880);
    }

    @Test
    void rejectsEachFieldNamingFieldValueAndBound() {
        assertThatThrownBy(() -> new ImageShape(0, 28, 1, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("height must be >= 1, got 0");
        assertThatThrownBy(() -> new ImageShape(28, -3, 1, 10))
                .hasMessage("width must be >= 1, got -3");
        assertThatThrownBy(() -> new ImageShape(28, 28, 0, 10))
                .hasMessage("channels must be >= 1, got 0");
        assertThatThrownBy(() -> new ImageShape(28, 28, 1, 1))
                .hasMessage("classes must be >= 2, got 1");
    }

    @Test
    void rejectsShapesTooLargeForAnArray() {
        assertThatThrownBy(() -> new ImageShape(100_000, 100_000, 1, 2))
                .hasMessageContaining("height*width*channels must be <=")
                .hasMessageContaining("10000000000");
    }
}
