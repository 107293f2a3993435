package io.dptrain.engine.spark;

import io.dptrain.RoundMetrics;
import io.dptrain.config.DptrainConfig;
import io.dptrain.engine.RunSchedule;
import io.dptrain.engine.Shard;
import io.dptrain.engine.Shards;
import io.dptrain.model.Networks;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code engine.rounds-per-job > 1}: a block of consecutive rounds in ONE Spark job, so a round costs no
 * job (a job per round costs tens of milliseconds of scheduling however small its tasks: what made a
 * gradient-averaging round a quarter overhead). The job is a barrier stage, one task per shard, all
 * running at once. Every round each task computes its replica's contribution as the one-job-per-round
 * engine does, exchanges it with all others ({@link TaskExchange}: in memory when all tasks share a JVM,
 * else through the driver's {@link ExchangeHub}), gets the sum of all contributions in partition order and
 * applies it to its own copy of the driver's network with the strategy's own {@link SyncStrategy#apply}.
 * The copies start equal and receive the same
 * sums in the same order, so they stay equal, and equal to what the driver would have computed: with two
 * workers the parameters are bit-identical to the one-job-per-round engine's (BarrierRoundsTest). At the
 * job's end partition 0 returns its copy's state and every round's figures; the driver loads them.
 *
 * <p>The price: all workers must hold a task slot at once (Spark refuses the stage otherwise), shards must
 * stay in memory (spilled shards are read by a job per round), every task applies the sum (the driver did
 * it once), and across JVMs the driver relays N contributions to N tasks (N² payloads per round, fine for
 * a few workers, not for many). The driver sees progress, checkpoints and the time budget after each job; jobs
 * end at epoch ends and checkpoint rounds, and partition 0 ends one early when the time budget is spent.
 */
final class BarrierRounds {
    private static final ClassTag<Object> ANY = ClassTag$.MODULE$.AnyRef();

    private BarrierRounds() {
    }

    /** One round of the job, as tasks need it. */
    record Slot(int round, int epoch, int inEpoch) implements Serializable {
    }

    /**
     * Everything {@link SyncStrategy#apply} reads and writes on the driver: the network's parameters, updater
     * state and counters, and the strategy's own state (the outer momentum). A job starts from the driver's;
     * partition 0 returns its copy's after the job's last round.
     */
    record DriverState(FlatVector params, FlatVector updaterState, int iteration, int epochCount,
                       FlatVector strategyState) implements Serializable {

        static DriverState of(MultiLayerNetwork net, SyncStrategy<?> strategy) {
            return new DriverState(FlatVector.of(net.params()), FlatVector.of(Replica.updaterState(net)),
                    net.getIterationCount(), net.getEpochCount(), FlatVector.of(strategy.driverState()));
        }

        /** Makes {@code net} and {@code strategy} hold this state. */
        void loadInto(MultiLayerNetwork net, SyncStrategy<?> strategy) {
            params.copyInto(net.params(), "the driver's parameters");
            INDArray updater = Replica.updaterState(net);
            if (updaterState != null && updater != null) {
                updaterState.copyInto(updater, "the driver's updater state");
            }
            net.setIterationCount(iteration);
            net.setEpochCount(epochCount);
            strategy.restoreDriverState(strategyState == null ? null
                    : strategyState.toArrayFor(net.params(), "the outer momentum"));
        }
    }

    /** What a job starts from, its rounds, the time budget left ({@code budgetLeftMs}, 0: none), the relay. */
    record Start(DriverState driver, List<Slot> slots, long budgetLeftMs, ExchangeHub.Address exchange)
            implements Serializable {
    }

    /** Partition 0's copy of the driver's state after the job's last round, and every round's figures. */
    record End(DriverState driver, List<Round> rounds) implements Serializable {
    }

    /**
     * One round as a task saw it: the summed figures of all replicas, and partition 0's times (state is
     * taking the round's state from its copy, exchange giving its contribution and getting the sum of all,
     * combine applying the sum).
     */
    record Round(int round, int epoch, double lossSum, long examples, long computeMsMax, long computeMsSum,
                 int tasks, long bytesSent, long stateMs, long exchangeMs, long combineMs, long roundMs)
            implements Serializable {
    }

    /** What a task sends every other task each round; {@code last}: partition 0 ends the job after it. */
    record Message<P extends Payload<P>>(RoundSum<P> sum, boolean last) implements Serializable {
    }

    /**
     * Runs {@code slots} (consecutive rounds) in one barrier job and leaves the driver's network and
     * strategy in the state after the last round run: all of them, or fewer when partition 0 found the
     * time budget ({@code budgetLeftMs}, 0: none) spent. Returns their metrics; the job's own cost (launch,
     * the start state's broadcast, the end state's return) is in the first round's wait.
     */
    static <P extends Payload<P>> List<RoundMetrics> run(JavaSparkContext jsc, SyncStrategy<P> strategy,
                                                        Broadcast<RoundTask.Run<P>> run, Shards shards, String runId,
                                                        MultiLayerNetwork net, List<RunSchedule.Slot> slots,
                                                        long budgetLeftMs) {
        int taskSlots = jsc.sc().maxNumConcurrentTasks(jsc.sc().resourceProfileManager().defaultResourceProfile());
        if (shards.count() > taskSlots) {
            // Spark itself would retry the stage for minutes before failing with less to say.
            throw new IllegalArgumentException("dptrain.engine.rounds-per-job = " + run.value().config().engine()
                    .roundsPerJob() + " runs all " + shards.count() + " workers at once in one barrier job, but the "
                    + "cluster has " + taskSlots + " task slots; allowed: engine.workers <= " + taskSlots
                    + ", or rounds-per-job = 1");
        }
        String host = jsc.getConf().get("spark.driver.host", "localhost");
        ExchangeHub hub = ExchangeHub.open(shards.count(), jsc.getConf().get("spark.driver.bindAddress", host), host);
        Start start = new Start(DriverState.of(net, strategy),
                slots.stream().map(s -> new Slot(s.round(), s.epoch(), s.inEpoch())).toList(), budgetLeftMs,
                hub.address());
        jsc.setJobDescription("dptrain rounds " + slots.get(0).round() + "-" + slots.get(slots.size() - 1).round()
                + " (epoch " + slots.get(0).epoch() + ", one barrier job)");
        long t0 = System.nanoTime();
        Broadcast<Start> broadcast = jsc.broadcast(start);
        List<Object> results;
        try {
            results = shards.rdd().rdd().barrier().mapPartitionsWithIndex(new Task<>(runId, run, broadcast), false,
                    ANY).toJavaRDD().collect();
        } finally {
            broadcast.destroy();
            hub.close();
        }
        long jobMs = ms(System.nanoTime() - t0);
        End end = (End) results.get(0);
        end.driver().loadInto(net, strategy);
        long inRounds = end.rounds().stream().mapToLong(Round::roundMs).sum();
        List<RoundMetrics> metrics = new ArrayList<>();
        for (Round r : end.rounds()) {
            boolean first = metrics.isEmpty();
            long jobCost = first ? Math.max(0, jobMs - inRounds) : 0;
            long roundMs = r.roundMs() + jobCost;
            metrics.add(new RoundMetrics(r.round(), r.epoch(), r.examples() == 0 ? 0 : r.lossSum() / r.examples(),
                    r.examples(), r.computeMsMax(), r.tasks() == 0 ? 0 : (double) r.computeMsSum() / r.tasks(),
                    r.stateMs(), Math.max(0, roundMs - r.computeMsMax() - r.stateMs() - r.combineMs()),
                    r.combineMs(), first ? start.driver().params().bytes() : 0, r.bytesSent(), roundMs));
        }
        return metrics;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /** A task of the barrier job: its replica's rounds, exchanging contributions with the other tasks. */
    static final class Task<P extends Payload<P>> extends AbstractFunction2<Object, scala.collection.Iterator<Shard>,
            scala.collection.Iterator<Object>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String runId;
        private final Broadcast<RoundTask.Run<P>> run;
        private final Broadcast<Start> start;

        Task(String runId, Broadcast<RoundTask.Run<P>> run, Broadcast<Start> start) {
            this.runId = runId;
            this.run = run;
            this.start = start;
        }

        @Override
        public scala.collection.Iterator<Object> apply(Object partitionIndex, scala.collection.Iterator<Shard> input) {
            int partition = (Integer) partitionIndex;
            BarrierTaskContext barrier = BarrierTaskContext.get();
            Nd4jThreads.forTask(barrier);
            DptrainConfig config = run.value().config();
            Start job = start.value();
            Replica replica = ReplicaCache.get(runId, partition, () -> new Replica(config, input.next()));
            // Its own strategy: apply keeps driver-side state (the outer momentum), and in local mode the
            // broadcast one is the driver's instance, shared by all tasks.
            @SuppressWarnings("unchecked")
            SyncStrategy<P> strategy = (SyncStrategy<P>) SyncStrategy.of(config);
            MultiLayerNetwork driver = Networks.create(config);
            job.driver().loadInto(driver, strategy);
            List<Round> rounds;
            try (TaskExchange<P> exchange = TaskExchange.open(job.exchange(), barrier, partition)) {
                rounds = rounds(job, partition, replica, strategy, driver, exchange);
            }
            if (partition != 0) {
                return JavaConverters.asScalaIterator(List.<Object>of().iterator());
            }
            End end = new End(DriverState.of(driver, strategy), rounds);
            return JavaConverters.asScalaIterator(List.<Object>of(end).iterator());
        }

        /** The job's rounds on this task: work, exchange (the sum of all tasks' work comes back), apply it. */
        private List<Round> rounds(Start job, int partition, Replica replica, SyncStrategy<P> strategy,
                                   MultiLayerNetwork driver, TaskExchange<P> exchange) {
            List<Round> rounds = new ArrayList<>();
            long spentMs = 0;
            for (Slot slot : job.slots()) {
                long t0 = System.nanoTime();
                // Views, not copies: the replica loads them in work(), before this task's apply changes the driver.
                ModelState state = ModelState.viewOf(driver, strategy.sendsUpdaterState());
                long t1 = System.nanoTime();
                RoundSum<P> own;
                try {
                    own = strategy.work(replica, state, slot.epoch(), slot.inEpoch());
                } finally {
                    replica.endRound();
                }
                long t2 = System.nanoTime();
                own.withComputeMs(ms(t2 - t1));
                boolean last = partition == 0 && job.budgetLeftMs() > 0 && spentMs + ms(t2 - t0) >= job.budgetLeftMs();
                Message<P> all = exchange.exchange(new Message<>(own, last));
                long t3 = System.nanoTime();
                RoundSum<P> sum = all.sum();
                // As the driver does: the updater's per-epoch schedule reads the epoch counter.
                driver.setEpochCount(slot.epoch() - 1);
                strategy.apply(driver, sum);
                long t4 = System.nanoTime();
                rounds.add(new Round(slot.round(), slot.epoch(), sum.lossSum, sum.examples, sum.computeMsMax,
                        sum.computeMsSum, sum.tasks, sum.bytesSent, ms(t1 - t0), ms(t3 - t2), ms(t4 - t3),
                        ms(t4 - t0)));
                spentMs += ms(t4 - t0);
                if (all.last()) {
                    break;
                }
            }
            return rounds;
        }
    }
}
