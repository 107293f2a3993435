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
import java.util.LinkedHashMap;
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
 *   <li>submit: the driver asking for the job to Spark's scheduler starting it (closure cleaning, the
 *   scheduler's event queue);</li>
 *   <li>launch: job submitted to the last task launched (stage creation, the task binary broadcast,
 *   task serialization and offer);</li>
 *   <li>deserialize: the executor deserializing the task (the closure and the RDD it runs on);</li>
 *   <li>run: the executor running it (the strategy's compute and what surrounds it in the task);</li>
 *   <li>result: serializing the task result, plus fetching it when it is sent indirectly;</li>
 *   <li>delay: Spark UI's scheduler delay (task wall time not spent in the three above);</li>
 *   <li>tail: last task finished to job end (driver-side result deserialization and treeAggregate's
 *   merge);</li>
 *   <li>return: job end to the driver's call returning;</li>
 *   <li>gc: executor JVM garbage collection during the task;</li>
 * </ul>
 * and the bytes of all task results. Spark delivers listener events asynchronously, so a round's
 * figures are complete some milliseconds after its job returns; {@link #logSummary} waits for them.
 * The driver's own parts of a round (broadcast, combine) are in {@link io.dptrain.RoundMetrics}.
 */
final class RoundTimings extends SparkListener {
    static final String ROUND_PROPERTY = "dptrain.round";
    private static final Logger LOG = LoggerFactory.getLogger(RoundTimings.class);
    private static final String[] FIELDS = {"submit", "launch", "deserialize", "run", "result", "delay", "tail",
        "return", "gc"};

    private final Map<Integer, Integer> roundOfStage = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> roundOfJob = new ConcurrentHashMap<>();
    private final Map<Integer, Round> rounds = new ConcurrentHashMap<>();
    private final List<long[]> summarized = new ArrayList<>();

    /** One round's job as the listener saw it. */
    static final class Round {
        long submitted;
        long ended;
        final List<TaskInfo> infos = new ArrayList<>();
        final List<TaskMetrics> metrics = new ArrayList<>();

        long asked;
        long returned;

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
                v[2] = Math.max(v[2], m.executorDeserializeTime());
                v[3] = Math.max(v[3], m.executorRunTime());
                v[4] = Math.max(v[4], m.resultSerializationTime() + fetch);
                v[5] = Math.max(v[5], Math.max(0, delay));
                v[8] = Math.max(v[8], m.jvmGCTime());
                v[9] += m.resultSize();
            }
            v[0] = asked == 0 ? 0 : Math.max(0, submitted - asked);
            v[1] = Math.max(0, lastLaunch - submitted);
            v[6] = Math.max(0, ended - lastFinish);
            v[7] = returned == 0 ? 0 : Math.max(0, returned - ended);
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

    /** The driver's wall clock (ms) when it asked for round {@code round}'s job and when the call returned. */
    void driverTimes(int round, long asked, long returned) {
        Round entry = rounds.computeIfAbsent(round, k -> new Round());
        synchronized (entry) {
            entry.asked = asked;
            entry.returned = returned;
        }
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
        return medians(values(from, to));
    }

    /**
     * Logs the medians over rounds {@code from..to} under {@code label} (one line per epoch), keeps
     * them for {@link #logRun} and forgets those rounds' events.
     */
    void logSummary(String label, int from, int to) {
        List<long[]> seen = values(from, to);
        for (int r = from; r <= to; r++) {
            rounds.remove(r);
        }
        roundOfStage.values().removeIf(r -> r <= to);
        if (!seen.isEmpty()) {
            summarized.addAll(seen);
            LOG.info("round overhead, {} (medians over rounds {}-{}, slowest task): {}", label, from, to,
                    format(medians(seen)));
        }
    }

    /** Logs the medians over every round {@link #logSummary} has seen in the run. */
    void logRun() {
        if (!summarized.isEmpty()) {
            LOG.info("round overhead, run (medians over {} rounds, slowest task): {}", summarized.size(),
                    format(medians(summarized)));
        }
    }

    private List<long[]> values(int from, int to) {
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
        return seen;
    }

    private static Map<String, Long> medians(List<long[]> seen) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (seen.isEmpty()) {
            return out;
        }
        for (int f = 0; f <= FIELDS.length; f++) {
            int field = f;
            out.put(f < FIELDS.length ? FIELDS[f] : "resultBytes", median(seen, a -> a[field]));
        }
        return out;
    }

    private static String format(Map<String, Long> medians) {
        StringBuilder line = new StringBuilder();
        medians.forEach((k, v) -> line.append(line.length() == 0 ? "" : ", ").append(k).append(' ')
                .append(k.equals("resultBytes") ? String.format(Locale.ROOT, "%.2f MB", v / 1e6) : v + " ms"));
        return line.toString();
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
