package io.dptrain.engine.spark;

import io.dptrain.engine.spark.BarrierRounds.Message;
import io.dptrain.engine.spark.GradientAveraging.Gradients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class TaskExchangeTest {

    /** Partition p's message of a round: the vector (p+1)/3 * (round+1) over 5 floats, loss p, last from p 2. */
    private static Message<Gradients> message(int partition, int round, boolean last) {
        float v = (partition + 1) / 3f * (round + 1);
        RoundSum<Gradients> sum = RoundSum.of(new Gradients(FlatVector.of(Nd4j.createFromArray(v, v, v, v, v))),
                partition, 10);
        return new Message<>(sum.withComputeMs(partition), last);
    }

    /** Tasks in one JVM get, every round, the sum of all messages in partition order, bit for bit as a relay's. */
    @Test
    void tasksInOneJvmGetThePartitionOrderSumEveryRound() throws Exception {
        String key = UUID.randomUUID().toString();
        int parties = 3;
        int rounds = 50;
        List<CompletableFuture<List<Message<Gradients>>>> tasks = new ArrayList<>();
        for (int p = parties - 1; p >= 0; p--) {
            int partition = p;
            tasks.add(CompletableFuture.supplyAsync(() -> {
                List<Message<Gradients>> seen = new ArrayList<>();
                try (TaskExchange<Gradients> exchange = new TaskExchange.InMemory<>(key, parties, partition, () -> { })) {
                    for (int round = 0; round < rounds; round++) {
                        seen.add(exchange.exchange(message(partition, round, partition == 2 && round == rounds - 1)));
                    }
                }
                return seen;
            }));
        }
        for (CompletableFuture<List<Message<Gradients>>> task : tasks) {
            List<Message<Gradients>> seen = task.get();
            for (int round = 0; round < rounds; round++) {
                List<Message<Gradients>> inOrder = new ArrayList<>();
                for (int p = 0; p < parties; p++) {
                    inOrder.add(message(p, round, false));
                }
                Message<Gradients> expected = TaskExchange.sum(inOrder);
                RoundSum<Gradients> got = seen.get(round).sum();
                assertThat(got.payload.vector.toArray().toFloatVector())
                        .containsExactly(expected.sum().payload.vector.toArray().toFloatVector());
                assertThat(got.lossSum).isEqualTo(3.0);
                assertThat(got.examples).isEqualTo(30);
                assertThat(got.computeMsMax).isEqualTo(2);
                assertThat(got.tasks).isEqualTo(3);
                assertThat(seen.get(round).last()).isEqualTo(round == rounds - 1);
            }
        }
    }

    /** A task that fails mid-job (it closes without its message) breaks the others' wait instead of hanging them. */
    @Test
    void aTaskThatFailsBreaksTheOthersExchange() {
        String key = UUID.randomUUID().toString();
        CompletableFuture<Message<Gradients>> survivor = CompletableFuture.supplyAsync(() -> {
            try (TaskExchange<Gradients> exchange = new TaskExchange.InMemory<>(key, 2, 0, () -> { })) {
                exchange.exchange(message(0, 0, false));
                return exchange.exchange(message(0, 1, false));
            }
        });
        try (TaskExchange<Gradients> dying = new TaskExchange.InMemory<>(key, 2, 1, () -> { })) {
            dying.exchange(message(1, 0, false));
        } // closed before its second message

        assertThatThrownBy(survivor::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("broke off");
    }

    /** A task Spark kills while it waits leaves with Spark's kill, checked at least every second. */
    @Test
    void aKilledTaskStopsWaiting() {
        String key = UUID.randomUUID().toString();
        try (TaskExchange<Gradients> alone = new TaskExchange.InMemory<>(key, 2, 0, () -> {
            throw new IllegalStateException("killed by Spark");
        })) {
            assertThatThrownBy(() -> alone.exchange(message(0, 0, false))).hasMessage("killed by Spark");
        }
    }
}
