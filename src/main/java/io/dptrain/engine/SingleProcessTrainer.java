package io.dptrain.engine;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.Seeds;
import io.dptrain.Trainer;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.LabeledImages;
import io.dptrain.data.Minibatches;
import io.dptrain.model.Networks;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

/**
 * The reference trainer: plain DL4J {@code fit(minibatch)} on the driver, on all the driver's cores.
 * The examples are shuffled once from the seed and cut into minibatches (short last batch kept);
 * each epoch visits the batches in a new seeded order, the same rule the distributed engines use
 * on their shards. One round is one minibatch step.
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
        LabeledImages images = TrainingData.collect(train, config);
        long seed = config.train().seed();
        int[] exampleOrder = Seeds.permutation(images.count(), Seeds.derive(seed, "example-order", 0));
        List<DataSet> batches = Minibatches.of(images, exampleOrder, config.train().batchSize(),
                Networks.dataType(config));
        return fit(batches, images.count());
    }

    /** Trains on ready minibatches (used by tests that compare engines batch for batch). */
    public TrainingResult fit(List<DataSet> batches, long examples) {
        MultiLayerNetwork net = Networks.create(config);
        RunPlan plan = new RunPlan("single-process", 1, config.train().epochs(), batches.size(), examples);
        List<RoundMetrics> rounds = new ArrayList<>(plan.totalRounds());
        listeners.onStart(plan);
        long start = System.currentTimeMillis();
        try {
            for (int epoch = 1; epoch <= plan.epochs(); epoch++) {
                int[] order = Seeds.permutation(batches.size(), Seeds.derive(config.train().seed(), "epoch-order", epoch));
                for (int b : order) {
                    DataSet batch = batches.get(b);
                    long t0 = System.currentTimeMillis();
                    net.fit(batch);
                    long ms = System.currentTimeMillis() - t0;
                    RoundMetrics m = new RoundMetrics(rounds.size() + 1, epoch, net.score(), batch.numExamples(),
                            ms, ms, 0, 0, 0, 0, 0, ms);
                    rounds.add(m);
                    listeners.onRound(m, net);
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
