package io.dptrain.engine.spark;

import io.dptrain.Seeds;
import io.dptrain.data.ExampleCodec;
import io.dptrain.data.Minibatches;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Driver side: splits the training rows into N worker shards and caches them.
 *
 * <p>Rule: row i (in the table's read order) goes to position p = (a*i + b) mod n of a seeded
 * permutation (a coprime to n, both derived from the seed), and position p to shard p mod N, where
 * it is the (p div N)-th example. So shards differ in size by at most one row, every row is used
 * exactly once, and the layout depends only on the seed and the table, not on Spark's scheduling.
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
        AffinePermutation permutation = AffinePermutation.of(n, seed);
        JavaPairRDD<Long, byte[]> placed = table.select(codec.columns()).javaRDD()
                .zipWithIndex()
                .mapToPair(t -> new Tuple2<>(permutation.apply(t._2()), codec.encode(t._1())))
                .repartitionAndSortWithinPartitions(new ModuloPartitioner(workers));
        JavaRDD<Shard> shards = placed.mapPartitionsWithIndex((index, rows) -> List.of(toShard(index, rows, codec))
                .iterator(), true);
        shards.setName("dptrain shards (" + workers + " x ~" + n / workers + " rows)").persist(StorageLevel.MEMORY_ONLY());
        int[] sizes = shards.map(s -> s.examples().count()).collect().stream().mapToInt(Integer::intValue).toArray();
        return new Shards(shards, sizes);
    }

    JavaRDD<Shard> rdd() {
        return rdd;
    }

    long examples() {
        long total = 0;
        for (int s : sizes) {
            total += s;
        }
        return total;
    }

    int count() {
        return sizes.length;
    }

    int maxBatches(int batchSize) {
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

    /** i -> (a*i + b) mod n with gcd(a, n) = 1: a seeded permutation of 0..n-1 that needs no memory. */
    record AffinePermutation(long a, long b, long n) implements Serializable {
        static AffinePermutation of(long n, long seed) {
            long a = 1 + Math.floorMod(Seeds.derive(seed, "shard-stride", 0), Math.max(1, n - 1));
            while (gcd(a, n) != 1) {
                a = a % n + 1;
            }
            return new AffinePermutation(a, Math.floorMod(Seeds.derive(seed, "shard-offset", 0), n), n);
        }

        long apply(long i) {
            return (mulMod(a, i, n) + b) % n;
        }

        private static long mulMod(long x, long y, long m) {
            if (m <= Integer.MAX_VALUE) {
                return x * y % m; // x, y < m < 2^31: the product fits in a long
            }
            return java.math.BigInteger.valueOf(x).multiply(java.math.BigInteger.valueOf(y))
                    .mod(java.math.BigInteger.valueOf(m)).longValue();
        }

        private static long gcd(long x, long y) {
            return y == 0 ? x : gcd(y, x % y);
        }
    }
}
