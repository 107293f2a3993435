package io.dptrain.engine.spark;

import io.dptrain.config.Choices.Exchange;
import org.bytedeco.javacpp.indexer.Bfloat16Indexer;
import org.bytedeco.javacpp.indexer.HalfIndexer;
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
 * A flat vector of parameters, updater state, deltas or gradients as it travels between driver and
 * executors: a plain Java array (Spark serializes it in bulk) in the network's precision, float or
 * double, so that double-precision runs stay exact end to end; or, for what replicas send under
 * {@code engine.exchange = float16 | bfloat16}, 16-bit values with one scale factor (the weight is
 * kept apart so that scaling never overflows the 16-bit range). Sums are always full precision: a
 * 16-bit vector that receives another becomes a float vector first, so treeAggregate's partial sums
 * are float32 and the tree stays linear. float16 conversions are javacpp's HalfIndexer; bfloat16 is
 * decoded by javacpp's Bfloat16Indexer and encoded here (see {@link #bfloat16}).
 */
final class FlatVector implements Serializable {
    private static final long serialVersionUID = 2L;
    private transient float[] floats;
    private transient double[] doubles;
    /** 16-bit values in {@link #format}; their value is decode(bits) * scale. */
    private transient short[] halves;
    private transient Exchange format;
    private transient double scale = 1;
    /** Set for a view ({@link #viewOf}): the array itself, read when the vector is used; the fields above unset. */
    private transient INDArray view;

    private FlatVector(float[] floats, double[] doubles) {
        this.floats = floats;
        this.doubles = doubles;
    }

    private FlatVector(short[] halves, Exchange format, double scale) {
        this.halves = halves;
        this.format = format;
        this.scale = scale;
    }

    /** A copy of the array's values in its own precision (null stays null). */
    static FlatVector of(INDArray array) {
        if (array == null) {
            return null;
        }
        return array.dataType() == DataType.DOUBLE ? new FlatVector(null, doubles(array))
                : new FlatVector(floats(array), null);
    }

    /**
     * The array itself, not a copy of its values: for a reader in the same JVM that is done with it before the
     * array changes (a barrier task's replica loading its copy of the driver's parameters, {@link ModelState#viewOf}).
     * Copied into a target natively; anything else (sums, scaling, serialization) takes a copy of the values as
     * they are then. Null stays null.
     */
    static FlatVector viewOf(INDArray array) {
        if (array == null) {
            return null;
        }
        FlatVector vector = new FlatVector(null, null);
        vector.view = array;
        return vector;
    }

    /** This vector, or for a view a copy of its array's values now. */
    private FlatVector values() {
        return view == null ? this : of(view);
    }

