package io.dptrain.engine;

import io.dptrain.data.ExampleSet;

import java.io.Serializable;

/** One worker's part of the training data: the examples of one partition, in their shard order. */
public record Shard(int index, ExampleSet examples) implements Serializable {
}
