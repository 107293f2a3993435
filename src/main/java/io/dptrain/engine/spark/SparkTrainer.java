package io.dptrain.engine.spark;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.Trainer;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.checkpoint.Checkpoint;
import io.dptrain.checkpoint.CheckpointStore;
import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.RunSchedule;
import io.dptrain.engine.Shards;
import io.dptrain.engine.TimeBudget;
import io.dptrain.engine.TrainingData;
import io.dptrain.engine.TrainerListeners;
import io.dptrain.model.Networks;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The round engine on Spark: parameter averaging or gradient averaging (see {@link SyncStrategy}).
 * The driver holds the canonical network; each round it broadcasts the state, every shard's task
 * works on its replica, treeAggregate sums the contributions, and the strategy applies the sum.
 * Use it from Java or Scala:
 * <pre>{@code
 * TrainingResult result = new SparkTrainer(spark, config).addListener(new ConsoleProgress(50)).fit(table);
 * }</pre>
 * Checkpoints are written by a listener the caller adds (io.dptrain.checkpoint.CheckpointListener,
 * after its other listeners); {@link #resumeFrom} continues a run from one.
 */
public final class SparkTrainer implements Trainer {
    private final SparkSession spark;
    private final DptrainConfig config;
    private final TrainerListeners listeners = new TrainerListeners();
    private Checkpoint resume;
    private String resumeSource; // the checkpoint's path, for errors
    private SyncStrategy<?> running; // the current run's, for engineState()

    public SparkTrainer(SparkSession spark, DptrainConfig config) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public SparkTrainer addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * Starts the run from {@code checkpoint} (read and verified by {@link CheckpointStore#read}):
     * parameters, updater state and counters are loaded into the driver network and the run continues
     * at the round after it; an epoch-end checkpoint continues with the next epoch. The run's layout
     * (workers, rounds per epoch) must be the checkpointed run's.
     *
     * @param source names the checkpoint in errors (its path)
     */
    public SparkTrainer resumeFrom(Checkpoint checkpoint, String source) {
        this.resume = Objects.requireNonNull(checkpoint, "checkpoint");
        this.resumeSource = Objects.requireNonNull(source, "source");
        return this;
    }

    /** Parameter averaging's outer momentum buffer, which a checkpoint holds with the network; else null. */
    @Override
    public INDArray engineState() {
        return running == null ? null : running.driverState();
    }

    @Override
    public TrainingResult fit(Dataset<Row> train) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> table = TrainingData.checked(train, config);
        int workers = config.engine().workers() > 0 ? config.engine().workers() : jsc.defaultParallelism();
        SyncStrategy<?> strategy = SyncStrategy.of(config);
        String runId = UUID.randomUUID().toString();
        jsc.setJobDescription("dptrain: building " + workers + " shards");
        Shards shards = Shards.build(table, workers, TrainingData.codec(table, config), config.train().seed(),
                config.engine().shardStorage(), config.train().batchSize());
        try {
            return train(jsc, strategy, shards, runId);
        } finally {
            shards.release();
            releaseReplicas(jsc, runId, workers);
            jsc.setJobDescription(null);
        }
    }

    /**
     * Frees the run's replicas: in this JVM (local mode) and, best effort, on the executors with one
     * small task per slot. An executor this job misses drops them once it has taken replicas of
     * {@link ReplicaCache#MAX_RUNS} runs used more recently.
     */
    private static void releaseReplicas(JavaSparkContext jsc, String runId, int workers) {
        ReplicaCache.release(runId);
        int slots = Math.max(workers, jsc.defaultParallelism());
        jsc.setJobDescription("dptrain: releasing replicas");
        try {
            jsc.parallelize(java.util.stream.IntStream.range(0, slots).boxed().toList(), slots)
                    .foreach(i -> ReplicaCache.release(runId));
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(SparkTrainer.class).warn("could not release the replicas of run {} on the "
                    + "executors; they are dropped when the executors start another run", runId, e);
        }
    }

    /** Trains on shards that are already built and cached (tests build them to compare engines). */
    <P extends Payload<P>> TrainingResult train(JavaSparkContext jsc, SyncStrategy<P> strategy, Shards shards,
                                                String runId) {
        running = strategy;
        MultiLayerNetwork net = Networks.create(config);
        RunPlan plan = new RunPlan(config.engine().mode().configName(), shards.count(), config.train().epochs(),
                strategy.roundsPerEpoch(shards.maxBatches(config.train().batchSize())), shards.examples());
        RunSchedule schedule = resume == null ? RunSchedule.start(plan) : resume.resume(net, plan, resumeSource);
        if (resume != null) {
            strategy.restoreDriverState(resume.engineState());
            LoggerFactory.getLogger(SparkTrainer.class).info("resuming after round {} (epoch {}) from {}",
                    resume.round(), resume.epoch(), resumeSource);
        }
        List<RoundMetrics> rounds = new ArrayList<>(schedule.completed());
        listeners.onStart(plan);
        long start = System.currentTimeMillis();
        TimeBudget budget = new TimeBudget(config.train(), schedule.completedMillis());
        RoundTimings timings = RoundTimings.attach(jsc.sc());
        Broadcast<RoundTask.Run<P>> run = jsc.broadcast(new RoundTask.Run<>(config, strategy));
        int roundsPerJob = config.engine().roundsPerJob();
        try {
            List<RunSchedule.Slot> remaining = schedule.remaining();
            int epochStart = schedule.completed().size() + 1;
            boolean stop = false;
            for (int next = 0; next < remaining.size() && !stop; ) {
                List<RunSchedule.Slot> job = remaining.subList(next, jobEnd(remaining, next));
                List<RoundMetrics> done = roundsPerJob == 1
                        ? List.of(round(jsc, strategy, run, timings, shards, runId, net, plan, job.get(0)))
                        : BarrierRounds.run(jsc, strategy, run, shards, runId, net, job, budget.leftMillis());
                // A barrier job that ran fewer rounds than asked found the budget spent.
                stop = done.size() < job.size();
                for (RoundMetrics m : done) {
                    rounds.add(m);
                    listeners.onRound(m, net);
                    stop |= budget.spentAfter(m);
                }
                next += done.size();
                RunSchedule.Slot last = job.get(done.size() - 1);
                if (last.endsEpoch() || stop) {
                    if (roundsPerJob == 1) {
                        timings.logSummary("epoch " + last.epoch(), epochStart, last.round());
                    }
                    epochStart = last.round() + 1;
                    listeners.onEpochEnd(last.epoch(), net);
                }
            }
        } catch (RuntimeException e) {
            listeners.onEnd(null);
            throw e;
        } finally {
            timings.logRun();
            timings.detach(jsc.sc());
            run.destroy();
        }
        TrainingResult result = new TrainingResult(net, plan, rounds,
                schedule.completedMillis() + System.currentTimeMillis() - start);
        listeners.onEnd(result);
        return result;
    }

    /**
     * Where the job starting at {@code remaining[from]} ends (exclusive): after {@code engine.rounds-per-job}
     * rounds, at its epoch's end (the epoch-end listeners evaluate the driver's network) and at a checkpoint
     * round (a checkpoint holds the network after its round, which only a job's end gives the driver).
     */
    private int jobEnd(List<RunSchedule.Slot> remaining, int from) {
        int end = Math.min(remaining.size(), from + config.engine().roundsPerJob());
        DptrainConfig.Checkpoint checkpoint = config.checkpoint();
        for (int i = from; i < end; i++) {
            RunSchedule.Slot slot = remaining.get(i);
            if (slot.endsEpoch() || checkpoint.enabled() && slot.round() % checkpoint.everyRounds() == 0) {
                return i + 1;
            }
        }
        return end;
    }

    private <P extends Payload<P>> RoundMetrics round(JavaSparkContext jsc, SyncStrategy<P> strategy,
                                                      Broadcast<RoundTask.Run<P>> run, RoundTimings timings,
                                                      Shards shards, String runId,
                                                      MultiLayerNetwork net, RunPlan plan, RunSchedule.Slot slot) {
        int round = slot.round();
        int epoch = slot.epoch();
        long t0 = System.nanoTime();
        ModelState state = strategy.state(net);
        Broadcast<ModelState> broadcast = jsc.broadcast(state);
        long t1 = System.nanoTime();
        jsc.setJobDescription("dptrain round " + round + "/" + plan.totalRounds() + " (epoch " + epoch + ")");
        jsc.setLocalProperty(RoundTimings.ROUND_PROPERTY, Integer.toString(round));
        long asked = System.currentTimeMillis();
        RoundSum<P> sum = contributions(strategy, run, broadcast, shards, runId, slot).treeAggregate(
                RoundSum.<P>empty(), RoundSum::merge, RoundSum::merge, config.engine().aggregationDepth());
        long t2 = System.nanoTime();
        timings.driverTimes(round, asked, System.currentTimeMillis());
        jsc.setLocalProperty(RoundTimings.ROUND_PROPERTY, null);
        // As on the replicas: the updater's per-epoch learning-rate schedule reads it (gradient averaging steps here).
        net.setEpochCount(epoch - 1);
        strategy.apply(net, sum);
        broadcast.destroy();
        long t3 = System.nanoTime();
        long roundMs = ms(t3 - t0);
        long broadcastMs = ms(t1 - t0);
        long combineMs = ms(t3 - t2);
        return new RoundMetrics(round, epoch, sum.examples == 0 ? 0 : sum.lossSum / sum.examples, sum.examples,
                sum.computeMsMax, sum.tasks == 0 ? 0 : (double) sum.computeMsSum / sum.tasks, broadcastMs,
                Math.max(0, roundMs - sum.computeMsMax - broadcastMs - combineMs), combineMs, state.bytes(),
                sum.bytesSent, roundMs);
    }

    /** Every shard's contribution to the round: on the in-memory shards, or on the round's blocks of spilled ones. */
    private <P extends Payload<P>> JavaRDD<RoundSum<P>> contributions(SyncStrategy<P> strategy,
                                                                      Broadcast<RoundTask.Run<P>> run,
                                                                      Broadcast<ModelState> state, Shards shards,
                                                                      String runId, RunSchedule.Slot slot) {
        if (!shards.spills()) {
            return shards.rdd().mapPartitionsWithIndex(
                    new RoundTask.InMemory<>(runId, run, state, slot.epoch(), slot.inEpoch()), true);
        }
        return shards.roundBlocks(slot.epoch(), slot.inEpoch(), strategy.batchesPerRound()).mapPartitionsWithIndex(
                new RoundTask.Spilled<>(runId, run, state, slot.epoch(), slot.inEpoch(),
                        shards.batchCounts(config.train().batchSize())), true);
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
