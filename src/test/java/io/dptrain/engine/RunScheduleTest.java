package io.dptrain.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.engine.RunSchedule.Slot;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("unit")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RunScheduleTest {

    /** 3 epochs of 4 rounds. */
    private static final RunPlan PLAN = new RunPlan("gradient-averaging", 2, 3, 4, 512);

    private static List<RoundMetrics> done(int rounds) {
        return IntStream.rangeClosed(1, rounds)
                .mapToObj(r -> new RoundMetrics(r, (r - 1) / 4 + 1, 0.5, 64, 10, 10, 1, 1, 1, 100, 200, 10L * r))
                .toList();
    }

    @Test
    void aNewRunWalksEveryRoundWithItsEpochAndPlace() {
        List<Slot> slots = RunSchedule.start(PLAN).remaining();

        assertThat(slots).hasSize(12);
        assertThat(slots.get(0)).isEqualTo(new Slot(1, 1, 0, false));
        assertThat(slots.get(3)).isEqualTo(new Slot(4, 1, 3, true));
        assertThat(slots.get(4)).isEqualTo(new Slot(5, 2, 0, false));
        assertThat(slots.get(11)).isEqualTo(new Slot(12, 3, 3, true));
        assertThat(slots).filteredOn(Slot::endsEpoch).extracting(Slot::epoch).containsExactly(1, 2, 3);
    }

    @Test
    void aResumedRunContinuesMidEpochAfterItsLastRound() {
        RunSchedule schedule = new RunSchedule(PLAN, done(6));

        assertThat(schedule.remaining()).extracting(Slot::round).containsExactly(7, 8, 9, 10, 11, 12);
        assertThat(schedule.remaining().get(0)).isEqualTo(new Slot(7, 2, 2, false));
        assertThat(schedule.remaining().get(1)).isEqualTo(new Slot(8, 2, 3, true));
        assertThat(schedule.completedMillis()).isEqualTo(10 + 20 + 30 + 40 + 50 + 60);
    }

    @Test
    void anEpochEndCheckpointStartsTheNextEpochAndTheLastLeavesNothing() {
        assertThat(new RunSchedule(PLAN, done(8)).remaining().get(0)).isEqualTo(new Slot(9, 3, 0, false));
        assertThat(new RunSchedule(PLAN, done(12)).remaining()).isEmpty();
    }

    @Test
    void completedRoundsMustFitThePlanAndBeInOrder() {
        assertThatThrownBy(() -> new RunSchedule(PLAN, done(13)))
                .hasMessage("13 rounds completed, beyond the plan's 12 rounds");
        List<RoundMetrics> gap = List.of(done(3).get(0), done(3).get(2));
        assertThatThrownBy(() -> new RunSchedule(PLAN, gap))
                .hasMessage("completed rounds must be 1..2 in order; position 2 holds round 3");
    }
}
