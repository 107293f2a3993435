package io.dptrain.engine;

import io.dptrain.data.ExampleCodec;
import io.dptrain.data.Minibatches;
import io.dptrain.data.SeededOrder;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Driver side: splits the training rows into N worker shards and caches them.
 *
 * <p>Rule: the row at position p of the table's {@link SeededOrder} (rows sorted by a seeded hash of
 * their content) goes to shard p mod N, where it is the (p div N)-th example. So shards differ in
 * size by at most one row, every row is used exactly once, and the layout depends only on the seed
 * and the table's rows: not on its partitioning, its read order or Spark's scheduling.
 * Shards are cut into minibatches by the replicas; a shard's short last batch is kept.
 */
public final class Shards {
    private final JavaRDD<Shard> rdd;
    private final int[] sizes;

    private Shards(JavaRDD<Shard> rdd, int[] sizes) {
        this.rdd = rdd;
        this.sizes = sizes;
    }

    /**
     * Splits {@code table} into {@code workers} cached shards.
     *
     * @param codec how rows become examples (see io.dptrain.engine.TrainingData#codec)
     */
    public static Shards build(Dataset<Row> table, int workers, ExampleCodec codec, long seed) {
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
        // zipWithIndex numbers the sorted partitions in order: the index is the position in the seeded order.
        JavaPairRDD<Long, byte[]> placed = SeededOrder.of(table.select(codec.columns()), codec.columns(), seed)
                .javaRDD()
                .zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), codec.encode(t._1())))
                .repartitionAndSortWithinPartitions(new ModuloPartitioner(workers));
        JavaRDD<Shard> shards = placed.mapPartitionsWithIndex((index, rows) -> List.of(toShard(index, rows, codec))
                .iterator(), true);
        shards.setName("dptrain shards (" + workers + " x ~" + n / workers + " rows)").persist(StorageLevel.MEMORY_ONLY());
        int[] sizes = shards.map(s -> s.examples().count()).collect().stream().mapToInt(Integer::intValue).toArray();
        return new Shards(shards, sizes);
    }

    /** The cached shards, one per partition (the round engines run one task per shard). */
    public JavaRDD<Shard> rdd() {
        return rdd;
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
        int max = 0;
        for (int s : sizes) {
            max = Math.max(max, Minibatches.count(s, batchSize));
        }
        return max;
    }

    /** The shards' contents on the driver (the single-process trainer, tests comparing engines). */
    public List<Shard> collect() {
        return rdd.collect();
    }

    /** Unpersists the cached shards. */
    public void release() {
        rdd.unpersist(false);
    }

    private static Shard toShard(int index, Iterator<Tuple2<Long, byte[]>> rows, ExampleCodec codec) {
        List<byte[]> records = new ArrayList<>();
        rows.forEachRemaining(t -> records.add(t._2()));
        return new Shard(index, codec.decode(records));
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
