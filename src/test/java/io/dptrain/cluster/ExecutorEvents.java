package io.dptrain.cluster;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.storage.BlockUpdatedInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.regex.Pattern;

/**
 * A {@link SparkListener} for a driver in another JVM ({@code spark.extraListeners}): it writes the
 * executor events a test checks into the driver's log, in the same stream as dptrain's progress lines,
 * so a test reads Spark's events themselves (the executor id from the event) and their order relative to
 * the rounds, not the wording of Spark's own INFO messages.
 * <ul>
 *   <li>{@code executor removed: <id>} on {@code onExecutorRemoved}</li>
 *   <li>{@code block cached: <block> on executor <id>} when an RDD block (a shard) is stored</li>
 * </ul>
 */
public final class ExecutorEvents extends SparkListener {
    /** A {@link #cached} line: the block (group 1) and the executor id (group 2). */
    static final Pattern CACHED = Pattern.compile("block cached: (rdd_\\d+_\\d+) on executor (\\S+)");
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEvents.class);

    /** {@code spark.extraListeners} instantiates it by its no-argument constructor. */
    public ExecutorEvents() {
    }

    /** The line {@link #onExecutorRemoved} writes for executor {@code id}. */
    static String removed(String id) {
        return "executor removed: " + id;
    }

    /** The line {@link #onBlockUpdated} writes when {@code block} is cached on executor {@code id}. */
    static String cached(String block, String id) {
        return "block cached: " + block + " on executor " + id;
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved event) {
        LOG.info(removed(event.executorId()));
    }

    @Override
    public void onBlockUpdated(SparkListenerBlockUpdated event) {
        BlockUpdatedInfo info = event.blockUpdatedInfo();
        if (info.blockId().isRDD() && info.storageLevel().isValid()) {
            LOG.info(cached(info.blockId().name(), info.blockManagerId().executorId()));
        }
    }
}
