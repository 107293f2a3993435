package io.dptrain.engine;

import io.dptrain.data.ExampleSet;

import java.io.Serializable;

/**
 * Spilled shards ({@link Shards} with a storage that spills): consecutive minibatches of one shard, in
 * their stored form (uint8 pixels, int token ids), one Spark block each. Examples are those of
 * minibatches {@code firstBatch, firstBatch + 1, ...} of shard {@code shard}: the block's first example
 * is the shard's example {@code firstBatch * batchSize}.
 *
 * @param shard      the shard (worker) index
 * @param firstBatch the shard's minibatch the block starts with
 * @param examples   the examples, stored compact; decoded one minibatch at a time
 */
public record ShardBlock(int shard, int firstBatch, ExampleSet examples) implements Serializable {
}