    /** The array's values in {@code format}: float32 keeps the array's own precision (see {@link #of}). */
    static FlatVector encoded(INDArray array, Exchange format) {
        if (format == Exchange.FLOAT32) {
            return of(array);
        }
        float[] values = floats(array);
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = (short) (format == Exchange.FLOAT16 ? HalfIndexer.fromFloat(values[i]) : bfloat16(values[i]));
        }
        return new FlatVector(bits, format, 1);
    }

    /**
     * The values as a new array of {@code target}'s shape and type, to be assigned to or combined with
     * it; it must have as many elements: nd4j's {@code assign} does not check lengths (1.0.0-M2), it
     * copies all of a longer source past the end of a shorter target and corrupts the native heap, so
     * a vector of another network must fail here instead.
     *
     * @param what names the vector and the target in the error, e.g. "the summed gradient"
     * @throws IllegalStateException if the lengths differ
     */
    INDArray toArrayFor(INDArray target, String what) {
        checkLength(target, what);
        return toArray().castTo(target.dataType()).reshape(target.shape());
    }

    private void checkLength(INDArray target, String what) {
        if (target.length() != length()) {
            throw new IllegalStateException(what + " (" + length() + " values) cannot be assigned to an array of "
                    + target.length() + ": the vector comes from another network (replicas of another model cached "
                    + "under the same run id?)");
        }
    }

    /**
     * Writes the values into {@code target} (same checks as {@link #toArrayFor}); a bulk copy straight into its
     * buffer when it is a whole contiguous array of this vector's precision, as the networks' parameters,
     * gradients and updater states are.
     */
    void copyInto(INDArray target, String what) {
        if (view != null) {
            checkLength(target, what);
            if (bulk(view) && bulk(target) && view.dataType() == target.dataType()) {
                target.data().asNio().put(view.data().asNio()); // the buffers' bytes: one native copy
            } else {
                target.assign(view.castTo(target.dataType()).reshape(target.shape()));
            }
            return;
        }
        if (halves == null && target.length() == length() && bulk(target)
                && target.dataType() == (floats != null ? DataType.FLOAT : DataType.DOUBLE)) {
            if (floats != null) {
                target.data().asNioFloat().put(floats);
            } else {
                target.data().asNioDouble().put(doubles);
            }
            return;
        }
        target.assign(toArrayFor(target, what));
    }

    INDArray toArray() {
        if (view != null) {
            return view.dup().reshape(view.length());
        }
        if (halves != null) {
            return filled(decoded());
        }
        if (floats != null) {
            return filled(floats);
        }
        INDArray array = Nd4j.createUninitialized(DataType.DOUBLE, doubles.length);
        array.data().asNioDouble().put(doubles);
        return array;
    }

    private static INDArray filled(float[] values) {
        INDArray array = Nd4j.createUninitialized(DataType.FLOAT, values.length);
        array.data().asNioFloat().put(values);
        return array;
    }

    /*
     * nd4j's own conversions between Java arrays and its buffers (toFloatVector, createFromArray) go element by
     * element: ~1.2 ms each way for LeNet's 431k parameters, several times a round. A whole contiguous buffer
     * is copied in bulk through its NIO view instead (0.1-0.3 ms); views into a larger buffer take nd4j's way.
     */
    private static boolean bulk(INDArray array) {
        return array.offset() == 0 && array.data().length() == array.length() && array.elementWiseStride() == 1;
    }

    private static float[] floats(INDArray array) {
        if (array.dataType() != DataType.FLOAT || !bulk(array)) {
            return array.toFloatVector();
        }
        float[] values = new float[(int) array.length()];
        array.data().asNioFloat().get(values);
        return values;
    }

    private static double[] doubles(INDArray array) {
        if (!bulk(array)) {
            return array.toDoubleVector();
        }
        double[] values = new double[(int) array.length()];
        array.data().asNioDouble().get(values);
        return values;
    }

    /**
     * The values as floats without a copy when they are floats (read only: the vector still owns them), decoded
     * when 16-bit; null for doubles.
     */
    float[] floatValues() {
        if (view != null) {
            return values().floatValues();
        }
        return halves != null ? decoded() : floats;
    }

    int length() {
        if (view != null) {
            return (int) view.length();
        }
        return halves != null ? halves.length : floats != null ? floats.length : doubles.length;
    }

    long bytes() {
        if (view != null) {
            return view.length() * view.dataType().width();
        }
        return halves != null ? 2L * halves.length : floats != null ? 4L * floats.length : 8L * doubles.length;
    }

    /** A vector of this times weight (16-bit values keep their bits and carry the weight as their scale). */
    FlatVector scaled(double weight) {
        if (view != null) {
            return values().scaled(weight);
        }
        if (weight == 1) {
            return this;
        }
        if (halves != null) {
            return new FlatVector(halves, format, scale * weight);
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

    /**
     * Adds other into this vector's array (the aggregator owns its partial sums) and returns the sum:
     * this, or a new float vector when this holds 16-bit values.
     */
    FlatVector add(FlatVector other) {
        if (view != null) {
            return values().add(other);
        }
        other = other.values();
        if (other.length() != length() || (other.doubles == null) != (doubles == null)) {
            throw new IllegalStateException("cannot sum a vector of " + length() + " " + type() + " and one of "
                    + other.length() + " " + other.type() + ": the replicas do not hold the same network");
        }
        if (halves != null) {
            return new FlatVector(decoded(), null).add(other);
        }
        if (other.halves != null) {
            float[] values = other.decoded();
            for (int i = 0; i < floats.length; i++) {
                floats[i] += values[i];
            }
        } else if (floats != null) {
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

    /**
     * The bfloat16 nearest to {@code value} (ties to even), by hand: javacpp's Bfloat16Indexer.fromFloat
     * truncates (relative error up to 2^-7 instead of 2^-8; FlatVectorTest caught it), and nd4j's own cast
     * needs a native array per vector.
     */
    static int bfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (bits >>> 16) | 0x40; // stays a (quiet) NaN
        }
        return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
    }

    private float[] decoded() {
        float[] out = new float[halves.length];
        float s = (float) scale;
        for (int i = 0; i < out.length; i++) {
            int bits = halves[i] & 0xffff;
            out[i] = (format == Exchange.FLOAT16 ? HalfIndexer.toFloat(bits) : Bfloat16Indexer.toFloat(bits)) * s;
        }
        return out;
    }

    /**
     * Writes the values as one little-endian byte block after a type byte (0 float, 1 double, 2 float16,
     * 3 bfloat16; 16-bit ones then their scale): a bulk copy instead of Java serialization's per-element
     * conversion, which matters at several MB per replica per round.
     */
    private void writeObject(ObjectOutputStream out) throws IOException {
        if (view != null) {
            values().writeObject(out);
            return;
        }
        out.defaultWriteObject();
        int type = halves != null ? (format == Exchange.FLOAT16 ? 2 : 3) : floats != null ? 0 : 1;
        out.writeByte(type);
        out.writeInt(length());
        if (halves != null) {
            out.writeDouble(scale);
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case 0 -> bytes.asFloatBuffer().put(floats);
            case 1 -> bytes.asDoubleBuffer().put(doubles);
            default -> bytes.asShortBuffer().put(halves);
        }
        out.write(bytes.array());
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        int type = in.readByte();
        int length = in.readInt();
        if (length < 0 || type < 0 || type > 3) {
            throw new IOException("corrupt vector: type " + type + ", length " + length);
        }
        scale = type >= 2 ? in.readDouble() : 1;
        byte[] raw = new byte[length * (type == 0 ? 4 : type == 1 ? 8 : 2)];
        in.readFully(raw);
        ByteBuffer bytes = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case 0 -> bytes.asFloatBuffer().get(floats = new float[length]);
            case 1 -> bytes.asDoubleBuffer().get(doubles = new double[length]);
            default -> {
                bytes.asShortBuffer().get(halves = new short[length]);
                format = type == 2 ? Exchange.FLOAT16 : Exchange.BFLOAT16;
            }
        }
    }

    private String type() {
        return halves != null ? format.configName() + " values" : floats != null ? "floats" : "doubles";
    }
}
