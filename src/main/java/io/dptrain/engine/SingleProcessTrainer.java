package io.dptrain.engine;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.Trainer;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.ExampleSet;
import io.dptrain.model.Networks;
import io.dptrain.model.SequenceOutputs;
import io.dptrain.model.Subnormals;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

/**
 * The reference trainer: plain DL4J {@code fit(minibatch)} on the driver, on all the driver's cores.
 * The examples are laid out exactly as the round engine lays out one worker's shard (seeded
 * permutation), cut into minibatches (short last batch kept), and each epoch visits the batches in
 * a new seeded order, the same rule the replicas follow. One round is one minibatch step.
 */
public final class SingleProcessTrainer implements Trainer {
    private final DptrainConfig config;
    private final TrainerListeners listeners = new TrainerListeners();

    public SingleProcessTrainer(DptrainConfig config) {
        this.config = java.util.Objects.requireNonNull(config, "config");
    }

    @Override
    public SingleProcessTrainer addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    @Override
    public TrainingResult fit(Dataset<Row> train) {
        // The examples in the order a one-worker engine run would see them: same data, same batches.
        Dataset<Row> table = TrainingData.checked(train, config);
        Shards shards = Shards.build(table, 1, TrainingData.codec(table, config), config.train().seed());
        ExampleSet examples;
        try {
            examples = shards.collect().get(0).examples();
        } finally {
            shards.release();
        }
        return fit(SequenceOutputs.forTraining(
                examples.minibatches(config.train().batchSize(), Networks.dataType(config)), config), examples.count());
    }

    /** Trains on ready minibatches (used by tests that compare engines batch for batch). */
    public TrainingResult fit(List<DataSet> batches, long examples) {
        MultiLayerNetwork net = Networks.create(config);
        RunPlan plan = new RunPlan("single-process", 1, config.train().epochs(), batches.size(), examples);
        List<RoundMetrics> rounds = new ArrayList<>(plan.totalRounds());
        listeners.onStart(plan);
        long start = System.currentTimeMillis();
        TimeBudget budget = new TimeBudget(config.train(), 0);
        boolean stop = false;
        try {
            for (int epoch = 1; epoch <= plan.epochs() && !stop; epoch++) {
                net.setEpochCount(epoch - 1); // as the replicas do: only schedules read it
                int[] order = Shards.batchOrder(config.train().seed(), batches.size(), epoch);
                for (int b : order) {
                    DataSet batch = batches.get(b);
                    long t0 = System.currentTimeMillis();
                    net.fit(batch);
                    Subnormals.afterStep(net, config.train().flushSubnormalsEvery());
                    long ms = System.currentTimeMillis() - t0;
                    RoundMetrics m = new RoundMetrics(rounds.size() + 1, epoch, net.score(), batch.numExamples(),
                            ms, ms, 0, 0, 0, 0, 0, ms);
                    rounds.add(m);
                    listeners.onRound(m, net);
                    stop = budget.spentAfter(m);
                    if (stop) {
                        break;
                    }
                }
                listeners.onEpochEnd(epoch, net);
            }
        } catch (RuntimeException e) {
            listeners.onEnd(null);
            throw e;
        }
        TrainingResult result = new TrainingResult(net, plan, rounds, System.currentTimeMillis() - start);
        listeners.onEnd(result);
        return result;
    }
}
