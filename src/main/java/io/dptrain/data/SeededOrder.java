package io.dptrain.data;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The training order of a table: rows sorted by a seeded hash of the columns training reads (Spark's
 * {@code xxhash64} of the seed and those columns), ties broken by the columns themselves. It is a
 * function of the rows' content and the seed alone, not of how the table is partitioned or in which
 * order its files are read, so {@code dptrain.data.train-limit} (the first n rows of this order) and
 * the shard layout are the same for the same table and seed wherever it runs. A seeded hash rather
 * than a row id because a prepared table has no id column and the read order is not stable (Spark
 * packs file splits by size and core count); xxhash64 is the hash Spark uses for bucketing, so it
 * does not change between Spark versions. Rows equal in every column read are interchangeable.
 */
public final class SeededOrder {
    private SeededOrder() {
    }

    /**
     * {@code table} sorted by the seeded hash of {@code content}, then by {@code content}.
     *
     * @param content the columns training reads (see {@link ExampleCodec#columns()})
     */
    public static Dataset<Row> of(Dataset<Row> table, Column[] content, long seed) {
        Column[] hashed = new Column[content.length + 1];
        hashed[0] = functions.lit(seed);
        System.arraycopy(content, 0, hashed, 1, content.length);
        Column[] keys = new Column[content.length + 1];
        keys[0] = functions.xxhash64(hashed);
        System.arraycopy(content, 0, keys, 1, content.length);
        return table.orderBy(keys);
    }
}
