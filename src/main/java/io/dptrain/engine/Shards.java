package io.dptrain.engine;

import io.dptrain.Seeds;
import io.dptrain.config.Choices.ShardStorage;
import io.dptrain.data.ExampleCodec;
import io.dptrain.data.Minibatches;
import io.dptrain.data.SeededOrder;
import org.apache.spark.Partition;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.PartitionCoalescer;
import org.apache.spark.rdd.PartitionGroup;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.ExecutorCacheTaskLocation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.StorageLevel;
import scala.Option;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Driver side: splits the training rows into N worker shards and caches them.
 *
 * <p>Rule: the row at position p of the table's {@link SeededOrder} (rows sorted by a seeded hash of
 * their content) goes to shard p mod N, where it is the (p div N)-th example. So shards differ in
 * size by at most one row, every row is used exactly once, and the layout depends only on the seed
 * and the table's rows: not on its partitioning, its read order or Spark's scheduling.
 * Shards are cut into minibatches by the replicas; a shard's short last batch is kept.
 *
 * <p>Storage ({@code dptrain.engine.shard-storage}). {@code memory}: one partition per shard, cached
 * deserialized; each replica decodes its shard into float minibatches once and keeps them for the
 * run (the fast path; the table, four times over as floats, must fit in the executors). The spilling
 * storages cut each shard into {@link ShardBlock}s of a few minibatches, one partition (one Spark
 * block) each, stored serialized in the compact stored form; Spark's block manager keeps in memory
 * what fits and writes the rest to local disk. Each round, {@link #roundBlocks} gives every shard's
 * task only the blocks holding its minibatches of that round, and the replica decodes those minibatches
 * and drops them after the round: an executor holds a few blocks per task, whatever the table's size.
 */
public final class Shards {
    /**
     * Spilling storages: at most this many blocks per shard (more minibatches share a block). Many small
     * blocks mean many partitions, tasks to build them and block-manager entries; big blocks make a round
     * read minibatches it does not train on.
     */
    static final int MAX_BLOCKS_PER_SHARD = 256;

    private final JavaRDD<Shard> rdd; // in memory; else null
    private final JavaRDD<ShardBlock> blocks; // spilled; else null
    private final int[] sizes;
    // Spilled shards only: the block layout, the seed of the epochs' minibatch orders, the replicas' executors.
    private final int batchSize;
    private final int batchesPerBlock;
    private final int blocksPerShard;
    private final long seed;
    private final String[] locations;

    private Shards(JavaRDD<Shard> rdd, JavaRDD<ShardBlock> blocks, int[] sizes, int batchSize, int batchesPerBlock,
                   int blocksPerShard, long seed, String[] locations) {
        this.rdd = rdd;
        this.blocks = blocks;
        this.sizes = sizes;
        this.batchSize = batchSize;
        this.batchesPerBlock = batchesPerBlock;
        this.blocksPerShard = blocksPerShard;
        this.seed = seed;
        this.locations = locations;
    }

    /**
     * Splits {@code table} into {@code workers} shards cached in memory ({@code shard-storage = memory}).
     *
     * @param codec how rows become examples (see io.dptrain.engine.TrainingData#codec)
     */
    public static Shards build(Dataset<Row> table, int workers, ExampleCodec codec, long seed) {
        return build(table, workers, codec, seed, ShardStorage.MEMORY, 1);
    }

    /**
     * Splits {@code table} into {@code workers} shards kept as {@code storage} says.
     *
     * @param codec     how rows become examples (see io.dptrain.engine.TrainingData#codec)
     * @param batchSize the minibatch size (spilling storages cut blocks at minibatch boundaries)
     */
    public static Shards build(Dataset<Row> table, int workers, ExampleCodec codec, long seed, ShardStorage storage,
                               int batchSize) {
        if (workers < 1) {
            throw new IllegalArgumentException("dptrain.engine.workers must be >= 1, got " + workers);
        }
        long n = table.count();
        if (n == 0) {
            throw new IllegalArgumentException("the training table is empty: nothing to train on");
        }
        if (workers > n) {
            throw new IllegalArgumentException("dptrain.engine.workers = " + workers + " is more than the " + n
                    + " training rows; use at most " + n + " workers");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("dptrain.train.batch-size must be >= 1, got " + batchSize);
        }
        // zipWithIndex numbers the sorted partitions in order: the index is the position in the seeded order.
        JavaPairRDD<Long, byte[]> positioned = SeededOrder.of(table.select(codec.columns()), codec.columns(), seed)
                .javaRDD()
                .zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), codec.encode(t._1())));
        if (storage == ShardStorage.MEMORY) {
            JavaRDD<Shard> shards = positioned.repartitionAndSortWithinPartitions(new ModuloPartitioner(workers))
                    .mapPartitionsWithIndex((index, rows) -> List.of(toShard(index, rows, codec)).iterator(), true);
            shards.setName("dptrain shards (" + workers + " x ~" + n / workers + " rows)")
                    .persist(StorageLevel.MEMORY_ONLY());
            int[] sizes = shards.map(s -> s.examples().count()).collect().stream().mapToInt(Integer::intValue)
                    .toArray();
            return new Shards(shards, null, sizes, 0, 0, 0, seed, null);
        }
        int maxBatches = Minibatches.count((n + workers - 1) / workers, batchSize);
        int batchesPerBlock = (maxBatches + MAX_BLOCKS_PER_SHARD - 1) / MAX_BLOCKS_PER_SHARD;
        int blocksPerShard = (maxBatches + batchesPerBlock - 1) / batchesPerBlock;
        BlockPartitioner partitioner = new BlockPartitioner(workers, batchSize, batchesPerBlock, blocksPerShard);
        JavaRDD<ShardBlock> blocks = positioned.repartitionAndSortWithinPartitions(partitioner)
                .mapPartitionsWithIndex((index, rows) -> toBlock(index, rows, codec, partitioner), true);
        blocks.setName("dptrain shard blocks (" + workers + " shards x " + blocksPerShard + " blocks of "
                + batchesPerBlock + " x " + batchSize + " rows, " + storage.configName() + ")").persist(level(storage));
        int[] sizes = new int[workers];
        for (Tuple2<Integer, Integer> count : blocks.mapToPair(b -> new Tuple2<>(b.shard(), b.examples().count()))
                .reduceByKey(Integer::sum).collect()) {
            sizes[count._1()] = count._2();
        }
        return new Shards(null, blocks, sizes, batchSize, batchesPerBlock, blocksPerShard, seed,
                replicaLocations(JavaSparkContext.fromSparkContext(blocks.context()), workers));
    }

    /** The Spark storage level of a shard storage. */
    static StorageLevel level(ShardStorage storage) {
        return switch (storage) {
            case MEMORY -> StorageLevel.MEMORY_ONLY();
            // Serialized: the blocks are byte arrays anyway, and Spark sizes serialized blocks exactly.
            case MEMORY_AND_DISK -> StorageLevel.MEMORY_AND_DISK_SER();
            case DISK -> StorageLevel.DISK_ONLY();
        };
    }

    /**
     * Where each shard's replica will live, as Spark task locations: one small task per shard, placed by
     * the scheduler as it places the memory shards' tasks (spread over the free slots). A round's task for
     * shard s prefers that executor, so it returns every round to the replica it built there; without
     * that, Spark would place it where the first block it reads is stored, which changes from round to
     * round. If that executor is lost, the task runs elsewhere (the preference names no live executor).
     */
    private static String[] replicaLocations(JavaSparkContext jsc, int workers) {
        List<String> where = jsc.parallelize(IntStream.range(0, workers).boxed().toList(), workers)
                .map(i -> {
                    BlockManagerId id = SparkEnv.get().blockManager().blockManagerId();
                    return new ExecutorCacheTaskLocation(id.host(), id.executorId()).toString();
                })
                .collect();
        return where.toArray(new String[0]);
    }

    /** Whether the shards are kept as blocks that may be on disk ({@link #roundBlocks}), not in {@link #rdd}. */
    public boolean spills() {
        return blocks != null;
    }

    /** In-memory shards: the cached shards, one per partition (the round engines run one task per shard). */
    public JavaRDD<Shard> rdd() {
        if (rdd == null) {
            throw new IllegalStateException("the shards are stored as spilled blocks; read them with roundBlocks");
        }
        return rdd;
    }

    /**
     * Spilled shards: the blocks that round {@code roundInEpoch} (0-based) of {@code epoch} trains on, one
     * partition per shard holding that shard's blocks in the order its minibatches are used (none once the
     * shard has run out of minibatches). A replica takes the minibatches at positions
     * {@code roundInEpoch * batchesPerRound ...} of its shard's {@link #batchOrder}.
     *
     * @param batchesPerRound minibatches a replica trains on per round (parameter averaging's local steps)
     */
    public JavaRDD<ShardBlock> roundBlocks(int epoch, int roundInEpoch, int batchesPerRound) {
        if (blocks == null) {
            throw new IllegalStateException("the shards are in memory; read them with rdd");
        }
        int[][] parents = new int[sizes.length][];
        for (int shard = 0; shard < sizes.length; shard++) {
            int batches = Minibatches.count(sizes[shard], batchSize);
            int[] order = batchOrder(seed, batches, epoch);
            int from = Math.min(batches, roundInEpoch * batchesPerRound);
            int to = Math.min(batches, from + batchesPerRound);
            int firstBlock = shard * blocksPerShard;
            parents[shard] = IntStream.range(from, to).map(p -> firstBlock + order[p] / batchesPerBlock)
                    .distinct().toArray();
        }
        RDD<ShardBlock> round = blocks.rdd().coalesce(sizes.length, false,
                Option.<PartitionCoalescer>apply(new RoundCoalescer(parents, locations)), null);
        return round.toJavaRDD();
    }

    /** Minibatches of {@code batchSize} per shard, by shard index. */
    public int[] batchCounts(int batchSize) {
        return Arrays.stream(sizes).map(s -> Minibatches.count(s, batchSize)).toArray();
    }

    /** Spilled shards: minibatches of the shard per block (a block starts at batch {@code j * batchesPerBlock}). */
    public int batchesPerBlock() {
        return batchesPerBlock;
    }

    /**
     * The order a shard's minibatches are trained in during {@code epoch}: a seeded permutation of its
     * {@code batches} minibatches, the same in every engine (batches fixed, their order reshuffled per epoch).
     */
    public static int[] batchOrder(long seed, int batches, int epoch) {
        return Seeds.permutation(batches, Seeds.derive(seed, "epoch-order", epoch));
    }

    /** Rows over all shards. */
    public long examples() {
        long total = 0;
        for (int s : sizes) {
            total += s;
        }
        return total;
    }

    /** How many shards (N). */
    public int count() {
        return sizes.length;
    }

    /** Minibatches of {@code batchSize} in the largest shard: the rounds of an epoch. */
    public int maxBatches(int batchSize) {
        return Arrays.stream(batchCounts(batchSize)).max().orElse(0);
    }

    /** In-memory shards' contents on the driver (the single-process trainer, tests comparing engines). */
    public List<Shard> collect() {
        return rdd().collect();
    }

    /** Unpersists the cached shards or blocks. */
    public void release() {
        (rdd != null ? rdd : blocks).unpersist(false);
    }

    private static Shard toShard(int index, Iterator<Tuple2<Long, byte[]>> rows, ExampleCodec codec) {
        List<byte[]> records = new ArrayList<>();
        rows.forEachRemaining(t -> records.add(t._2()));
        return new Shard(index, codec.decode(records));
    }

    private static Iterator<ShardBlock> toBlock(int partition, Iterator<Tuple2<Long, byte[]>> rows, ExampleCodec codec,
                                                BlockPartitioner partitioner) {
        List<byte[]> records = new ArrayList<>();
        rows.forEachRemaining(t -> records.add(t._2()));
        if (records.isEmpty()) {
            return Collections.emptyIterator(); // a shorter shard's missing last block
        }
        return List.of(new ShardBlock(partitioner.shardOf(partition), partitioner.firstBatchOf(partition),
                codec.decode(records))).iterator();
    }

    /**
     * Position p -> shard s = p mod N, where it is example i = p div N, in minibatch i div batchSize, in
     * block (i div batchSize) div batchesPerBlock: partition {@code s * blocksPerShard + block}.
     */
    static final class BlockPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int shards;
        private final int batchSize;
        private final int batchesPerBlock;
        private final int blocksPerShard;

        BlockPartitioner(int shards, int batchSize, int batchesPerBlock, int blocksPerShard) {
            this.shards = shards;
            this.batchSize = batchSize;
            this.batchesPerBlock = batchesPerBlock;
            this.blocksPerShard = blocksPerShard;
        }

        @Override
        public int numPartitions() {
            return shards * blocksPerShard;
        }

        @Override
        public int getPartition(Object key) {
            long position = (Long) key;
            long example = position / shards;
            return (int) (position % shards) * blocksPerShard + (int) (example / batchSize / batchesPerBlock);
        }

        int shardOf(int partition) {
            return partition / blocksPerShard;
        }

        int firstBatchOf(int partition) {
            return partition % blocksPerShard * batchesPerBlock;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockPartitioner b && b.shards == shards && b.batchSize == batchSize
                    && b.batchesPerBlock == batchesPerBlock && b.blocksPerShard == blocksPerShard;
        }

        @Override
        public int hashCode() {
            return ((shards * 31 + batchSize) * 31 + batchesPerBlock) * 31 + blocksPerShard;
        }
    }

    /**
     * One round's input: partition s of the round holds the blocks (parent partitions) listed for shard s,
     * to run where shard s's replica lives. Spark's own coalescing (a narrow dependency, no shuffle) reads
     * them through the block manager, from memory, local disk or another executor. (Spark checks that a
     * coalescer is a {@code scala.Serializable}, not merely a {@code java.io.Serializable}.)
     */
    static final class RoundCoalescer implements PartitionCoalescer, scala.Serializable {
        private static final long serialVersionUID = 1L;
        private final int[][] parents;
        private final String[] locations;

        RoundCoalescer(int[][] parents, String[] locations) {
            this.parents = parents;
            this.locations = locations;
        }

        @Override
        public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
            Partition[] partitions = parent.partitions();
            PartitionGroup[] groups = new PartitionGroup[parents.length];
            for (int shard = 0; shard < parents.length; shard++) {
                groups[shard] = new PartitionGroup(Option.apply(locations[shard]));
                for (int p : parents[shard]) {
                    groups[shard].partitions().$plus$eq(partitions[p]);
                }
            }
            return groups;
        }
    }

    /** Position p -> partition p mod N. */
    static final class ModuloPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int partitions;

        ModuloPartitioner(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (int) ((Long) key % partitions);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ModuloPartitioner m && m.partitions == partitions;
        }

        @Override
        public int hashCode() {
            return partitions;
        }
    }
}
