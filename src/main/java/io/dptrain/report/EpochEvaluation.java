package io.dptrain.report;

import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Evaluates a held-out set (test or validation) after every epoch and records the accuracy with the training wall time
 * spent so far (evaluation time excluded), which is what "time to a target accuracy" is read from.
 */
public final class EpochEvaluation implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(EpochEvaluation.class);

    /** Accuracy after an epoch and the training time (ms) it took to get there. */
    public record Point(int epoch, double accuracy, long trainMillis) {
    }

    private final Evaluator evaluator;
    private final String name;
    private final List<Point> points = new ArrayList<>();
    private long start;
    private long evalMillis;
    private EvaluationReport last;

    /** Evaluates the test set (the log says "test accuracy"). */
    public EpochEvaluation(Evaluator evaluator) {
        this(evaluator, "test");
    }

    /**
     * @param evaluator the (distributed) evaluator of the held-out set
     * @param name      what the set is called in the log, e.g. "test" or "validation"
     */
    public EpochEvaluation(Evaluator evaluator, String name) {
        this.evaluator = evaluator;
        this.name = name;
    }

    @Override
    public void onStart(RunPlan plan) {
        points.clear();
        start = System.currentTimeMillis();
        evalMillis = 0;
    }

    @Override
    public void onEpochEnd(int epoch, MultiLayerNetwork model) {
        long t0 = System.currentTimeMillis();
        last = evaluator.evaluate(model);
        long now = System.currentTimeMillis();
        points.add(new Point(epoch, last.accuracy(), t0 - start - evalMillis));
        evalMillis += now - t0;
        LOG.info(String.format(Locale.ROOT, "epoch %d: %s accuracy %.4f (evaluated in %d ms)", epoch, name,
                last.accuracy(), now - t0));
    }

    public List<Point> points() {
        return List.copyOf(points);
    }

    /** The report of the last evaluated epoch, or null before the first. */
    public EvaluationReport last() {
        return last;
    }
}
