package io.dptrain.predict;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The CLI's prediction rows: each input row (the model's input column last) scored by
 * {@link BatchPredictor}, as the input columns, the class name, its index and one probability per class.
 */
final class NamedPredictions implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final BatchPredictor predictor;
    private final int inputColumns;
    private final List<String> classNames;

    /**
     * @param predictor    scores the rows
     * @param inputColumns the input columns kept; the model's input column follows them
     * @param classNames   class names in class-index order
     */
    NamedPredictions(BatchPredictor predictor, int inputColumns, List<String> classNames) {
        this.predictor = predictor;
        this.inputColumns = inputColumns;
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return predictor.score(rows, inputColumns, s -> {
            double[] p = s.probabilities();
            Object[] values = new Object[inputColumns + 2 + p.length];
            for (int i = 0; i < inputColumns; i++) {
                values[i] = s.row().get(i);
            }
            values[inputColumns] = classNames.get(s.best());
            values[inputColumns + 1] = s.best();
            for (int c = 0; c < p.length; c++) {
                values[inputColumns + 2 + c] = p[c];
            }
            return RowFactory.create(values);
        });
    }
}
