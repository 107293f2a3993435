package io.dptrain.predict;

import io.dptrain.data.ExampleCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * What a prediction task needs, shipped to the executors once per prediction pass as a broadcast:
 * the network as {@link ModelSerializer} bytes (parameters, no updater state) and the codec that
 * turns its input column into examples.
 *
 * @param model the network's bytes
 * @param codec how rows of the model's input column become examples (images or token ids)
 */
public record ModelPayload(byte[] model, ExampleCodec codec) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Checks both parts are there. */
    public ModelPayload {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(codec, "codec");
    }

    /**
     * Serializes a network for prediction.
     *
     * @param net   the trained network
     * @param codec the codec of its input
     * @return the payload
     */
    public static ModelPayload of(MultiLayerNetwork net, ExampleCodec codec) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(net, bytes, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the model", e);
        }
        return new ModelPayload(bytes.toByteArray(), codec);
    }

    /** A fresh network from the bytes; networks are not thread-safe, so one per concurrent task. */
    public MultiLayerNetwork restore() {
        try {
            return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(model), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the broadcast model", e);
        }
    }
}
