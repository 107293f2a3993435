/**
 * The round engine: data-parallel training on Spark.
 *
 * <pre>
 * driver (SparkTrainer)                        executors (RoundTask, one per shard per round)
 * Shards.build: rows -> N balanced shards,     shard = images of one partition, cached
 *   cached                                     replica = ReplicaCache.get(run, partition)
 * round r: broadcast(ModelState) ---------->     or built from config + shard (minibatches once)
 *                                              replica loads the broadcast state, then
 *                                                PA: k local steps  |  GA: one gradient
 *          treeAggregate(RoundSum) <--------   RoundSum (weighted vectors, loss, examples, ms)
 *          strategy.apply: average / updater step; listeners
 * </pre>
 * With spilled shards ({@code dptrain.engine.shard-storage} memory-and-disk or disk) a shard is many
 * Spark blocks of a few minibatches each; round r's input gives each shard's task only the blocks of its
 * round-r minibatches (Shards.roundBlocks), and the replica keeps the network, not the shard.
 *
 * <p>With {@code dptrain.engine.rounds-per-job} > 1, {@link io.dptrain.engine.spark.BarrierRounds} runs a block
 * of rounds in one barrier job instead: each round the tasks exchange their RoundSums
 * ({@link io.dptrain.engine.spark.TaskExchange}: in memory when all tasks share a JVM, else through the driver's
 * {@link io.dptrain.engine.spark.ExchangeHub}) and apply the sum to their own copies of the driver's network;
 * the driver loads partition 0's copy at the job's end.
 *
 * Which side runs what: {@link io.dptrain.engine.spark.SparkTrainer} and
 * {@link io.dptrain.engine.Shards} run on the driver; {@link io.dptrain.engine.spark.RoundTask},
 * {@link io.dptrain.engine.spark.Replica} and {@link io.dptrain.engine.spark.ReplicaCache} on executors.
 * A {@link io.dptrain.engine.spark.SyncStrategy} has one method for each side. Replicas are a cache (kept per run),
 * never the truth: each round's state comes from the broadcast, so a task retried on a fresh
 * executor rebuilds its replica and computes the same result. {@link io.dptrain.engine.spark.Trainers}
 * picks the trainer {@code dptrain.engine.mode} names (the single-process reference or a Spark engine).
 */
package io.dptrain.engine.spark;
