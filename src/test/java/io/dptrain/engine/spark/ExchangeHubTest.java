package io.dptrain.engine.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataOutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class ExchangeHubTest {

    private static byte[] frame(int partition, int round) {
        return ("p" + partition + "r" + round).repeat(partition + 1).getBytes(StandardCharsets.UTF_8);
    }

    /** Every task receives every task's frame of the round, in partition order, round after round. */
    @Test
    void everyTaskReceivesAllFramesInPartitionOrder() throws Exception {
        try (ExchangeHub hub = ExchangeHub.open(3, "127.0.0.1", "127.0.0.1")) {
            List<CompletableFuture<List<List<String>>>> tasks = new ArrayList<>();
            for (int p = 2; p >= 0; p--) { // connecting out of order
                int partition = p;
                tasks.add(CompletableFuture.supplyAsync(() -> {
                    List<List<String>> seen = new ArrayList<>();
                    try (ExchangeHub.Connection c = new ExchangeHub.Connection(hub.address(), 0, partition, 3)) {
                        for (int round = 0; round < 3; round++) {
                            seen.add(c.exchange(frame(partition, round)).stream()
                                    .map(b -> new String(b, StandardCharsets.UTF_8)).toList());
                        }
                    }
                    return seen;
                }));
            }
            for (CompletableFuture<List<List<String>>> task : tasks) {
                List<List<String>> seen = task.get();
                for (int round = 0; round < 3; round++) {
                    assertThat(seen.get(round)).containsExactly(new String(frame(0, round), StandardCharsets.UTF_8),
                            new String(frame(1, round), StandardCharsets.UTF_8),
                            new String(frame(2, round), StandardCharsets.UTF_8));
                }
            }
        }
    }

    /** A connection without the job's token is dropped: it neither joins nor blocks the job's tasks. */
    @Test
    void aConnectionWithoutTheTokenIsDropped() throws Exception {
        try (ExchangeHub hub = ExchangeHub.open(2, "127.0.0.1", "127.0.0.1");
             Socket intruder = new Socket("127.0.0.1", hub.address().port())) {
            DataOutputStream out = new DataOutputStream(intruder.getOutputStream());
            out.writeUTF("not-the-token");
            out.writeInt(0);
            out.writeInt(0);
            out.flush();
            assertThat(intruder.getInputStream().read()).isEqualTo(-1); // closed by the hub

            CompletableFuture<List<byte[]>> first = CompletableFuture.supplyAsync(() -> {
                try (ExchangeHub.Connection c = new ExchangeHub.Connection(hub.address(), 0, 0, 2)) {
                    return c.exchange(frame(0, 0));
                }
            });
            try (ExchangeHub.Connection c = new ExchangeHub.Connection(hub.address(), 0, 1, 2)) {
                assertThat(c.exchange(frame(1, 0))).hasSize(2);
            }
            assertThat(first.get().get(0)).isEqualTo(frame(0, 0));
        }
    }

    /** When one task dies mid-job the others do not wait forever: their exchange fails and Spark retries the stage. */
    @Test
    void aTaskThatDiesBreaksTheOthersExchange() throws Exception {
        try (ExchangeHub hub = ExchangeHub.open(2, "127.0.0.1", "127.0.0.1")) {
            CompletableFuture<List<byte[]>> survivor = CompletableFuture.supplyAsync(() -> {
                try (ExchangeHub.Connection c = new ExchangeHub.Connection(hub.address(), 0, 0, 2)) {
                    c.exchange(frame(0, 0));
                    return c.exchange(frame(0, 1));
                }
            });
            Socket dying = new Socket("127.0.0.1", hub.address().port());
            DataOutputStream out = new DataOutputStream(dying.getOutputStream());
            out.writeUTF(hub.address().token());
            out.writeInt(0);
            out.writeInt(1);
            byte[] f = frame(1, 0);
            out.writeInt(f.length);
            out.write(f);
            out.flush();
            Thread.sleep(200);
            dying.close(); // before its second frame

            assertThatThrownBy(survivor::get).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(UncheckedIOException.class).hasMessageContaining("broke off");
        }
    }
}
