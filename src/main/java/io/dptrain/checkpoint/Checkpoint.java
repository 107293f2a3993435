package io.dptrain.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.RunSchedule;
import io.dptrain.json.Json;
import io.dptrain.json.MetricsLines;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The driver network's state after a round, enough to continue the run as if it had not stopped:
 * the flat parameters, the flat updater state (absent for updaters without state, e.g. SGD), DL4J's
 * iteration and epoch counters, the round, the run's layout (workers, rounds per epoch), the config
 * fingerprint and the metrics of every round so far.
 *
 * <p>No random-number state is needed: the shards depend only on the seed and the table (see
 * io.dptrain.engine.Shards), and each epoch's batch order in a replica only on (seed, epoch)
 * ({@code Seeds.permutation(batches, Seeds.derive(seed, "epoch-order", epoch))} in Replica), so a
 * resumed run sees the same batches in the same rounds. Every round starts the replicas from the
 * broadcast state, so they hold nothing a checkpoint would miss, except with
 * {@code dptrain.engine.updater-state = per-replica}: those updater states restart fresh, as after a
 * lost executor. Dropout masks come from ND4J's generator, which no run reproduces.
 *
 * <p>File format (big-endian; never Java serialization): the magic {@code DPTRCKPT}, an int format
 * version ({@value #VERSION}), a long payload length, the payload, and the SHA-256 of the payload.
 * Payload: the fingerprint (UTF), ints round, workers, rounds per epoch, iteration, epoch count, the
 * parameters and the updater state as vectors (byte type: 0 absent, 1 float, 2 double; int length;
 * the values), then (version 2) the engine state as a vector (parameter averaging's outer momentum
 * buffer; type 0 when absent), and the metrics as UTF-8 JSON lines (int byte length, bytes) in the encoding of
 * metrics.jsonl ({@link MetricsLines}).
 *
 * @param fingerprint    {@link #fingerprint(DptrainConfig)} of the run's configuration
 * @param round          rounds completed (1-based number of the last one)
 * @param workers        shards of the run
 * @param roundsPerEpoch rounds in one epoch
 * @param iteration      DL4J's iteration count of the driver network
 * @param epochCount     DL4J's epoch count of the driver network
 * @param params         flat parameters (float or double)
 * @param updaterState   flat updater state, or null
 * @param engineState    state the trainer keeps beyond the network (io.dptrain.Trainer#engineState), or null
 * @param rounds         metrics of rounds 1..round
 */
public record Checkpoint(String fingerprint, int round, int workers, int roundsPerEpoch, int iteration,
                         int epochCount, INDArray params, INDArray updaterState, INDArray engineState,
                         List<RoundMetrics> rounds) {
    /** Format version this code writes; it also reads version 1 (no engine state). */
    public static final int VERSION = 2;
    private static final byte[] MAGIC = "DPTRCKPT".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 4 + 8;
    private static final int DIGEST = 32;

    public Checkpoint {
        rounds = List.copyOf(rounds);
        if (rounds.size() != round) {
            throw new IllegalArgumentException("a checkpoint after round " + round + " needs the metrics of "
                    + round + " rounds, got " + rounds.size());
        }
    }

    /** A copy of the driver network's state after {@code rounds.size()} rounds of {@code plan}. */
    public static Checkpoint of(MultiLayerNetwork net, String fingerprint, RunPlan plan, List<RoundMetrics> rounds) {
        return of(net, null, fingerprint, plan, rounds);
    }

    /** The same with the trainer's engine state (copied; null: none). */
    public static Checkpoint of(MultiLayerNetwork net, INDArray engineState, String fingerprint, RunPlan plan,
                                List<RoundMetrics> rounds) {
        Updater updater = net.getUpdater(true);
        INDArray state = updater == null ? null : updater.getStateViewArray();
        return new Checkpoint(fingerprint, rounds.size(), plan.workers(), plan.roundsPerEpoch(),
                net.getIterationCount(), net.getEpochCount(), net.params().dup(),
                state == null ? null : state.dup(), engineState == null ? null : engineState.dup(), rounds);
    }

    /** The 1-based epoch of the last completed round. */
    public int epoch() {
        return round == 0 ? 1 : (round - 1) / roundsPerEpoch + 1;
    }

    /** Whether the last completed round ended its epoch (a resumed run then starts the next epoch). */
    public boolean atEpochEnd() {
        return round % roundsPerEpoch == 0;
    }

    /**
     * SHA-256 (hex) of the configuration's JSON without the settings that do not change what is
     * computed: output, checkpoint, spark, train.progress-every and engine.shard-storage (a run may
     * resume with its shards spilled where they were in memory). A checkpoint is only resumed under the
     * same fingerprint.
     */
    public static String fingerprint(DptrainConfig config) {
        ObjectNode tree = Json.MAPPER.valueToTree(config);
        tree.remove(List.of("output", "checkpoint", "spark"));
        ((ObjectNode) tree.get("train")).remove("progressEvery");
        ((ObjectNode) tree.get("engine")).remove("shardStorage");
        try {
            return HexFormat.of().formatHex(sha256(Json.compact().writeValueAsBytes(tree)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the configuration as JSON", e);
        }
    }

    /**
     * Continues {@code plan} from this checkpoint: checks that the run has the checkpointed run's layout,
     * loads the state into {@code net} ({@link #restoreInto}) and returns the schedule that starts at the
     * round after this one (after an epoch-end checkpoint: the next epoch's first round).
     *
     * @param source names the checkpoint in errors (its path)
     */
    public RunSchedule resume(MultiLayerNetwork net, RunPlan plan, String source) {
        if (workers != plan.workers() || roundsPerEpoch != plan.roundsPerEpoch()) {
            throw new IllegalArgumentException("checkpoint " + source + " was written by a run of " + workers
                    + " workers and " + roundsPerEpoch + " rounds per epoch; this run has " + plan.workers() + " and "
                    + plan.roundsPerEpoch() + ": set dptrain.engine.workers=" + workers + " and the same data");
        }
        if (round > plan.totalRounds()) {
            throw new IllegalArgumentException("checkpoint " + source + " is after round " + round
                    + ", beyond this run's " + plan.totalRounds() + " rounds");
        }
        restoreInto(net, source);
        return new RunSchedule(plan, rounds);
    }

    /**
     * Loads parameters, updater state and counters into {@code net}, which must be the network of
     * the same configuration; {@code source} names the checkpoint in errors.
     */
    public void restoreInto(MultiLayerNetwork net, String source) {
        if (net.params().length() != params.length() || net.params().dataType() != params.dataType()) {
            throw new IllegalArgumentException("checkpoint " + source + " holds " + params.length() + " "
                    + params.dataType() + " parameters, the network has " + net.params().length() + " "
                    + net.params().dataType() + ": it belongs to another model");
        }
        Updater updater = net.getUpdater(true);
        INDArray state = updater == null ? null : updater.getStateViewArray();
        long expected = state == null ? 0 : state.length();
        long found = updaterState == null ? 0 : updaterState.length();
        if (expected != found) {
            throw new IllegalArgumentException("checkpoint " + source + " holds " + found
                    + " updater state values, the network's updater has " + expected + ": another updater");
        }
        net.params().assign(params);
        if (state != null) {
            state.assign(updaterState);
        }
        net.setIterationCount(iteration);
        net.setEpochCount(epochCount);
    }

    /** The file's bytes (see the class comment for the format). */
    public byte[] toBytes() {
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(payload);
            out.writeUTF(fingerprint);
            for (int v : new int[]{round, workers, roundsPerEpoch, iteration, epochCount}) {
                out.writeInt(v);
            }
            writeVector(out, params);
            writeVector(out, updaterState);
            writeVector(out, engineState);
            byte[] metrics = MetricsLines.write(rounds).getBytes(StandardCharsets.UTF_8);
            out.writeInt(metrics.length);
            out.write(metrics);
            out.flush();
            byte[] body = payload.toByteArray();
            ByteBuffer file = ByteBuffer.allocate(HEADER + body.length + DIGEST);
            file.put(MAGIC).putInt(VERSION).putLong(body.length).put(body).put(sha256(body));
            return file.array();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the checkpoint of round " + round, e);
        }
    }

    /**
     * Reads and verifies a checkpoint file's bytes; {@code source} names it in errors. Wrong magic,
     * another version, a truncated file or a checksum mismatch is an IllegalArgumentException.
     */
    public static Checkpoint fromBytes(byte[] bytes, String source) {
        if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new IllegalArgumentException("checkpoint " + source + " is not a dptrain checkpoint: wrong magic "
                    + "header (expected DPTRCKPT)");
        }
        if (bytes.length < HEADER + DIGEST) {
            throw new IllegalArgumentException("checkpoint " + source + " is truncated: " + bytes.length
                    + " bytes, shorter than the header and checksum");
        }
        ByteBuffer file = ByteBuffer.wrap(bytes);
        file.position(MAGIC.length);
        int version = file.getInt();
        if (version != 1 && version != VERSION) {
            throw new IllegalArgumentException("checkpoint " + source + " has format version " + version
                    + "; this dptrain reads versions 1 and " + VERSION);
        }
        long length = file.getLong();
        if (length != bytes.length - HEADER - DIGEST) {
            throw new IllegalArgumentException("checkpoint " + source + " is truncated or has trailing bytes: the "
                    + "header says " + length + " payload bytes, the file holds " + (bytes.length - HEADER - DIGEST));
        }
        byte[] body = Arrays.copyOfRange(bytes, HEADER, HEADER + (int) length);
        if (!Arrays.equals(sha256(body), Arrays.copyOfRange(bytes, HEADER + (int) length, bytes.length))) {
            throw new IllegalArgumentException("checkpoint " + source + " is corrupt: the SHA-256 checksum of its "
                    + "payload does not match");
        }
        try {
            return decode(new DataInputStream(new ByteArrayInputStream(body)), body.length, version);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("checkpoint " + source + " has a malformed payload: " + e.getMessage(),
                    e);
        }
    }

    private static Checkpoint decode(DataInputStream in, int size, int version) throws IOException {
        String fingerprint = in.readUTF();
        int round = in.readInt();
        int workers = in.readInt();
        int roundsPerEpoch = in.readInt();
        int iteration = in.readInt();
        int epochCount = in.readInt();
        if (round < 1 || workers < 1 || roundsPerEpoch < 1) {
            throw new IOException("round " + round + ", workers " + workers + ", rounds per epoch " + roundsPerEpoch
                    + " must all be >= 1");
        }
        INDArray params = readVector(in, size);
        if (params == null) {
            throw new IOException("no parameters");
        }
        INDArray updaterState = readVector(in, size);
        INDArray engineState = version >= 2 ? readVector(in, size) : null;
        int metricsLength = in.readInt();
        if (metricsLength < 0 || metricsLength > size) {
            throw new EOFException("metrics length " + metricsLength + " out of range");
        }
        byte[] metrics = in.readNBytes(metricsLength);
        if (metrics.length != metricsLength || in.read() != -1) {
            throw new EOFException("metrics block of " + metricsLength + " bytes does not end the payload");
        }
        List<RoundMetrics> rounds = MetricsLines.read(new String(metrics, StandardCharsets.UTF_8), "the metrics block");
        return new Checkpoint(fingerprint, round, workers, roundsPerEpoch, iteration, epochCount, params,
                updaterState, engineState, rounds);
    }

    private static void writeVector(DataOutputStream out, INDArray vector) throws IOException {
        if (vector == null) {
            out.writeByte(0);
            return;
        }
        boolean isDouble = vector.dataType() == DataType.DOUBLE;
        if (!isDouble && vector.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("checkpoints hold float or double vectors, got " + vector.dataType());
        }
        out.writeByte(isDouble ? 2 : 1);
        out.writeInt((int) vector.length());
        ByteBuffer bytes = ByteBuffer.allocate((int) vector.length() * (isDouble ? 8 : 4));
        if (isDouble) {
            bytes.asDoubleBuffer().put(vector.toDoubleVector());
        } else {
            bytes.asFloatBuffer().put(vector.toFloatVector());
        }
        out.write(bytes.array());
    }

    private static INDArray readVector(DataInputStream in, int size) throws IOException {
        int type = in.readByte();
        if (type == 0) {
            return null;
        }
        if (type != 1 && type != 2) {
            throw new IOException("unknown vector type " + type);
        }
        int length = in.readInt();
        if (length < 0 || (long) length * (type == 2 ? 8 : 4) > size) {
            throw new EOFException("vector length " + length + " out of range");
        }
        byte[] raw = in.readNBytes(length * (type == 2 ? 8 : 4));
        if (raw.length != length * (type == 2 ? 8 : 4)) {
            throw new EOFException("vector of " + length + " values cut short");
        }
        if (type == 2) {
            double[] values = new double[length];
            ByteBuffer.wrap(raw).asDoubleBuffer().get(values);
            return Nd4j.createFromArray(values);
        }
        float[] values = new float[length];
        ByteBuffer.wrap(raw).asFloatBuffer().get(values);
        return Nd4j.createFromArray(values);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
