package io.dptrain.engine.spark;

import io.dptrain.LocalSparkTest;
import io.dptrain.RoundMetrics;
import io.dptrain.TrainingListener;
import io.dptrain.config.ConfigLoader;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On local[2] the tasks (spark.task.cpus = 1) run in the driver's JVM: they get one thread each, and
 * the driver's work before, between and after rounds keeps the driver's setting. The driver here uses
 * 3 BLAS threads and as many op threads as nd4j's pool has (surefire sets OMP_NUM_THREADS=1, which
 * sizes the pool at 1: then only the BLAS count tells the two settings apart).
 */
@Timeout(120)
class Nd4jThreadsTest extends LocalSparkTest {
    private static final Nd4jThreads.Counts TASK = new Nd4jThreads.Counts(1, 1);
    private Nd4jThreads.Counts before;
    private Nd4jThreads.Counts driver;

    @BeforeEach
    void driverUsesItsOwnThreads() {
        before = Nd4jThreads.Counts.current();
        new Nd4jThreads.Counts(Nd4j.getEnvironment().maxThreads(), 3).apply();
        driver = Nd4jThreads.Counts.current();
        assertThat(driver).isNotEqualTo(TASK);
    }

    @AfterEach
    void restore() {
        before.apply();
    }

    @Test
    void tasksInTheDriversJvmUseTheirCpusAndTheDriverKeepsItsThreads() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark().sparkContext());
        List<Nd4jThreads.Counts> inTasks = jsc.parallelize(List.of(0, 1, 2, 3), 4).map(i -> {
            Nd4jThreads.forTask(TaskContext.get());
            return Nd4jThreads.Counts.current();
        }).collect();
        assertThat(inTasks).containsOnly(TASK);
        assertThat(Nd4jThreads.Counts.current()).isEqualTo(driver);
    }

    @Test
    void gradientAveragingStepsAndListensOnTheDriverWithTheDriversThreads() {
        List<Nd4jThreads.Counts> duringRounds = new ArrayList<>();
        new SparkTrainer(spark(), ConfigLoader.load(null, List.of("model.preset=mlp", "model.mlp.hidden=[8]",
                "train.batch-size=8", "train.epochs=1", "engine.mode=gradient-averaging", "engine.workers=2")))
                .addListener(new TrainingListener() {
                    @Override
                    public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
                        duringRounds.add(Nd4jThreads.Counts.current());
                    }
                })
                .fit(ImageTable.fromImages(spark(), Fixtures.train().slice(0, 64)));
        assertThat(duringRounds).hasSize(4).containsOnly(driver);
        assertThat(Nd4jThreads.Counts.current()).isEqualTo(driver);
    }
}
