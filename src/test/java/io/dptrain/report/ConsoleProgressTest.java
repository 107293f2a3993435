package io.dptrain.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("unit")
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ConsoleProgressTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0m00s",
        "9, 0m09s",
        "59, 0m59s",
        "60, 1m00s",
        "61, 1m01s",
        "3599, 59m59s",
        "3600, 1h00m",
        "3661, 1h01m",
        "7199, 1h59m",
        "90061, 25h01m",
    })
    void durationIsMinutesAndSecondsUnderAnHourElseHoursAndMinutes(long seconds, String text) {
        assertThat(ConsoleProgress.duration(seconds)).isEqualTo(text);
    }

    /** A run resumed after round 40 of 100 that has run 10 rounds in 20 s has 50 rounds (100 s) left. */
    @Test
    void etaFollowsThePaceOfTheRoundsRunSinceTheStart() {
        assertThat(ConsoleProgress.etaSeconds(20_000, 10, 50)).isEqualTo(100);
        assertThat(ConsoleProgress.etaSeconds(20_000, 10, 0)).isZero();
    }

    @Test
    void negativeIntervalIsRejected() {
        assertThatThrownBy(() -> new ConsoleProgress(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("every").hasMessageContaining("-1");
    }
}
