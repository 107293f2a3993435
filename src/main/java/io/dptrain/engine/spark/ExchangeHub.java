package io.dptrain.engine.spark;

import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The driver's relay for a barrier job's tasks (see {@link BarrierRounds}): every round each task sends
 * its message, and once all have, each receives all of them in partition order. Spark's own
 * {@code BarrierTaskContext.allGather} does this too, but a task waiting in it polls with
 * {@code Thread.sleep(1000)} (Spark 3.5), so a sync costs up to a second: 10x slower rounds, measured.
 *
 * <p>A plain TCP socket on the driver's address, one connection per task, length-prefixed frames. A task
 * proves it belongs to the job with a random token that reaches it in the job's broadcast; any other
 * connection is closed. Frames are not encrypted (as Spark's own block transfers without
 * {@code spark.network.crypto.enabled}). Each attempt of the barrier stage gets its own relay: when Spark
 * re-runs the stage after a task failure, the new attempt's tasks connect afresh and the old relay dies
 * with its broken connections.
 */
final class ExchangeHub implements Closeable {
    private static final int END = -1;
    private final int parties;
    private final ServerSocket server;
    private final Address address;
    private final Map<Integer, Relay> relays = new ConcurrentHashMap<>();
    private final Thread acceptor;

    /** Where tasks connect, and the token that admits them. */
    record Address(String host, int port, String token) implements Serializable {
    }

    private ExchangeHub(int parties, String bindHost, String host) throws IOException {
        this.parties = parties;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0), parties);
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        this.address = new Address(host, server.getLocalPort(), HexFormat.of().formatHex(secret));
        this.acceptor = new Thread(this::accept, "dptrain-exchange-hub-" + address.port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * A hub for {@code parties} tasks, listening on {@code bindHost} (spark.driver.bindAddress) and reached at
     * {@code host} (spark.driver.host, the driver's address as executors know it).
     */
    static ExchangeHub open(int parties, String bindHost, String host) {
        try {
            return new ExchangeHub(parties, bindHost, host);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the round exchange on " + bindHost + " (spark.driver"
                    + ".bindAddress, else spark.driver.host)", e);
        }
    }

    Address address() {
        return address;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(30_000); // the greeting; a connection that says nothing is dropped
                DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
                String token = in.readUTF();
                int attempt = in.readInt();
                int partition = in.readInt();
                if (!address.token().equals(token) || partition < 0 || partition >= parties) {
                    socket.close();
                    continue;
                }
                socket.setSoTimeout(0); // rounds: a replica may compute for minutes
                relays.computeIfAbsent(attempt, a -> new Relay(parties, a)).join(partition, socket, in);
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LoggerFactory.getLogger(ExchangeHub.class).warn("round exchange: a connection failed", e);
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
        relays.values().forEach(Relay::close);
    }

    /** One stage attempt's tasks: reads a frame from each, then sends every task the others'; until all end. */
    private static final class Relay implements Runnable {
        private final Socket[] sockets;
        private final DataInputStream[] in;
        private final DataOutputStream[] out;
        private final int attempt;
        private int joined;

        Relay(int parties, int attempt) {
            this.sockets = new Socket[parties];
            this.in = new DataInputStream[parties];
            this.out = new DataOutputStream[parties];
            this.attempt = attempt;
        }

        synchronized void join(int partition, Socket socket, DataInputStream input) throws IOException {
            if (sockets[partition] != null) {
                socket.close();
                return;
            }
            sockets[partition] = socket;
            in[partition] = input;
            out[partition] = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            if (++joined == sockets.length) {
                Thread relay = new Thread(this, "dptrain-exchange-relay-" + attempt);
                relay.setDaemon(true);
                relay.start();
            }
        }

        @Override
        public void run() {
            byte[][] frames = new byte[sockets.length][];
            try {
                while (true) {
                    int ended = 0;
                    for (int p = 0; p < sockets.length; p++) {
                        int length = in[p].readInt();
                        if (length == END) {
                            ended++;
                            continue;
                        }
                        frames[p] = new byte[length];
                        in[p].readFully(frames[p]);
                    }
                    if (ended > 0) {
                        return; // tasks end after the same round (they all see the same stop flag)
                    }
                    for (int q = 0; q < out.length; q++) {
                        for (int p = 0; p < frames.length; p++) {
                            if (p != q) { // a task has its own frame: a third less to copy with two tasks
                                out[q].writeInt(frames[p].length);
                                out[q].write(frames[p]);
                            }
                        }
                        out[q].flush();
                    }
                }
            } catch (IOException e) {
                // A task failed or its stage attempt was cancelled: the others see their connection close.
                LoggerFactory.getLogger(ExchangeHub.class).debug("round exchange of attempt {} ended", attempt, e);
            } finally {
                close();
            }
        }

        synchronized void close() {
            for (Socket s : sockets) {
                try {
                    if (s != null) {
                        s.close();
                    }
                } catch (IOException ignored) {
                    // closing: nothing left to do
                }
            }
        }
    }

    /** A task's end of the exchange. */
    static final class Connection implements Closeable {
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;
        private final int partition;
        private final int parties;

        Connection(Address address, int attempt, int partition, int parties) {
            this.partition = partition;
            this.parties = parties;
            try {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(address.host(), address.port()), 60_000);
                in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
                out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
                out.writeUTF(address.token());
                out.writeInt(attempt);
                out.writeInt(partition);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot reach the driver's round exchange at " + address.host() + ":"
                        + address.port(), e);
            }
        }

        /** Sends this task's frame; returns every task's, in partition order (this one's included). */
        List<byte[]> exchange(byte[] frame) {
            try {
                out.writeInt(frame.length);
                out.write(frame);
                out.flush();
                List<byte[]> all = new ArrayList<>(parties);
                for (int p = 0; p < parties; p++) {
                    if (p == partition) {
                        all.add(frame);
                        continue;
                    }
                    byte[] f = new byte[in.readInt()];
                    in.readFully(f);
                    all.add(f);
                }
                return all;
            } catch (IOException e) {
                throw new UncheckedIOException("the round exchange broke off (another task failed, or the driver "
                        + "ended the job)", e);
            }
        }

        /** Tells the relay this task ran its last round, and disconnects. */
        @Override
        public void close() {
            try {
                out.writeInt(END);
                out.flush();
            } catch (IOException ignored) {
                // the relay is gone already
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing: nothing left to do
            }
        }
    }
}
