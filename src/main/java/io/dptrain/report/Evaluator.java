package io.dptrain.report;

import io.dptrain.data.ExampleSet;
import io.dptrain.model.SequenceOutputs;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/** Evaluates a network on labelled examples held on the driver. */
public final class Evaluator {
    private static final int EVAL_BATCH = 512;
    private final List<DataSet> batches;
    private final int classes;

    /** Builds the evaluation minibatches once, so per-epoch evaluation does not rebuild them. */
    public Evaluator(ExampleSet examples) {
        this(examples, DataType.FLOAT);
    }

    /** Evaluation minibatches in the network's precision. */
    public Evaluator(ExampleSet examples, DataType dataType) {
        if (examples.count() == 0) {
            throw new IllegalArgumentException("the evaluation set is empty");
        }
        this.batches = examples.minibatches(EVAL_BATCH, dataType);
        this.classes = examples.classes();
    }

    public EvaluationReport evaluate(MultiLayerNetwork net) {
        Evaluation eval = new Evaluation(classes);
        for (DataSet batch : batches) {
            INDArray mask = batch.getFeaturesMaskArray();
            // A truncated-BPTT network answers at every step; its answer is the one at the last real step.
            eval.eval(batch.getLabels(),
                    SequenceOutputs.atLastStep(net.output(batch.getFeatures(), false, mask, null), mask));
        }
        return EvaluationReport.of(eval);
    }
}
