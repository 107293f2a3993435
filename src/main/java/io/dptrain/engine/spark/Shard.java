package io.dptrain.engine.spark;

import io.dptrain.data.LabeledImages;

import java.io.Serializable;

/** One worker's part of the training data: the images of one partition, in their shard order. */
record Shard(int index, LabeledImages images) implements Serializable {
}
