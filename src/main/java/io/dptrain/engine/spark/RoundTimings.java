package io.dptrain.engine.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * Where a round's non-compute time goes, from Spark's own task metrics: a listener on the driver for
 * one run that reads each round's job (tagged with the local property {@value #ROUND_PROPERTY}) and its
 * tasks. Per round it keeps, over the round's tasks (the slowest task's value):
 * <ul>
 *   <li>launch: job submitted to the last task launched (stage creation, the task binary broadcast,
 *   task serialization and offer);</li>
 *   <li>deserialize: the executor deserializing the task (the closure and the RDD it runs on);</li>
 *   <li>run: the executor running it (the strategy's compute and what surrounds it in the task);</li>
 *   <li>result: serializing the task result, plus fetching it when it is sent indirectly;</li>
 *   <li>delay: Spark UI's scheduler delay (task wall time not spent in the three above);</li>
 *   <li>tail: last task finished to job end (driver-side result deserialization and treeAggregate's
 *   merge);</li>
 *   <li>gc: executor JVM garbage collection during the task;</li>
 * </ul>
 * and the bytes of all task results. Spark delivers listener events asynchronously, so a round's
 * figures are complete some milliseconds after its job returns; {@link #logSummary} waits for them.
 */
final class RoundTimings extends SparkListener {
    static final String ROUND_PROPERTY = "dptrain.round";
    private static final Logger LOG = LoggerFactory.getLogger(RoundTimings.class);
    private static final String[] FIELDS = {"launch", "deserialize", "run", "result", "delay", "tail", "gc"};

    private final Map<Integer, Integer> roundOfStage = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> roundOfJob = new ConcurrentHashMap<>();
    private final Map<Integer, Round> rounds = new ConcurrentHashMap<>();

    /** One round's job as the listener saw it. */
    static final class Round {
        long submitted;
        long ended;
        final List<TaskInfo> infos = new ArrayList<>();
        final List<TaskMetrics> metrics = new ArrayList<>();

        synchronized long[] values() {
            long lastLaunch = 0;
            long lastFinish = 0;
            long[] v = new long[FIELDS.length + 1];
            for (int i = 0; i < infos.size(); i++) {
                TaskInfo info = infos.get(i);
                TaskMetrics m = metrics.get(i);
                lastLaunch = Math.max(lastLaunch, info.launchTime());
                lastFinish = Math.max(lastFinish, info.finishTime());
                long fetch = info.gettingResultTime() > 0 ? info.finishTime() - info.gettingResultTime() : 0;
                long duration = info.finishTime() - info.launchTime();
                long delay = duration - m.executorRunTime() - m.executorDeserializeTime()
                        - m.resultSerializationTime() - fetch;
                v[1] = Math.max(v[1], m.executorDeserializeTime());
                v[2] = Math.max(v[2], m.executorRunTime());
                v[3] = Math.max(v[3], m.resultSerializationTime() + fetch);
                v[4] = Math.max(v[4], Math.max(0, delay));
                v[6] = Math.max(v[6], m.jvmGCTime());
                v[7] += m.resultSize();
            }
            v[0] = Math.max(0, lastLaunch - submitted);
            v[5] = Math.max(0, ended - lastFinish);
            return v;
        }

        synchronized boolean complete() {
            return ended > 0;
        }
    }

    /** Registers a listener for one run; {@link #detach} removes it. */
    static RoundTimings attach(SparkContext sc) {
        RoundTimings timings = new RoundTimings();
        sc.addSparkListener(timings);
        return timings;
    }

    void detach(SparkContext sc) {
        sc.removeSparkListener(this);
    }

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        String round = event.properties() == null ? null : event.properties().getProperty(ROUND_PROPERTY);
        if (round == null) {
            return;
        }
        int r = Integer.parseInt(round);
        Round entry = rounds.computeIfAbsent(r, k -> new Round());
        synchronized (entry) {
            entry.submitted = event.time();
        }
        roundOfJob.put(event.jobId(), r);
        scala.collection.Iterator<Object> stages = event.stageIds().iterator();
        while (stages.hasNext()) {
            roundOfStage.put((Integer) stages.next(), r);
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        Integer r = roundOfStage.get(event.stageId());
        if (r == null || event.taskMetrics() == null) {
            return;
        }
        Round entry = rounds.get(r);
        synchronized (entry) {
            entry.infos.add(event.taskInfo());
            entry.metrics.add(event.taskMetrics());
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd event) {
        Integer r = roundOfJob.remove(event.jobId());
        if (r != null) {
            Round entry = rounds.get(r);
            synchronized (entry) {
                entry.ended = event.time();
            }
        }
    }

    /**
     * Medians over rounds {@code from..to} (1-based, inclusive) of each part, in milliseconds, and of
     * the result bytes; waits up to a second for the rounds' events. Empty if none was seen.
     */
    Map<String, Long> medians(int from, int to) {
        long deadline = System.currentTimeMillis() + 1000;
        List<long[]> seen = new ArrayList<>();
        for (int r = from; r <= to; r++) {
            Round entry = rounds.get(r);
            while ((entry == null || !entry.complete()) && System.currentTimeMillis() < deadline) {
                sleep();
                entry = rounds.get(r);
            }
            if (entry != null && entry.complete()) {
                seen.add(entry.values());
            }
        }
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        if (seen.isEmpty()) {
            return out;
        }
        for (int f = 0; f <= FIELDS.length; f++) {
            int field = f;
            out.put(f < FIELDS.length ? FIELDS[f] : "resultBytes", median(seen, a -> a[field]));
        }
        return out;
    }

    /** Logs the medians over rounds {@code from..to} under {@code label}, and forgets those rounds. */
    void logSummary(String label, int from, int to) {
        Map<String, Long> m = medians(from, to);
        for (int r = from; r <= to; r++) {
            rounds.remove(r);
        }
        roundOfStage.values().removeIf(r -> r <= to);
        if (m.isEmpty()) {
            return;
        }
        StringBuilder line = new StringBuilder();
        m.forEach((k, v) -> line.append(line.length() == 0 ? "" : ", ").append(k).append(' ')
                .append(k.equals("resultBytes") ? String.format(Locale.ROOT, "%.2f MB", v / 1e6) : v + " ms"));
        LOG.info("round overhead, {} (medians over rounds {}-{}, slowest task): {}", label, from, to, line);
    }

    private static long median(List<long[]> rows, ToLongFunction<long[]> field) {
        long[] values = rows.stream().mapToLong(field).sorted().toArray();
        return values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
