package io.dptrain.engine.spark;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A flat vector of parameters, updater state or gradients as it travels between driver and
 * executors: a plain Java array (Spark serializes it in bulk) in the network's precision, float or
 * double, so that double-precision runs stay exact end to end.
 */
final class FlatVector implements Serializable {
    private static final long serialVersionUID = 1L;
    private transient float[] floats;
    private transient double[] doubles;

    private FlatVector(float[] floats, double[] doubles) {
        this.floats = floats;
        this.doubles = doubles;
    }

    /** A copy of the array's values (null stays null). */
    static FlatVector of(INDArray array) {
        if (array == null) {
            return null;
        }
        return array.dataType() == DataType.DOUBLE ? new FlatVector(null, array.toDoubleVector())
                : new FlatVector(array.toFloatVector(), null);
    }

    /**
     * The values as a new array, to be assigned to {@code target}, which must have as many elements: nd4j's
     * {@code assign} does not check lengths (1.0.0-M2), it copies all of a longer source past the end of a
     * shorter target and corrupts the native heap, so a vector of another network must fail here instead.
     *
     * @param what names the vector and the target in the error, e.g. "the summed gradient"
     * @throws IllegalStateException if the lengths differ
     */
    INDArray toArrayFor(INDArray target, String what) {
        if (target.length() != length()) {
            throw new IllegalStateException(what + " (" + length() + " values) cannot be assigned to an array of "
                    + target.length() + ": the vector comes from another network (replicas of another model cached "
                    + "under the same run id?)");
        }
        return floats != null ? Nd4j.createFromArray(floats) : Nd4j.createFromArray(doubles);
    }

    int length() {
        return floats != null ? floats.length : doubles.length;
    }

    long bytes() {
        return floats != null ? 4L * floats.length : 8L * doubles.length;
    }

    /** A new vector: this times weight. */
    FlatVector scaled(double weight) {
        if (weight == 1) {
            return this;
        }
        if (floats != null) {
            float[] out = new float[floats.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = floats[i] * (float) weight;
            }
            return new FlatVector(out, null);
        }
        double[] out = new double[doubles.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = doubles[i] * weight;
        }
        return new FlatVector(null, out);
    }

    /** Adds other into this vector's array (the aggregator owns its partial sums) and returns this. */
    FlatVector add(FlatVector other) {
        if (other.length() != length() || (other.floats == null) != (floats == null)) {
            throw new IllegalStateException("cannot sum a vector of " + length() + " " + type() + " and one of "
                    + other.length() + " " + other.type() + ": the replicas do not hold the same network");
        }
        if (floats != null) {
            for (int i = 0; i < floats.length; i++) {
                floats[i] += other.floats[i];
            }
        } else {
            for (int i = 0; i < doubles.length; i++) {
                doubles[i] += other.doubles[i];
            }
        }
        return this;
    }

    /** Divides elements [from, to) by divisor in place. */
    void divideRange(long from, long to, int divisor) {
        for (int i = (int) from; i < to; i++) {
            if (floats != null) {
                floats[i] /= divisor;
            } else {
                doubles[i] /= divisor;
            }
        }
    }

    /**
     * Writes the values as one little-endian byte block: a bulk copy instead of Java serialization's
     * per-element conversion, which matters at several MB per replica per round.
     */
    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        boolean isFloat = floats != null;
        out.writeBoolean(isFloat);
        out.writeInt(length());
        ByteBuffer bytes = ByteBuffer.allocate((int) bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (isFloat) {
            bytes.asFloatBuffer().put(floats);
        } else {
            bytes.asDoubleBuffer().put(doubles);
        }
        out.write(bytes.array());
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        boolean isFloat = in.readBoolean();
        int length = in.readInt();
        if (length < 0) {
            throw new IOException("corrupt vector: negative length " + length);
        }
        byte[] raw = new byte[isFloat ? 4 * length : 8 * length];
        in.readFully(raw);
        ByteBuffer bytes = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (isFloat) {
            floats = new float[length];
            bytes.asFloatBuffer().get(floats);
        } else {
            doubles = new double[length];
            bytes.asDoubleBuffer().get(doubles);
        }
    }

    private String type() {
        return floats != null ? "floats" : "doubles";
    }
}
