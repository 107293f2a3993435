package io.dptrain.report;

import io.dptrain.data.LabeledImages;
import io.dptrain.data.Minibatches;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/** Evaluates a network on labelled images held on the driver. */
public final class Evaluator {
    private static final int EVAL_BATCH = 512;
    private final List<DataSet> batches;
    private final int classes;

    /** Builds the evaluation minibatches once, so per-epoch evaluation does not rebuild them. */
    public Evaluator(LabeledImages images) {
        if (images.count() == 0) {
            throw new IllegalArgumentException("the evaluation set is empty");
        }
        this.batches = Minibatches.of(images, EVAL_BATCH);
        this.classes = images.shape().classes();
    }

    public EvaluationReport evaluate(MultiLayerNetwork net) {
        Evaluation eval = new Evaluation(classes);
        for (DataSet batch : batches) {
            eval.eval(batch.getLabels(), net.output(batch.getFeatures(), false));
        }
        return EvaluationReport.of(eval);
    }
}
