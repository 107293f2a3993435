package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingListener;
import io.dptrain.TrainingResult;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import io.dptrain.data.LabeledImages;
import io.dptrain.engine.Shard;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Replicas are kept per run: runs at once in one application never rebuild each other's replicas. */
@Timeout(300)
class ReplicaCacheTest extends LocalSparkTest {
    private final Map<String, Integer> builds = new ConcurrentHashMap<>();

    @AfterEach
    void removeHook() {
        ReplicaCache.onBuild = null;
    }

    private static DptrainConfig config(String mode) {
        return ConfigLoader.load(null, List.of("model.preset=mlp", "model.mlp.hidden=[16]", "model.data-type=double",
                "train.updater=adam", "train.learning-rate=0.002", "train.batch-size=8", "train.epochs=1",
                "engine.mode=" + mode, "engine.workers=2", "engine.local-steps=2"));
    }

    private static Dataset<Row> table(int from, int to) {
        return ImageTable.fromImages(spark(), Fixtures.train().slice(from, to));
    }

    @Test
    void twoRunsAtOnceBuildEachReplicaOnceAndComputeWhatEachComputesAlone() throws Exception {
        DptrainConfig gradient = config("gradient-averaging");
        DptrainConfig parameter = config("parameter-averaging");
        Dataset<Row> first = table(0, 96);
        Dataset<Row> second = table(96, 192);
        ReplicaCache.onBuild = (run, partition) -> builds.merge(run + "/" + partition, 1, Integer::sum);

        TrainingResult firstAlone = new SparkTrainer(spark(), gradient).fit(first);
        TrainingResult secondAlone = new SparkTrainer(spark(), parameter).fit(second);

        // Both runs finish round 1 (each has built its replicas) before either starts round 2: with a
        // cache that kept one run, each round of one run would rebuild what the other's evicted.
        CyclicBarrier bothAfterRoundOne = new CyclicBarrier(2);
        TrainingListener meet = new TrainingListener() {
            @Override
            public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                if (metrics.round() == 1) {
                    try {
                        bothAfterRoundOne.await(120, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException("the other run did not finish its round 1", e);
                    }
                }
            }
        };
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<TrainingResult> firstRun = threads.submit(() -> new SparkTrainer(spark(), gradient)
                    .addListener(meet).fit(first));
            Future<TrainingResult> secondRun = threads.submit(() -> new SparkTrainer(spark(), parameter)
                    .addListener(meet).fit(second));
            TrainingResult firstTogether = firstRun.get(240, TimeUnit.SECONDS);
            TrainingResult secondTogether = secondRun.get(240, TimeUnit.SECONDS);

            assertThat(firstTogether.rounds()).hasSize(6);
            assertThat(secondTogether.rounds()).hasSize(3);
            assertThat(builds).as("replica builds by run/partition: four runs of two shards, one build each")
                    .hasSize(8).allSatisfy((key, count) -> assertThat(count).as(key).isEqualTo(1));
            assertThat(firstTogether.model().params()).isEqualTo(firstAlone.model().params());
            assertThat(secondTogether.model().params()).isEqualTo(secondAlone.model().params());
            assertThat(losses(firstTogether)).isEqualTo(losses(firstAlone));
            assertThat(losses(secondTogether)).isEqualTo(losses(secondAlone));
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void keepsTheRunsUsedMostRecentlyAndReleasesOneRunsReplicas() {
        ReplicaCache.clear();
        DptrainConfig config = config("gradient-averaging");
        LabeledImages images = Fixtures.train().slice(0, 8);
        ReplicaCache.onBuild = (run, partition) -> builds.merge(run + "/" + partition, 1, Integer::sum);
        for (int run = 0; run < ReplicaCache.MAX_RUNS; run++) {
            for (int partition = 0; partition < 2; partition++) {
                int p = partition;
                ReplicaCache.get("run-" + run, partition, () -> new Replica(config, new Shard(p, images)));
            }
        }
        assertThat(ReplicaCache.size()).isEqualTo(2 * ReplicaCache.MAX_RUNS);
        ReplicaCache.get("run-0", 0, () -> new Replica(config, new Shard(0, images))); // run-0 used most recently
        ReplicaCache.get("one-more", 0, () -> new Replica(config, new Shard(0, images)));
        assertThat(ReplicaCache.size()).as("run-1, the least recently used, dropped")
                .isEqualTo(2 * ReplicaCache.MAX_RUNS - 2 + 1);
        ReplicaCache.get("run-0", 1, () -> new Replica(config, new Shard(1, images)));
        ReplicaCache.get("run-1", 0, () -> new Replica(config, new Shard(0, images)));
        assertThat(builds).containsEntry("run-0/0", 1).containsEntry("run-0/1", 1).containsEntry("run-1/0", 2);

        assertThat(ReplicaCache.release("run-0")).isEqualTo(2);
        assertThat(ReplicaCache.release("run-0")).isZero();
        ReplicaCache.clear();
        assertThat(ReplicaCache.size()).isZero();
    }

    private static List<Double> losses(TrainingResult result) {
        List<Double> losses = new ArrayList<>();
        result.rounds().forEach(r -> losses.add(r.loss()));
        return losses;
    }
}
